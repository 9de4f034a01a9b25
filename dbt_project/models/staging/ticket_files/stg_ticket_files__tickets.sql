-- One row per ticket: the latest exported version, typed, timestamps in UTC.
with source as (
    select * from {{ source('ticket_files', 'tickets') }}
),

typed as (
    select
        cast(ticket_id as bigint) as ticket_id,
        cast(requester_id as varchar) as customer_id,
        nullif(trim(product_id), '') as product_id,
        lower(trim(channel)) as contact_method,
        lower(trim(status)) as status,
        lower(trim(priority)) as priority,
        subject,
        description,
        {{ to_utc('created_at') }} as created_at,
        {{ to_utc('updated_at') }} as updated_at,
        {{ to_utc('first_response_at') }} as first_response_at,
        {{ to_utc('solved_at') }} as solved_at,
        coalesce(cast(nullif(trim(reopens), '') as integer), 0) as reopen_count,
        cast(nullif(trim(satisfaction_score), '') as integer) as satisfaction_score,
        tags,
        _file,
        _loaded_at
    from source
),

latest as (
    {{ cfm.deduplicate('typed', 'ticket_id', 'updated_at desc nulls last, _loaded_at desc') }}
)

select * from latest
