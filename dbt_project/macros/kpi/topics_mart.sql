{#- Feedback volume and sentiment mix per period of `grain`, breakdown and primary topic (mart_topics_*).
    Counts canonical feedback items (fct_feedback) by their primary topic, so the topics of a period add up to
    its feedback volume; items without a topic are topic 'other'. -#}
{% macro topics_mart(grain) -%}
with feedback as (
    select
        feedback_id,
        channel,
        product_id,
        customer_id,
        created_date,
        coalesce(topic_l1, 'other') as topic_l1,
        coalesce(topic_l2, 'other') as topic_l2,
        sentiment_label,
        sentiment_score,
        feedback_type
    from {{ ref('fct_feedback') }}
),

segmented as (
    {{ cfm.with_customer_segment('feedback') }}
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
    select distinct dimension, dimension_value, topic_l1, topic_l2 from sliced
),

counted as (
    select
        calendar.period_start,
        sliced.dimension,
        sliced.dimension_value,
        sliced.topic_l1,
        sliced.topic_l2,
        count(*) as feedback_count,
        count(case when sliced.sentiment_label = 'negative' then 1 end) as negative_count,
        count(case when sliced.sentiment_label = 'neutral' then 1 end) as neutral_count,
        count(case when sliced.sentiment_label = 'positive' then 1 end) as positive_count,
        count(case when sliced.feedback_type = 'complaint' then 1 end) as complaint_count,
        avg(sliced.sentiment_score) as sentiment_score_mean
    from sliced
    inner join calendar on calendar.date_day = sliced.created_date
    group by calendar.period_start, sliced.dimension, sliced.dimension_value, sliced.topic_l1, sliced.topic_l2
),

filled as (
    select
        periods.period_start,
        periods.period_end,
        series.dimension,
        series.dimension_value,
        series.topic_l1,
        series.topic_l2,
        coalesce(counted.feedback_count, 0) as feedback_count,
        coalesce(counted.negative_count, 0) as negative_count,
        coalesce(counted.neutral_count, 0) as neutral_count,
        coalesce(counted.positive_count, 0) as positive_count,
        coalesce(counted.complaint_count, 0) as complaint_count,
        counted.sentiment_score_mean
    from periods
    cross join series
    left join counted
        on counted.period_start = periods.period_start
        and counted.dimension = series.dimension
        and counted.dimension_value = series.dimension_value
        and counted.topic_l1 = series.topic_l1
        and counted.topic_l2 = series.topic_l2
),

with_totals as (
    select
        filled.*,
        sum(feedback_count) over (partition by period_start, dimension, dimension_value) as slice_feedback_count
    from filled
),

final as (
    select
        period_start,
        period_end,
        dimension,
        dimension_value,
        topic_l1,
        topic_l2,
        cast(feedback_count as integer) as feedback_count,
        cast(negative_count as integer) as negative_count,
        cast(neutral_count as integer) as neutral_count,
        cast(positive_count as integer) as positive_count,
        cast(complaint_count as integer) as complaint_count,
        cast(case when feedback_count > 0 then 100.0 * negative_count / feedback_count end as double precision)
            as negative_pct,
        cast(case when feedback_count > 0 then 100.0 * neutral_count / feedback_count end as double precision)
            as neutral_pct,
        cast(case when feedback_count > 0 then 100.0 * positive_count / feedback_count end as double precision)
            as positive_pct,
        cast(sentiment_score_mean as double precision) as sentiment_score_mean,
        cast(case when slice_feedback_count > 0 then 100.0 * feedback_count / slice_feedback_count end
            as double precision) as share_of_volume_pct
    from with_totals
)

select * from final
{%- endmacro %}
