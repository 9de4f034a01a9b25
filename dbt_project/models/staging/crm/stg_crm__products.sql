-- One row per catalogue product: the latest landed version, typed.
with source as (
    select * from {{ source('crm', 'products') }}
),

typed as (
    select
        trim(product_id) as product_id,
        nullif(trim(name), '') as product_name,
        nullif(trim(category), '') as category,
        cast(nullif(trim(price), '') as double precision) as price,
        _loaded_at
    from source
),

ranked as (
    select
        *,
        row_number() over (partition by product_id order by _loaded_at desc) as version_rank
    from typed
),

latest as (
    select product_id, product_name, category, price, _loaded_at
    from ranked
    where version_rank = 1
)

select * from latest
