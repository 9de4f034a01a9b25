-- One row per help-desk ticket (Zendesk and ticket exports): lifecycle timestamps, elapsed times, the SLA tier
-- its priority maps to (seeds ticket_priority_sla_tiers, sla_tiers) and whether each target was met.
-- A target not reached yet is judged against the data's as-of time (the newest ticket event): breached once the
-- elapsed time already exceeds it, otherwise pending (null).
with tickets as (
    select * from {{ ref('int_tickets__unioned') }}
),

calendar as (
    select * from {{ ref('int_calendar__days') }}
),

priority_tiers as (
    select * from {{ ref('ticket_priority_sla_tiers') }}
),

sla_targets as (
    select
        sla_tier,
        sla_metric,
        target_unit,
        cast(case target_unit
            when 'minutes' then target_value
            when 'hours' then target_value * 60
            when 'working_days' then target_value * 1440
        end as double precision) as target_minutes
    from {{ ref('sla_tiers') }}
),

tags as (
    select * from {{ source('enrich', 'feedback_tags') }}
),

satisfaction as (
    select feedback_id, scale, score
    from {{ ref('int_survey_answers__unpivoted') }}
    where channel_family = 'ticket' and metric = 'csat' and score is not null
),

as_of as (
    select max(greatest(
        created_at,
        coalesce(updated_at, created_at),
        coalesce(first_response_at, created_at),
        coalesce(solved_at, created_at)
    )) as as_of_at
    from tickets
),

timed as (
    select
        tickets.*,
        priority_tiers.sla_tier,
        as_of.as_of_at,
        {{ cfm.minutes_between('tickets.created_at', 'tickets.first_response_at') }} as first_response_minutes,
        {{ cfm.minutes_between('tickets.created_at', 'tickets.solved_at') }} as resolution_minutes,
        {{ cfm.minutes_between('tickets.created_at', 'as_of.as_of_at') }} as open_minutes_at_as_of,
        {{ cfm.working_clock('tickets.first_response_at', 'responded_day') }}
            - {{ cfm.working_clock('tickets.created_at', 'created_day') }} as first_response_working_minutes,
        {{ cfm.working_clock('tickets.solved_at', 'solved_day') }}
            - {{ cfm.working_clock('tickets.created_at', 'created_day') }} as resolution_working_minutes,
        {{ cfm.working_clock('as_of.as_of_at', 'as_of_day') }}
            - {{ cfm.working_clock('tickets.created_at', 'created_day') }} as open_working_minutes_at_as_of
    from tickets
    cross join as_of
    -- A ticket without a priority (Zendesk's default) is held to the normal tier.
    left join priority_tiers on priority_tiers.priority = coalesce(tickets.priority, 'normal')
    left join calendar as created_day on created_day.date_day = cast(tickets.created_at as date)
    left join calendar as responded_day on responded_day.date_day = cast(tickets.first_response_at as date)
    left join calendar as solved_day on solved_day.date_day = cast(tickets.solved_at as date)
    left join calendar as as_of_day on as_of_day.date_day = cast(as_of.as_of_at as date)
),

-- Per milestone: elapsed time on the target's clock, to the milestone or (not reached yet) to the as-of time.
judged as (
    select
        timed.*,
        first_response_target.target_minutes as first_response_target_minutes,
        first_response_target.target_unit as first_response_target_unit,
        resolution_target.target_minutes as resolution_target_minutes,
        resolution_target.target_unit as resolution_target_unit,
        case when first_response_target.target_unit = 'working_days'
            then coalesce(timed.first_response_working_minutes, timed.open_working_minutes_at_as_of)
            else coalesce(timed.first_response_minutes, timed.open_minutes_at_as_of)
        end as first_response_sla_elapsed_minutes,
        case when resolution_target.target_unit = 'working_days'
            then coalesce(timed.resolution_working_minutes, timed.open_working_minutes_at_as_of)
            else coalesce(timed.resolution_minutes, timed.open_minutes_at_as_of)
        end as resolution_sla_elapsed_minutes
    from timed
    left join sla_targets as first_response_target
        on first_response_target.sla_tier = timed.sla_tier and first_response_target.sla_metric = 'first_response'
    left join sla_targets as resolution_target
        on resolution_target.sla_tier = timed.sla_tier and resolution_target.sla_metric = 'resolution'
),

flagged as (
    select
        judged.*,
        case
            when first_response_target_minutes is null then null
            when first_response_sla_elapsed_minutes > first_response_target_minutes then true
            when first_response_at is not null then false
        end as is_first_response_breached,
        case
            when resolution_target_minutes is null then null
            when resolution_sla_elapsed_minutes > resolution_target_minutes then true
            when solved_at is not null then false
        end as is_resolution_breached
    from judged
),

final as (
    select
        flagged.ticket_key,
        coalesce(tags.canonical_feedback_id, flagged.ticket_key) as feedback_id,
        flagged.source,
        flagged.channel,
        flagged.ticket_id,
        flagged.customer_id,
        flagged.product_id,
        flagged.contact_method,
        flagged.status,
        flagged.priority,
        flagged.sla_tier,
        tags.urgency as tagged_urgency,
        tags.sentiment_label,
        tags.topic_l1,
        tags.topic_l2,
        flagged.created_at,
        cast(flagged.created_at as date) as created_date,
        flagged.updated_at,
        flagged.first_response_at,
        flagged.solved_at,
        flagged.reopen_count,
        flagged.reopen_count > 0 as is_reopened,
        flagged.solved_at is not null or flagged.status in ('solved', 'closed') as is_solved,
        cast(flagged.first_response_minutes as double precision) as first_response_minutes,
        cast(flagged.resolution_minutes as double precision) as resolution_minutes,
        cast(flagged.first_response_working_minutes as double precision) as first_response_working_minutes,
        cast(flagged.resolution_working_minutes as double precision) as resolution_working_minutes,
        flagged.first_response_target_minutes,
        flagged.first_response_target_unit,
        flagged.resolution_target_minutes,
        flagged.resolution_target_unit,
        flagged.is_first_response_breached,
        flagged.is_resolution_breached,
        case
            when flagged.first_response_target_minutes is null and flagged.resolution_target_minutes is null
                then 'no_target'
            when flagged.is_first_response_breached or flagged.is_resolution_breached then 'breached'
            when (flagged.first_response_target_minutes is null or not flagged.is_first_response_breached)
                and (flagged.resolution_target_minutes is null or not flagged.is_resolution_breached)
                then 'met'
            else 'pending'
        end as sla_status,
        satisfaction.score as satisfaction_score,
        satisfaction.scale as satisfaction_scale,
        case
            when satisfaction.scale = 'good/bad' then satisfaction.score = 1
            when satisfaction.scale = '1-5' then satisfaction.score >= 4
        end as is_satisfied,
        flagged.as_of_at,
        flagged._loaded_at as loaded_at
    from flagged
    left join tags on tags.feedback_id = flagged.ticket_key
    left join satisfaction on satisfaction.feedback_id = flagged.ticket_key
)

select * from final
