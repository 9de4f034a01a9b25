{#- Each row of CTE `relation` once per breakdown it belongs to, as (dimension, dimension_value):
    ('all', 'all'), ('channel', channel), ('product', product_id), ('segment', customer_segment), or any
    (name, SQL expression) pairs given in `dimensions`. Missing values become 'unknown'. -#}
{% macro default_kpi_dimensions() -%}
    {{ return([
        ('all', "'all'"),
        ('channel', 'channel'),
        ('product', 'product_id'),
        ('segment', 'customer_segment'),
    ]) }}
{%- endmacro %}

{% macro slice_rows(relation, dimensions=none) -%}
    {%- set dimensions = dimensions if dimensions is not none else cfm.default_kpi_dimensions() -%}
    {%- for name, expression in dimensions %}
    select
        '{{ name }}' as dimension,
        coalesce(cast({{ expression }} as {{ dbt.type_string() }}), 'unknown') as dimension_value,
        {{ relation }}.*
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
