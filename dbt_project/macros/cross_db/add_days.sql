{#- The date `days` days after `date_expr`, as a date (dbt.dateadd returns a timestamp on some adapters). -#}
{% macro add_days(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}
