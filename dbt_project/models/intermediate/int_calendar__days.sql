-- One row per UTC day from the first to the last day that any feedback, answer, ticket event, return or sale
-- falls on: the date spine every daily, weekly and monthly mart is built on, so no series has gap days.
with event_days as (
    select cast(min(created_at) as date) as first_day, cast(max(created_at) as date) as last_day
    from {{ ref('int_feedback__unioned') }}
    union all
    select cast(min(responded_at) as date), cast(max(responded_at) as date)
    from {{ ref('int_survey_answers__unpivoted') }}
    union all
    select
        cast(min(created_at) as date),
        cast(max(greatest(
            created_at,
            coalesce(updated_at, created_at),
            coalesce(first_response_at, created_at),
            coalesce(solved_at, created_at)
        )) as date)
    from {{ ref('int_tickets__unioned') }}
    union all
    select cast(min(requested_at) as date), cast(max(requested_at) as date)
    from {{ ref('int_returns__unioned') }}
    union all
    select min(sale_date), max(sale_date)
    from {{ ref('stg_sales__product_sales_daily') }}
),

bounds as (
    select min(first_day) as first_day, max(last_day) as last_day
    from event_days
),

days as (
    select {{ cfm.add_days('bounds.first_day', 'numbers.n') }} as date_day
    from bounds
    cross join {{ cfm.integers(5) }} as numbers
    where numbers.n <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}
),

attributes as (
    select
        date_day,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(quarter from date_day) as integer) as calendar_quarter,
        cast(extract(month from date_day) as integer) as month_of_year,
        cast(extract(isoyear from date_day) as integer) as iso_year,
        cast(extract(week from date_day) as integer) as iso_week,
        cast(extract(isodow from date_day) as integer) as day_of_week
    from days
),

final as (
    select
        date_day,
        week_start,
        {{ cfm.add_days('week_start', 6) }} as week_end,
        month_start,
        {{ cfm.add_days(dbt.dateadd('month', 1, 'month_start'), -1) }} as month_end,
        calendar_year,
        calendar_quarter,
        month_of_year,
        iso_year,
        iso_week,
        day_of_week,
        day_of_week >= 6 as is_weekend,
        -- Monday-Friday days before this one since the spine began: working time between two instants is
        -- a difference of these (macro working_minutes), so "5 working days" needs no per-ticket day loop.
        cast(
            sum(case when day_of_week <= 5 then 1 else 0 end) over (order by date_day rows between unbounded preceding and current row)
            - case when day_of_week <= 5 then 1 else 0 end
            as integer
        ) as working_days_before
    from attributes
)

select * from final
