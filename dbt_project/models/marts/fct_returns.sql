-- One row per returned line item (Shopify and returns exports): quantity, amount, reason, status and the
-- feedback item the return's customer note became (linked through the tagger's canonical id).
{{
    config(
        materialized='incremental',
        unique_key='return_line_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}

with return_lines as (
    select * from {{ ref('int_returns__unioned') }}
),

reasons as (
    select * from {{ ref('return_reasons') }}
),

tags as (
    select * from {{ source('enrich', 'feedback_tags') }}
),

joined as (
    select
        return_lines.*,
        coalesce(reasons.reason_label, return_lines.reason_code) as reason_label,
        coalesce(reasons.reason_group, 'other') as reason_group,
        tags.canonical_feedback_id,
        tags.sentiment_label,
        tags.topic_l1,
        tags.topic_l2,
        tags.tagged_at
    from return_lines
    left join reasons on reasons.reason_code = return_lines.reason_code
    left join tags on tags.feedback_id = return_lines.feedback_id
),

in_scope as (
    select *
    from joined
    where {{ cfm.in_partition_window('requested_at') }}
      and {{ cfm.changed_since_last_run(['_loaded_at', 'tagged_at']) }}
),

final as (
    select
        return_line_id,
        return_id,
        line_item_id,
        order_id,
        source,
        channel,
        customer_id,
        product_id,
        quantity,
        amount,
        currency,
        reason_code,
        reason_label,
        reason_group,
        customer_note is not null as has_customer_note,
        status,
        -- A declined return sent no goods back: it is kept here but not counted in returned units.
        coalesce(status, '') <> 'DECLINED' as is_counted_as_returned,
        requested_at,
        cast(requested_at as date) as requested_date,
        coalesce(canonical_feedback_id, feedback_id) as feedback_id,
        sentiment_label as note_sentiment_label,
        topic_l1 as note_topic_l1,
        topic_l2 as note_topic_l2,
        _loaded_at as loaded_at
    from in_scope
)

select * from final
