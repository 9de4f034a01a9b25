{#- Thresholds of the KPI definitions (DECISIONS.md). Each can be overridden with `--vars`, e.g.
    `dbt build --vars '{repeat_complaint_window_days: 14}'`. The defaults and the measurement behind them: -#}
{% macro kpi_param(name) -%}
    {%- set defaults = {
        'min_sample_size': 30,
        'repeat_complaint_window_days': 30,
        'high_value_min_feedback_per_year': 5,
        'closed_loop_link_days': 7,
        'follow_up_window_days': 30,
    } -%}
    {#- min_sample_size: vendors grey out scores under 30 answers (REFERENCE §1).
        repeat_complaint_window_days: "again within a window (e.g. 30 days)" (REFERENCE §2).
        high_value_min_feedback_per_year: "more than 5 times a year" (REFERENCE §2), counted over the 365 days
        ending on the last day of data.
        closed_loop_link_days: a ticket opened by the same customer within 7 days after a negative comment is the
        case that handles it.
        follow_up_window_days: a survey answered within 30 days after the ticket was solved counts as follow-up. -#}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("unknown KPI parameter " ~ name) }}
    {%- endif -%}
    {{ var(name, defaults[name]) }}
{%- endmacro %}
