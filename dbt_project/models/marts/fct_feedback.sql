-- One row per feedback item, canonical columns for analysts.
with feedback as (
    select * from {{ ref('int_feedback__unioned') }}
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
        feedback_text,
        nps_score,
        csat_score,
        ces_score,
        _loaded_at as loaded_at
    from feedback
)

select * from final
