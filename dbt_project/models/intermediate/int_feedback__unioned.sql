-- One row per feedback item from every channel, in one shape: who, what, when, where, and any score given.
with ticket_files as (
    select
        'ticket_files:' || cast(ticket_id as varchar) as feedback_id,
        'ticket_files' as source,
        'ticket_export' as channel,
        'ticket' as channel_family,
        cast(ticket_id as varchar) as native_id,
        customer_id,
        product_id,
        created_at,
        concat_ws('. ', nullif(trim(subject), ''), nullif(trim(description), '')) as feedback_text,
        cast(null as integer) as nps_score,
        satisfaction_score as csat_score,
        cast(null as integer) as ces_score,
        _loaded_at
    from {{ ref('stg_ticket_files__tickets') }}
),

unioned as (
    select * from ticket_files
)

select * from unioned
