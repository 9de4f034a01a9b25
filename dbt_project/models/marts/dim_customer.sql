-- One row per customer: CRM attributes (no contact data) plus feedback behaviour and segments, as of the last
-- day of feedback data (as_of_date):
-- - high value: more than 5 canonical feedback items in the 365 days ending on as_of_date (REFERENCE §2);
-- - nps_status: category of the customer's latest NPS answer (promoter / passive / detractor / no_answer);
-- - churn risk: a detractor (latest NPS answer) who has also returned goods (any return request);
-- - customer_segment: one exclusive segment for KPI breakdowns: churn_risk, then high_value, then regular.
with crm as (
    select * from {{ ref('stg_crm__customers') }}
),

feedback as (
    select * from {{ ref('fct_feedback') }}
),

nps_answers as (
    select * from {{ ref('fct_survey_responses') }} where metric = 'nps' and customer_id is not null
),

return_lines as (
    select * from {{ ref('fct_returns') }} where customer_id is not null
),

as_of as (
    select max(created_date) as as_of_date from feedback
),

all_customers as (
    select customer_id from crm
    union
    select customer_id from feedback where customer_id is not null
    union
    select customer_id from nps_answers
    union
    select customer_id from {{ ref('fct_tickets') }} where customer_id is not null
    union
    select customer_id from return_lines
),

feedback_stats as (
    select
        feedback.customer_id,
        count(*) as feedback_count,
        count(case when feedback.created_date > {{ cfm.add_days('as_of.as_of_date', -365) }} then 1 end)
            as feedback_count_365d,
        min(feedback.created_at) as first_feedback_at,
        max(feedback.created_at) as last_feedback_at,
        count(case when feedback.feedback_type = 'complaint' then 1 end) as complaint_count
    from feedback
    cross join as_of
    where feedback.customer_id is not null
    group by feedback.customer_id
),

latest_nps_ranked as (
    select
        customer_id,
        score,
        nps_category,
        responded_at,
        row_number() over (partition by customer_id order by responded_at desc, answer_id desc) as answer_rank
    from nps_answers
),

latest_nps as (
    select customer_id, score as latest_nps_score, nps_category as nps_status, responded_at as latest_nps_at
    from latest_nps_ranked
    where answer_rank = 1
),

return_stats as (
    select
        customer_id,
        count(distinct return_id) as return_count,
        sum(case when is_counted_as_returned then quantity else 0 end) as returned_units
    from return_lines
    group by customer_id
),

flagged as (
    select
        all_customers.customer_id,
        crm.customer_id is not null as is_in_crm,
        crm.country,
        crm.signup_date,
        as_of.as_of_date,
        coalesce(feedback_stats.feedback_count, 0) as feedback_count,
        coalesce(feedback_stats.feedback_count_365d, 0) as feedback_count_365d,
        coalesce(feedback_stats.complaint_count, 0) as complaint_count,
        feedback_stats.first_feedback_at,
        feedback_stats.last_feedback_at,
        latest_nps.latest_nps_score,
        latest_nps.latest_nps_at,
        coalesce(latest_nps.nps_status, 'no_answer') as nps_status,
        coalesce(return_stats.return_count, 0) as return_count,
        coalesce(return_stats.returned_units, 0) as returned_units,
        coalesce(feedback_stats.feedback_count_365d, 0) > {{ cfm.kpi_param('high_value_min_feedback_per_year') }}
            as is_high_value,
        coalesce(latest_nps.nps_status = 'promoter', false) as is_promoter,
        coalesce(latest_nps.nps_status = 'detractor', false) as is_detractor
    from all_customers
    cross join as_of
    left join crm on crm.customer_id = all_customers.customer_id
    left join feedback_stats on feedback_stats.customer_id = all_customers.customer_id
    left join latest_nps on latest_nps.customer_id = all_customers.customer_id
    left join return_stats on return_stats.customer_id = all_customers.customer_id
),

final as (
    select
        customer_id,
        is_in_crm,
        country,
        signup_date,
        as_of_date,
        cast(feedback_count as integer) as feedback_count,
        cast(feedback_count_365d as integer) as feedback_count_365d,
        cast(complaint_count as integer) as complaint_count,
        first_feedback_at,
        last_feedback_at,
        latest_nps_score,
        latest_nps_at,
        nps_status,
        cast(return_count as integer) as return_count,
        cast(returned_units as integer) as returned_units,
        is_high_value,
        is_promoter,
        is_detractor,
        is_detractor and return_count > 0 as is_churn_risk,
        case
            when is_detractor and return_count > 0 then 'churn_risk'
            when is_high_value then 'high_value'
            else 'regular'
        end as customer_segment
    from flagged
)

select * from final
