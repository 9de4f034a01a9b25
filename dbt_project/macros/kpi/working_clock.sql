{#- Working minutes (Monday-Friday, UTC, 24 h a day) from the start of the calendar spine to `timestamp_expr`,
    given the int_calendar__days row of its date (`calendar_alias`). The working time between two instants is
    the difference of two of these: a weekend instant sits at the start of the next Monday. -#}
{% macro working_clock(timestamp_expr, calendar_alias) -%}
    (
        {{ calendar_alias }}.working_days_before * 1440.0
        + case when {{ calendar_alias }}.day_of_week <= 5
            then {{ cfm.minutes_between('cast(cast(' ~ timestamp_expr ~ ' as date) as timestamp)', timestamp_expr) }}
            else 0
        end
    )
{%- endmacro %}
