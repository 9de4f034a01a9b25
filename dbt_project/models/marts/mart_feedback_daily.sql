-- One row per day and channel: feedback volume and CSAT (top-2-box of 1-5 answers, REFERENCE §1).
with feedback as (
    select * from {{ ref('fct_feedback') }}
),

daily as (
    select
        created_date as feedback_date,
        channel,
        count(*) as feedback_count,
        count(csat_score) as csat_responses,
        count(*) filter (where csat_score >= 4) as csat_satisfied
    from feedback
    group by 1, 2
),

final as (
    select
        feedback_date,
        channel,
        feedback_count,
        csat_responses,
        csat_satisfied,
        case when csat_responses > 0 then 100.0 * csat_satisfied / csat_responses end as csat_pct
    from daily
)

select * from final
