{#- Elapsed minutes (fractional) from `start_expr` to `end_expr`; null when either is null. -#}
{% macro minutes_between(start_expr, end_expr) -%}
    (({{ cfm.epoch_seconds(end_expr) }} - {{ cfm.epoch_seconds(start_expr) }}) / 60.0)
{%- endmacro %}
