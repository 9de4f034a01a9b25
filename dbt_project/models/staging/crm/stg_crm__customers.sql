-- One row per CRM customer: the latest landed version, typed; contact fields kept for identity matching only.
with source as (
    select * from {{ source('crm', 'customers') }}
),

typed as (
    select
        trim(customer_id) as customer_id,
        nullif(trim(name), '') as customer_name,
        lower(nullif(trim(email), '')) as email,
        nullif(trim(phone), '') as phone,
        lower(nullif(trim(handle), '')) as handle,
        upper(nullif(trim(country), '')) as country,
        cast(left(nullif(trim(signup_date), ''), 10) as date) as signup_date,
        _loaded_at
    from source
),

ranked as (
    select
        *,
        row_number() over (partition by customer_id order by _loaded_at desc) as version_rank
    from typed
),

latest as (
    select customer_id, customer_name, email, phone, handle, country, signup_date, _loaded_at
    from ranked
    where version_rank = 1
)

select * from latest
