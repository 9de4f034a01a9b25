{#- `column_name` of `relation` when the relation has that column, else a typed null.
    For staging columns a source may not offer yet (Zendesk's ticket export carries no first-response or
    solved time unless ticket metrics are landed; Shopify's return lines carry no amount): the unified models
    keep one shape and fill the column as soon as staging provides it. Decided at run time, when the staging
    relation exists; `dbt parse` sees the null. -#}
{% macro optional_column(relation, column_name, data_type) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == column_name | lower -%}{%- do present.append(column.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if present -%}
        {{ column_name }}
    {%- else -%}
        cast(null as {{ data_type }})
    {%- endif -%}
{%- endmacro %}
