{#- The rows of `relation` that come first in their `partition_by` group by `order_by`, with every column of
    `relation` and nothing more (no row-number column). As dbt_utils.deduplicate, which this project cannot
    install offline: QUALIFY where the database has it, DISTINCT ON on PostgreSQL. -#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch('deduplicate', 'cfm')(relation, partition_by, order_by)) }}
{%- endmacro %}

{#- DuckDB, Snowflake, BigQuery, Databricks. -#}
{% macro default__deduplicate(relation, partition_by, order_by) -%}
    select *
    from {{ relation }}
    qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{%- endmacro %}

{% macro postgres__deduplicate(relation, partition_by, order_by) -%}
    select distinct on ({{ partition_by }}) *
    from {{ relation }}
    order by {{ partition_by }}, {{ order_by }}
{%- endmacro %}
