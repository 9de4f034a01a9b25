-- One row per score question put to a customer: survey responses (NPS 0-10, CSAT 1-5, CES 1-7, blanks kept
-- with a null score), ticket satisfaction answers (CSAT 1-5 from the ticket export) and Zendesk's good/bad
-- satisfaction ratings (CSAT on the good/bad scale). Blank and out-of-scale answers carry score = null.
{%- set enabled = cfm.enabled_sources() %}

with feedback as (
    select * from {{ ref('int_feedback__unioned') }}
),

survey_questions as (
    select 'nps' as metric, '0-10' as scale
    union all select 'csat', '1-5'
    union all select 'ces', '1-7'
),

survey_answers as (
    select
        feedback.feedback_id || ':' || questions.metric as answer_id,
        feedback.feedback_id,
        feedback.native_id as response_id,
        feedback.source,
        feedback.channel,
        feedback.channel_family,
        feedback.customer_id,
        feedback.product_id,
        feedback.created_at as responded_at,
        questions.metric,
        questions.scale,
        case questions.metric
            when 'nps' then feedback.nps_score
            when 'csat' then feedback.csat_score
            when 'ces' then feedback.ces_score
        end as score,
        feedback.feedback_text is not null as has_comment,
        feedback._loaded_at
    from feedback
    cross join survey_questions as questions
    where feedback.channel_family = 'survey'
),

-- The ticket export carries the requester's 1-5 answer but no rating time: the ticket's creation time dates it,
-- like the ticket itself. Unrated tickets were not necessarily asked, so they are not blanks.
ticket_answers as (
    select
        feedback_id || ':csat' as answer_id,
        feedback_id,
        native_id as response_id,
        source,
        channel,
        channel_family,
        customer_id,
        product_id,
        created_at as responded_at,
        'csat' as metric,
        '1-5' as scale,
        csat_score as score,
        false as has_comment,
        _loaded_at
    from feedback
    where channel_family = 'ticket' and csat_score is not null
),

{%- if 'zendesk' in enabled %}

-- Zendesk: one good/bad rating per ticket. The satisfaction_ratings endpoint gives the rating with its own
-- time (latest version wins); a ticket whose rating has not come through that endpoint yet uses the rating
-- embedded in the ticket, dated by the ticket's last update. good -> 1, bad -> 0; offered-but-unanswered
-- ratings are not answers (REFERENCE §1: CSAT = good / (good + bad)).
zendesk_ratings as (
    select
        ticket_id,
        satisfaction_rating_id,
        lower(trim(score)) as score,
        comment,
        created_at,
        _loaded_at,
        row_number() over (
            partition by ticket_id order by created_at desc, _loaded_at desc
        ) as rating_rank
    from {{ ref('stg_zendesk__satisfaction_ratings') }}
    where lower(trim(score)) in ('good', 'bad')
),

zendesk_answers as (
    select
        feedback.feedback_id || ':csat' as answer_id,
        feedback.feedback_id,
        coalesce(cast(ratings.satisfaction_rating_id as {{ dbt.type_string() }}), feedback.native_id)
            as response_id,
        'zendesk' as source,
        'zendesk' as channel,
        'ticket' as channel_family,
        feedback.customer_id,
        feedback.product_id,
        coalesce(ratings.created_at, tickets.updated_at, feedback.created_at) as responded_at,
        'csat' as metric,
        'good/bad' as scale,
        case coalesce(ratings.score, lower(trim(tickets.satisfaction_rating)))
            when 'good' then 1
            when 'bad' then 0
        end as score,
        coalesce(nullif(trim(ratings.comment), ''), nullif(trim(tickets.satisfaction_comment), '')) is not null
            as has_comment,
        case when ratings._loaded_at > feedback._loaded_at then ratings._loaded_at else feedback._loaded_at end
            as _loaded_at
    from {{ ref('stg_zendesk__tickets') }} as tickets
    inner join feedback
        on feedback.feedback_id = 'zendesk:' || cast(tickets.ticket_id as {{ dbt.type_string() }})
    left join zendesk_ratings as ratings
        on ratings.ticket_id = tickets.ticket_id and ratings.rating_rank = 1
    where coalesce(ratings.score, lower(trim(tickets.satisfaction_rating))) in ('good', 'bad')
),
{%- endif %}

unioned as (
    select * from survey_answers
    union all
    select * from ticket_answers
    {%- if 'zendesk' in enabled %}
    union all
    select * from zendesk_answers
    {%- endif %}
),

final as (
    select
        answer_id,
        feedback_id,
        response_id,
        source,
        channel,
        channel_family,
        customer_id,
        product_id,
        responded_at,
        metric,
        scale,
        cast(score as integer) as score,
        has_comment,
        _loaded_at
    from unioned
)

select * from final
