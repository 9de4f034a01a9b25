-- One row per canonical feedback item across every channel, tagged; near-duplicates (the tagger's
-- canonical_feedback_id) are folded into the item they repeat and counted in duplicate_count.
{{
    config(
        materialized='incremental',
        unique_key='feedback_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook=[
            "delete from {{ this }} where feedback_id in (
                select feedback_id from {{ source('enrich', 'feedback_tags') }}
                where feedback_id <> canonical_feedback_id)"
        ],
    )
}}

with feedback as (
    select * from {{ ref('int_feedback__unioned') }}
),

tags as (
    select * from {{ source('enrich', 'feedback_tags') }}
),

-- Duplicates point at their canonical item; an item the tagger has not seen yet counts as canonical.
duplicates as (
    select
        canonical_feedback_id as feedback_id,
        count(*) as duplicate_count,
        max(tagged_at) as last_duplicate_tagged_at,
        max(feedback._loaded_at) as last_duplicate_loaded_at
    from tags
    inner join feedback on feedback.feedback_id = tags.feedback_id
    where tags.feedback_id <> tags.canonical_feedback_id
    group by canonical_feedback_id
),

canonical as (
    select
        feedback.*,
        tags.feedback_text_masked,
        tags.language,
        tags.sentiment_score,
        tags.sentiment_label,
        tags.topic_l1,
        tags.topic_l2,
        tags.feedback_type,
        tags.urgency,
        tags.keywords,
        tags.taxonomy_version,
        tags.tagged_at,
        coalesce(duplicates.duplicate_count, 0) as duplicate_count,
        duplicates.last_duplicate_tagged_at,
        duplicates.last_duplicate_loaded_at
    from feedback
    left join tags on tags.feedback_id = feedback.feedback_id
    left join duplicates on duplicates.feedback_id = feedback.feedback_id
    where coalesce(tags.canonical_feedback_id, feedback.feedback_id) = feedback.feedback_id
),

{%- if is_incremental() %}

-- Self-healing on top of the look-back: an item missing from the table (canonical again after a relink) or
-- whose duplicate count moved is rebuilt whenever it happened.
existing as (
    select feedback_id, duplicate_count from {{ this }}
),
{%- endif %}

in_scope as (
    select canonical.*
    from canonical
    {%- if is_incremental() %}
    left join existing on existing.feedback_id = canonical.feedback_id
    {%- endif %}
    where {{ cfm.in_partition_window('canonical.created_at') }}
      and (
        {{ cfm.changed_since_last_run(
            ['canonical._loaded_at', 'canonical.tagged_at', 'canonical.last_duplicate_tagged_at',
             'canonical.last_duplicate_loaded_at']) }}
        {%- if is_incremental() %}
        or existing.feedback_id is null
        or existing.duplicate_count <> canonical.duplicate_count
        {%- endif %}
      )
),

final as (
    select
        feedback_id,
        source,
        channel,
        channel_family,
        native_id,
        customer_id,
        product_id,
        created_at,
        cast(created_at as date) as created_date,
        language,
        -- Only the tagger's masked text is published. An item the tagger has not seen yet (it runs before
        -- this model, so only when run out of order) has null text and tags rather than guessed ones.
        feedback_text_masked as feedback_text,
        sentiment_score,
        sentiment_label,
        topic_l1,
        topic_l2,
        feedback_type,
        urgency,
        keywords,
        nps_score,
        csat_score,
        ces_score,
        cast(duplicate_count as integer) as duplicate_count,
        taxonomy_version,
        _loaded_at as loaded_at
    from in_scope
)

select * from final
