{#- One row per element of the JSON array held (as text) in `column`: a FROM-clause item to cross join after
    the relation `column` belongs to; each element is a JSON value named `item` (read it with json_text). -#}
{% macro json_array_rows(column, item) -%}
    {{ return(adapter.dispatch('json_array_rows', 'cfm')(column, item)) }}
{%- endmacro %}

{% macro default__json_array_rows(column, item) -%}
    {{ exceptions.raise_compiler_error("json_array_rows: add a " ~ target.type ~ "__json_array_rows macro") }}
{%- endmacro %}

{% macro duckdb__json_array_rows(column, item) -%}
    unnest(cast(cast({{ column }} as json) as json[])) as {{ item }}_rows({{ item }})
{%- endmacro %}

{% macro postgres__json_array_rows(column, item) -%}
    jsonb_array_elements(cast({{ column }} as jsonb)) as {{ item }}_rows({{ item }})
{%- endmacro %}
