-- One row per Zendesk ticket: the latest landed version, typed, timestamps in UTC.
with source as (
    select * from {{ source('zendesk', 'tickets') }}
),

typed as (
    select
        cast(id as bigint) as ticket_id,
        nullif(trim(external_id), '') as customer_id,
        cast(requester_id as bigint) as requester_id,
        nullif(trim(product_id), '') as product_id,
        -- Zendesk calls a phone ticket's channel "voice".
        case lower(trim(channel)) when 'voice' then 'phone' else lower(trim(channel)) end as contact_method,
        lower(trim(status)) as status,
        lower(trim(priority)) as priority,
        subject,
        description,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        -- offered / unoffered mean "no answer": only good and bad are ratings.
        case when lower(satisfaction_score) in ('good', 'bad') then lower(satisfaction_score) end
            as satisfaction_rating,
        nullif(trim(satisfaction_comment), '') as satisfaction_comment,
        tags,
        _loaded_at
    from source
),

latest as (
    {{ cfm.deduplicate('typed', 'ticket_id', 'updated_at desc nulls last, _loaded_at desc') }}
)

select * from latest
