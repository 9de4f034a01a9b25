-- One row per response of the generic survey CSV export: the latest landed version, timestamps in UTC.
with source as (
    select * from {{ source('survey_files', 'responses') }}
),

typed as (
    select
        response_id,
        nullif(trim(respondent_id), '') as customer_id,
        nullif(lower(trim(respondent_email)), '') as customer_email,
        nullif(trim(product_id), '') as product_id,
        {{ to_utc('submitted_at') }} as submitted_at,
        cast(nullif(trim(nps), '') as integer) as nps_score,
        cast(nullif(trim(csat), '') as integer) as csat_score,
        cast(nullif(trim(ces), '') as integer) as ces_score,
        nullif(trim(comment), '') as comment,
        cast(null as varchar) as language,
        _loaded_at
    from source
),

latest as (
    {{ cfm.deduplicate('typed', 'response_id', '_loaded_at desc') }}
)

select * from latest
