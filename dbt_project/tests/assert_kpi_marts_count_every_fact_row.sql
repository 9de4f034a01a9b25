-- Every fact row is counted once in the KPI marts' 'all' breakdown: no answer, item or ticket is lost
-- between the facts and the marts (and none is counted twice by the period spine).
with expected as (
    select 'nps responses' as kpi, count(*) as fact_rows
    from {{ ref('fct_survey_responses') }} where metric = 'nps'
    union all
    select 'csat responses', count(*) from {{ ref('fct_survey_responses') }} where metric = 'csat'
    union all
    select 'ces responses', count(*) from {{ ref('fct_survey_responses') }} where metric = 'ces'
    union all
    select 'feedback items', count(*) from {{ ref('fct_feedback') }}
    union all
    select 'daily feedback items', count(*) from {{ ref('fct_feedback') }}
    union all
    select 'tickets', count(*) from {{ ref('fct_tickets') }}
),

counted as (
    select 'nps responses' as kpi, sum(responses) as mart_rows
    from {{ ref('mart_nps_monthly') }} where dimension = 'all'
    union all
    select 'csat responses', sum(responses) from {{ ref('mart_csat_weekly') }} where dimension = 'all'
    union all
    select 'ces responses', sum(responses) from {{ ref('mart_ces_daily') }} where dimension = 'all'
    union all
    select 'feedback items', sum(feedback_count) from {{ ref('mart_topics_monthly') }} where dimension = 'all'
    union all
    select 'daily feedback items', sum(feedback_count) from {{ ref('mart_feedback_daily') }}
    union all
    select 'tickets', sum(tickets_created) from {{ ref('mart_tickets_weekly') }} where dimension = 'all'
)

select expected.kpi, expected.fact_rows, counted.mart_rows
from expected
left join counted on counted.kpi = expected.kpi
where coalesce(counted.mart_rows, 0) <> expected.fact_rows
