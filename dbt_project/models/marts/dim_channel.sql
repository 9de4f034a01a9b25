-- One row per feedback channel (seed channels): family, landing source and whether the feedback was asked for.
with channels as (
    select * from {{ ref('channels') }}
),

final as (
    select
        channel,
        channel_family,
        source,
        channel_label,
        is_solicited
    from channels
)

select * from final
