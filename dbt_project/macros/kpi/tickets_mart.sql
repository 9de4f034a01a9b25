{#- Ticket handling per period of `grain` (tickets created in the period) and breakdown, including one
    breakdown per SLA tier (mart_tickets_*): first-response and resolution times in calendar minutes (median and
    p90, continuous percentiles) and SLA compliance = met / (met + breached); pending tickets are not judged. -#}
{% macro tickets_mart(grain) -%}
with tickets as (
    select * from {{ ref('fct_tickets') }}
),

segmented as (
    {{ cfm.with_customer_segment('tickets') }}
),

calendar as (
    {{ cfm.kpi_calendar(grain) }}
),

periods as (
    select distinct period_start, period_end from calendar
),

sliced as (
    {{ cfm.slice_rows('segmented', cfm.default_kpi_dimensions() + [('sla_tier', 'sla_tier')]) }}
),

series as (
    select distinct dimension, dimension_value from sliced
),

counted as (
    select
        calendar.period_start,
        sliced.dimension,
        sliced.dimension_value,
        count(*) as tickets_created,
        count(sliced.first_response_at) as tickets_responded,
        count(case when sliced.is_solved then 1 end) as tickets_solved,
        count(case when sliced.is_reopened then 1 end) as tickets_reopened,
        {{ cfm.percentile_cont('sliced.first_response_minutes', 0.5) }} as first_response_minutes_median,
        {{ cfm.percentile_cont('sliced.first_response_minutes', 0.9) }} as first_response_minutes_p90,
        {{ cfm.percentile_cont('sliced.resolution_minutes', 0.5) }} as resolution_minutes_median,
        {{ cfm.percentile_cont('sliced.resolution_minutes', 0.9) }} as resolution_minutes_p90,
        count(case when sliced.sla_status = 'met' then 1 end) as sla_met,
        count(case when sliced.sla_status = 'breached' then 1 end) as sla_breached,
        count(case when sliced.sla_status = 'pending' then 1 end) as sla_pending
    from sliced
    inner join calendar on calendar.date_day = sliced.created_date
    group by calendar.period_start, sliced.dimension, sliced.dimension_value
),

filled as (
    select
        periods.period_start,
        periods.period_end,
        series.dimension,
        series.dimension_value,
        coalesce(counted.tickets_created, 0) as tickets_created,
        coalesce(counted.tickets_responded, 0) as tickets_responded,
        coalesce(counted.tickets_solved, 0) as tickets_solved,
        coalesce(counted.tickets_reopened, 0) as tickets_reopened,
        counted.first_response_minutes_median,
        counted.first_response_minutes_p90,
        counted.resolution_minutes_median,
        counted.resolution_minutes_p90,
        coalesce(counted.sla_met, 0) as sla_met,
        coalesce(counted.sla_breached, 0) as sla_breached,
        coalesce(counted.sla_pending, 0) as sla_pending
    from periods
    cross join series
    left join counted
        on counted.period_start = periods.period_start
        and counted.dimension = series.dimension
        and counted.dimension_value = series.dimension_value
),

final as (
    select
        period_start,
        period_end,
        dimension,
        dimension_value,
        cast(tickets_created as integer) as tickets_created,
        cast(tickets_responded as integer) as tickets_responded,
        cast(tickets_solved as integer) as tickets_solved,
        cast(tickets_reopened as integer) as tickets_reopened,
        cast(case when tickets_solved > 0 then 100.0 * tickets_reopened / tickets_solved end as double precision)
            as reopen_rate_pct,
        cast(first_response_minutes_median as double precision) as first_response_minutes_median,
        cast(first_response_minutes_p90 as double precision) as first_response_minutes_p90,
        cast(resolution_minutes_median as double precision) as resolution_minutes_median,
        cast(resolution_minutes_p90 as double precision) as resolution_minutes_p90,
        cast(sla_met as integer) as sla_met,
        cast(sla_breached as integer) as sla_breached,
        cast(sla_pending as integer) as sla_pending,
        cast(case when sla_met + sla_breached > 0 then 100.0 * sla_met / (sla_met + sla_breached) end
            as double precision) as sla_compliance_pct,
        tickets_created < {{ cfm.kpi_param('min_sample_size') }} as is_low_sample
    from filled
)

select * from final
{%- endmacro %}
