{#- Text timestamp (ISO-8601 with or without offset) to a UTC timestamp without time zone.
    A value with no offset is taken as UTC. Adapter-dispatched so the project stays portable. -#}
{% macro to_utc(column) -%}
    {{ return(adapter.dispatch('to_utc', 'cfm')(column)) }}
{%- endmacro %}

{% macro default__to_utc(column) -%}
    cast(cast(nullif(trim({{ column }}), '') as timestamp with time zone) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__to_utc(column) -%}
    timezone('UTC', cast(nullif(trim({{ column }}), '') as timestamptz))
{%- endmacro %}
