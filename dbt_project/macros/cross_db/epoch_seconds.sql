{#- Seconds since 1970-01-01 of a timestamp, as a double: elapsed times are differences of two of these,
    so they count real seconds (dbt.datediff counts crossed boundaries instead). -#}
{% macro epoch_seconds(timestamp_expr) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'cfm')(timestamp_expr)) }}
{%- endmacro %}

{% macro default__epoch_seconds(timestamp_expr) -%}
    cast(extract(epoch from {{ timestamp_expr }}) as double precision)
{%- endmacro %}

{% macro duckdb__epoch_seconds(timestamp_expr) -%}
    epoch({{ timestamp_expr }})
{%- endmacro %}
