{#- `relation` (with a customer_id) plus the customer's segment from dim_customer ('unknown' when anonymous). -#}
{% macro with_customer_segment(relation) -%}
    select
        {{ relation }}.*,
        coalesce(segments.customer_segment, 'unknown') as customer_segment
    from {{ relation }}
    left join {{ ref('dim_customer') }} as segments
        on segments.customer_id = {{ relation }}.customer_id
{%- endmacro %}
