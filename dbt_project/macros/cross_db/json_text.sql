{#- The member `key` of the JSON object `json_expr`, as text (null when absent or JSON null). -#}
{% macro json_text(json_expr, key) -%}
    {{ return(adapter.dispatch('json_text', 'cfm')(json_expr, key)) }}
{%- endmacro %}

{% macro default__json_text(json_expr, key) -%}
    ({{ json_expr }} ->> '{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(json_expr, key) -%}
    json_extract_string({{ json_expr }}, '$.{{ key }}')
{%- endmacro %}
