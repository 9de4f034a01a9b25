-- One row per Qualtrics response: the latest landed version, answers by question id, timestamps in UTC.
with source as (
    select * from {{ source('qualtrics', 'responses') }}
),

typed as (
    select
        response_id,
        nullif(trim(customer_id), '') as customer_id,
        nullif(lower(trim(email)), '') as customer_email,
        nullif(trim(product_id), '') as product_id,
        {{ to_utc('recorded_at') }} as submitted_at,
        cast(nps as integer) as nps_score,
        cast(csat as integer) as csat_score,
        cast(ces as integer) as ces_score,
        nullif(trim(comment), '') as comment,
        nullif(lower(trim(language)), '') as language,
        _loaded_at
    from source
),

latest as (
    {{ cfm.deduplicate('typed', 'response_id', '_loaded_at desc') }}
)

select * from latest
