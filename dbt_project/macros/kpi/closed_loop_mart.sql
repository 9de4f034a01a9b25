{#- Negative-feedback closed-loop rate per period of `grain` (the feedback's creation day) and breakdown
    (mart_closed_loop_*). A negative canonical feedback item (fct_feedback.sentiment_label = 'negative') is
    handled by a ticket: the ticket it is (or that the tagger folded into it), else the first ticket the same
    customer opened within closed_loop_link_days after it. It is
      acknowledged when that ticket got a first response,
      resolved when the ticket was solved,
      followed up when the ticket got a satisfaction answer, or its status is closed, or the customer answered
        a survey within follow_up_window_days after the ticket was solved;
    closed loop = all three. Rate = closed-loop items / negative items. -#}
{% macro closed_loop_mart(grain) -%}
with negative as (
    select feedback_id, channel, product_id, customer_id, created_at, created_date
    from {{ ref('fct_feedback') }}
    where sentiment_label = 'negative'
),

tickets as (
    select * from {{ ref('fct_tickets') }}
),

surveys as (
    select distinct customer_id, responded_at
    from {{ ref('fct_survey_responses') }}
    where channel_family = 'survey' and customer_id is not null
),

candidate_tickets as (
    select negative.feedback_id, tickets.ticket_key, tickets.created_at as ticket_created_at, 0 as link_priority
    from negative
    inner join tickets on tickets.feedback_id = negative.feedback_id
    union all
    select negative.feedback_id, tickets.ticket_key, tickets.created_at, 1
    from negative
    inner join tickets
        on tickets.customer_id = negative.customer_id
        and tickets.created_at >= negative.created_at
        and {{ cfm.epoch_seconds('tickets.created_at') }} - {{ cfm.epoch_seconds('negative.created_at') }}
            <= {{ cfm.kpi_param('closed_loop_link_days') }} * 86400
),

ranked_tickets as (
    select
        candidate_tickets.*,
        row_number() over (
            partition by feedback_id order by link_priority, ticket_created_at, ticket_key
        ) as ticket_rank
    from candidate_tickets
),

followed_up_by_survey as (
    select distinct tickets.ticket_key
    from tickets
    inner join surveys
        on surveys.customer_id = tickets.customer_id
        and surveys.responded_at > tickets.solved_at
        and {{ cfm.epoch_seconds('surveys.responded_at') }} - {{ cfm.epoch_seconds('tickets.solved_at') }}
            <= {{ cfm.kpi_param('follow_up_window_days') }} * 86400
),

items as (
    select
        negative.*,
        tickets.ticket_key is not null as is_linked_to_ticket,
        coalesce(tickets.first_response_at is not null, false) as is_acknowledged,
        coalesce(tickets.is_solved, false) as is_resolved,
        coalesce(
            tickets.satisfaction_score is not null
            or tickets.status = 'closed'
            or followed_up_by_survey.ticket_key is not null,
            false
        ) as is_followed_up
    from negative
    left join ranked_tickets
        on ranked_tickets.feedback_id = negative.feedback_id and ranked_tickets.ticket_rank = 1
    left join tickets on tickets.ticket_key = ranked_tickets.ticket_key
    left join followed_up_by_survey on followed_up_by_survey.ticket_key = tickets.ticket_key
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
        count(*) as negative_feedback_count,
        count(case when sliced.is_linked_to_ticket then 1 end) as linked_to_ticket_count,
        count(case when sliced.is_acknowledged then 1 end) as acknowledged_count,
        count(case when sliced.is_resolved then 1 end) as resolved_count,
        count(case when sliced.is_followed_up then 1 end) as followed_up_count,
        count(case when sliced.is_acknowledged and sliced.is_resolved and sliced.is_followed_up then 1 end)
            as closed_loop_count
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
        coalesce(counted.negative_feedback_count, 0) as negative_feedback_count,
        coalesce(counted.linked_to_ticket_count, 0) as linked_to_ticket_count,
        coalesce(counted.acknowledged_count, 0) as acknowledged_count,
        coalesce(counted.resolved_count, 0) as resolved_count,
        coalesce(counted.followed_up_count, 0) as followed_up_count,
        coalesce(counted.closed_loop_count, 0) as closed_loop_count
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
        cast(negative_feedback_count as integer) as negative_feedback_count,
        cast(linked_to_ticket_count as integer) as linked_to_ticket_count,
        cast(acknowledged_count as integer) as acknowledged_count,
        cast(resolved_count as integer) as resolved_count,
        cast(followed_up_count as integer) as followed_up_count,
        cast(closed_loop_count as integer) as closed_loop_count,
        cast(case when negative_feedback_count > 0 then 100.0 * acknowledged_count / negative_feedback_count end
            as double precision) as acknowledged_pct,
        cast(case when negative_feedback_count > 0 then 100.0 * resolved_count / negative_feedback_count end
            as double precision) as resolved_pct,
        cast(case when negative_feedback_count > 0 then 100.0 * closed_loop_count / negative_feedback_count end
            as double precision) as closed_loop_rate_pct,
        negative_feedback_count < {{ cfm.kpi_param('min_sample_size') }} as is_low_sample
    from filled
)

select * from final
{%- endmacro %}
