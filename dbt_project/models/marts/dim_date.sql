-- One row per UTC day from the first to the last day of data: the calendar every KPI mart's periods come from.
with calendar as (
    select * from {{ ref('int_calendar__days') }}
),

final as (
    select
        date_day,
        week_start,
        week_end,
        month_start,
        month_end,
        calendar_year,
        calendar_quarter,
        month_of_year,
        iso_year,
        iso_week,
        day_of_week,
        case day_of_week
            when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday' when 4 then 'Thursday'
            when 5 then 'Friday' when 6 then 'Saturday' else 'Sunday'
        end as day_name,
        is_weekend
    from calendar
)

select * from final
