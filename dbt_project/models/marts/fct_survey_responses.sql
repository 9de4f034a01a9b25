-- One row per answered score question: an NPS, CSAT or CES answer from a survey, a ticket's 1-5 satisfaction
-- answer or a Zendesk good/bad rating. Blank answers are not rows (they are excluded from every denominator).
-- The comment_* columns are the tags of the survey comment given with the answer (surveys only).
{{
    config(
        materialized='incremental',
        unique_key='answer_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

with answers as (
    select * from {{ ref('int_survey_answers__unpivoted') }}
    where score is not null
),

tags as (
    select * from {{ source('enrich', 'feedback_tags') }}
),

tagged as (
    select
        answers.*,
        tags.canonical_feedback_id,
        tags.sentiment_label,
        tags.topic_l1,
        tags.topic_l2,
        tags.tagged_at
    from answers
    left join tags on tags.feedback_id = answers.feedback_id
),

in_scope as (
    select *
    from tagged
    where {{ cfm.in_partition_window('responded_at') }}
      and {{ cfm.changed_since_last_run(['_loaded_at', 'tagged_at']) }}
),

final as (
    select
        answer_id,
        feedback_id,
        coalesce(canonical_feedback_id, feedback_id) as canonical_feedback_id,
        response_id,
        source,
        channel,
        channel_family,
        customer_id,
        product_id,
        responded_at,
        cast(responded_at as date) as response_date,
        metric,
        scale,
        score,
        -- NPS categories (REFERENCE §1): promoters 9-10, passives 7-8, detractors 0-6.
        case
            when metric <> 'nps' then null
            when score >= 9 then 'promoter'
            when score >= 7 then 'passive'
            else 'detractor'
        end as nps_category,
        -- CSAT top-2-box on 1-5 (4 or 5), or 'good' on Zendesk's good/bad scale.
        case
            when metric <> 'csat' then null
            when scale = 'good/bad' then score = 1
            else score >= 4
        end as is_satisfied,
        has_comment,
        case when has_comment and channel_family = 'survey' then sentiment_label end as comment_sentiment_label,
        case when has_comment and channel_family = 'survey' then topic_l1 end as comment_topic_l1,
        case when has_comment and channel_family = 'survey' then topic_l2 end as comment_topic_l2,
        _loaded_at as loaded_at
    from in_scope
)

select * from final
