{#- Topic impact on NPS per period of `grain`, breakdown and topic (mart_topic_nps_impact_*): the NPS of all
    answers, and the NPS without the answers whose comment is a detractor comment tagged with the topic (any of
    its topics, enrich.feedback_topics). impact = NPS without - NPS: how much NPS would rise if that topic's
    detractor comments had not happened (REFERENCE §6). -#}
{% macro topic_nps_impact_mart(grain) -%}
with answers as (
    select * from {{ ref('fct_survey_responses') }}
    where metric = 'nps'
),

topics as (
    select distinct feedback_id, topic_l1, topic_l2 from {{ source('enrich', 'feedback_topics') }}
),

segmented as (
    {{ cfm.with_customer_segment('answers') }}
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

commented as (
    select sliced.*, topics.topic_l1, topics.topic_l2
    from sliced
    inner join topics on topics.feedback_id = sliced.feedback_id
    where sliced.has_comment
),

series as (
    select distinct dimension, dimension_value, topic_l1, topic_l2 from commented
),

period_scores as (
    select
        calendar.period_start,
        sliced.dimension,
        sliced.dimension_value,
        count(*) as responses,
        count(case when sliced.nps_category = 'promoter' then 1 end) as promoters,
        count(case when sliced.nps_category = 'detractor' then 1 end) as detractors
    from sliced
    inner join calendar on calendar.date_day = sliced.response_date
    group by calendar.period_start, sliced.dimension, sliced.dimension_value
),

topic_counts as (
    select
        calendar.period_start,
        commented.dimension,
        commented.dimension_value,
        commented.topic_l1,
        commented.topic_l2,
        count(distinct commented.answer_id) as topic_comments,
        count(distinct case when commented.nps_category = 'detractor' then commented.answer_id end)
            as topic_detractor_comments
    from commented
    inner join calendar on calendar.date_day = commented.response_date
    group by calendar.period_start, commented.dimension, commented.dimension_value,
        commented.topic_l1, commented.topic_l2
),

filled as (
    select
        periods.period_start,
        periods.period_end,
        series.dimension,
        series.dimension_value,
        series.topic_l1,
        series.topic_l2,
        coalesce(period_scores.responses, 0) as responses,
        coalesce(period_scores.promoters, 0) as promoters,
        coalesce(period_scores.detractors, 0) as detractors,
        coalesce(topic_counts.topic_comments, 0) as topic_comments,
        coalesce(topic_counts.topic_detractor_comments, 0) as topic_detractor_comments
    from periods
    cross join series
    left join period_scores
        on period_scores.period_start = periods.period_start
        and period_scores.dimension = series.dimension
        and period_scores.dimension_value = series.dimension_value
    left join topic_counts
        on topic_counts.period_start = periods.period_start
        and topic_counts.dimension = series.dimension
        and topic_counts.dimension_value = series.dimension_value
        and topic_counts.topic_l1 = series.topic_l1
        and topic_counts.topic_l2 = series.topic_l2
),

scored as (
    select
        filled.*,
        {{ cfm.nps('promoters', 'detractors', 'responses') }} as nps,
        {{ cfm.nps('promoters', 'detractors - topic_detractor_comments', 'responses - topic_detractor_comments') }}
            as nps_without_topic
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
        cast(responses as integer) as responses,
        cast(promoters as integer) as promoters,
        cast(detractors as integer) as detractors,
        cast(topic_comments as integer) as topic_comments,
        cast(topic_detractor_comments as integer) as topic_detractor_comments,
        cast(nps as double precision) as nps,
        cast(nps_without_topic as double precision) as nps_without_topic,
        cast(nps_without_topic - nps as double precision) as nps_impact,
        responses < {{ cfm.kpi_param('min_sample_size') }} as is_low_sample
    from scored
)

select * from final
{%- endmacro %}
