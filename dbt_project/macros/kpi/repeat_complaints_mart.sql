{#- Repeat-complaint rate per period of `grain` (the complaint's day) and breakdown (mart_repeat_complaints_*).
    A complaint (canonical item, feedback_type = 'complaint') from a known customer is a repeat when the same
    customer's previous complaint on the same topic_l2 was made at most repeat_complaint_window_days before
    (REFERENCE §2). Rate = repeat complaints / complaints from known customers. -#}
{% macro repeat_complaints_mart(grain) -%}
with complaints as (
    select
        feedback_id,
        channel,
        product_id,
        customer_id,
        created_at,
        created_date,
        coalesce(topic_l2, 'other') as topic_l2
    from {{ ref('fct_feedback') }}
    where feedback_type = 'complaint'
),

with_previous as (
    select
        complaints.*,
        lag(created_at) over (
            partition by customer_id, topic_l2 order by created_at, feedback_id
        ) as previous_complaint_at
    from complaints
),

items as (
    select
        with_previous.*,
        customer_id is not null as is_identified,
        customer_id is not null
            and previous_complaint_at is not null
            and {{ cfm.epoch_seconds('created_at') }} - {{ cfm.epoch_seconds('previous_complaint_at') }}
                <= {{ cfm.kpi_param('repeat_complaint_window_days') }} * 86400
            as is_repeat
    from with_previous
),

segmented as (
    {{ cfm.with_customer_segment('items') }}
),

calendar as (
    {{ cfm.kpi_calendar(grain) }}
),

periods as (
    select distinct period_start, period_end from calendar
),

sliced as (
    {{ cfm.slice_rows('segmented') }}
),

series as (
    select distinct dimension, dimension_value from sliced
),

counted as (
    select
        calendar.period_start,
        sliced.dimension,
        sliced.dimension_value,
        count(*) as complaint_count,
        count(case when sliced.is_identified then 1 end) as identified_complaint_count,
        count(case when sliced.is_repeat then 1 end) as repeat_complaint_count
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
        coalesce(counted.complaint_count, 0) as complaint_count,
        coalesce(counted.identified_complaint_count, 0) as identified_complaint_count,
        coalesce(counted.repeat_complaint_count, 0) as repeat_complaint_count
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
        cast(complaint_count as integer) as complaint_count,
        cast(identified_complaint_count as integer) as identified_complaint_count,
        cast(repeat_complaint_count as integer) as repeat_complaint_count,
        cast(case when identified_complaint_count > 0
            then 100.0 * repeat_complaint_count / identified_complaint_count end as double precision)
            as repeat_complaint_rate_pct,
        identified_complaint_count < {{ cfm.kpi_param('min_sample_size') }} as is_low_sample
    from filled
)

select * from final
{%- endmacro %}
