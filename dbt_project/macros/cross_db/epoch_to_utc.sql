{#- Unix epoch seconds (text or number) to a UTC timestamp without time zone. -#}
{% macro epoch_to_utc(expr) -%}
    {{ return(adapter.dispatch('epoch_to_utc', 'cfm')(expr)) }}
{%- endmacro %}

{% macro default__epoch_to_utc(expr) -%}
    cast(to_timestamp(cast({{ expr }} as double precision)) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__epoch_to_utc(expr) -%}
    timezone('UTC', to_timestamp(cast({{ expr }} as double)))
{%- endmacro %}
