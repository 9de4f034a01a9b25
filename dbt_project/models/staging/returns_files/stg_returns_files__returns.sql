-- One row per returned line of the returns CSV export: the latest landed version, timestamps in UTC.
with source as (
    select * from {{ source('returns_files', 'returns') }}
),

typed as (
    select
        return_id,
        order_id,
        line_item_id,
        nullif(trim(customer_id), '') as customer_id,
        nullif(trim(product_id), '') as product_id,
        cast(nullif(trim(quantity), '') as integer) as quantity,
        cast(nullif(trim(amount), '') as double precision) as amount,
        upper(trim(currency)) as currency,
        coalesce(upper(nullif(trim(reason_code), '')), 'UNKNOWN') as reason_code,
        nullif(trim(customer_note), '') as customer_note,
        upper(trim(status)) as status,
        {{ to_utc('requested_at') }} as requested_at,
        _file,
        _loaded_at
    from source
),

latest as (
    {{ cfm.deduplicate('typed', 'return_id', '_loaded_at desc') }}
)

select * from latest
