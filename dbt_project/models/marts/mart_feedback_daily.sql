-- One row per UTC day and channel: feedback volume (canonical items) and CSAT (REFERENCE §1: top-2-box of 1-5
-- answers; 'good' of Zendesk good/bad ratings). Every day of the calendar is present for every channel that
-- has data; a day without feedback has zero counts and a null CSAT.
with feedback as (
    select * from {{ ref('fct_feedback') }}
),

csat_answers as (
    select * from {{ ref('fct_survey_responses') }}
    where metric = 'csat'
),

days as (
    select date_day from {{ ref('dim_date') }}
),

channels as (
    select channel from feedback
    union
    select channel from csat_answers
),

volume as (
    select created_date as feedback_date, channel, count(*) as feedback_count
    from feedback
    group by created_date, channel
),

csat as (
    select
        response_date as feedback_date,
        channel,
        count(*) as csat_responses,
        count(case when is_satisfied then 1 end) as csat_satisfied
    from csat_answers
    group by response_date, channel
),

final as (
    select
        days.date_day as feedback_date,
        channels.channel,
        cast(coalesce(volume.feedback_count, 0) as bigint) as feedback_count,
        cast(coalesce(csat.csat_responses, 0) as bigint) as csat_responses,
        cast(coalesce(csat.csat_satisfied, 0) as bigint) as csat_satisfied,
        cast(case when csat.csat_responses > 0 then 100.0 * csat.csat_satisfied / csat.csat_responses end
            as double precision) as csat_pct
    from days
    cross join channels
    left join volume on volume.feedback_date = days.date_day and volume.channel = channels.channel
    left join csat on csat.feedback_date = days.date_day and csat.channel = channels.channel
)

select * from final
