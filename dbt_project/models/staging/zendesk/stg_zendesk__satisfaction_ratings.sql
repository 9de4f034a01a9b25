-- One row per Zendesk satisfaction rating: the latest landed version, typed, timestamps in UTC.
with source as (
    select * from {{ source('zendesk', 'satisfaction_ratings') }}
),

typed as (
    select
        cast(id as bigint) as satisfaction_rating_id,
        cast(ticket_id as bigint) as ticket_id,
        cast(requester_id as bigint) as requester_id,
        lower(trim(score)) as score,
        lower(trim(score)) = 'good' as is_good,
        nullif(trim(comment), '') as comment,
        reason_code,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        _loaded_at
    from source
),

latest as (
    {{ cfm.deduplicate('typed', 'satisfaction_rating_id', 'updated_at desc nulls last, _loaded_at desc') }}
)

select * from latest
