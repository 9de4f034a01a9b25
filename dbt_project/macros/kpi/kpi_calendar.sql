{#- The day -> period mapping of a grain ('day', 'week' = ISO week starting Monday, 'month'), from dim_date:
    columns date_day, period_start, period_end (last day of the period, inclusive). -#}
{% macro kpi_calendar(grain) -%}
    {%- set columns = {
        'day': ('date_day', 'date_day'),
        'week': ('week_start', 'week_end'),
        'month': ('month_start', 'month_end'),
    } -%}
    {%- if grain not in columns -%}
        {{ exceptions.raise_compiler_error("unknown KPI grain " ~ grain ~ "; use day, week or month") }}
    {%- endif -%}
    select
        date_day,
        {{ columns[grain][0] }} as period_start,
        {{ columns[grain][1] }} as period_end
    from {{ ref('dim_date') }}
{%- endmacro %}
