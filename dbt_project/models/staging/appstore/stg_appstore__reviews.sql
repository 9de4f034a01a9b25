-- One row per App Store customer review: the latest landed version, created time in UTC.
with source as (
    select * from {{ source('appstore', 'reviews') }}
),

typed as (
    select
        id as review_id,
        cast(rating as integer) as rating,
        title,
        nullif(trim(body), '') as body,
        reviewer_nickname,
        {{ to_utc('created_date') }} as created_at,
        upper(trim(territory)) as territory,
        _loaded_at
    from source
),

latest as (
    {{ cfm.deduplicate('typed', 'review_id', '_loaded_at desc') }}
)

select * from latest
