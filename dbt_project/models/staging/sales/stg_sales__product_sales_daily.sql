-- One row per product and sale day: the latest landed figures, typed.
with source as (
    select * from {{ source('sales', 'product_sales_daily') }}
),

typed as (
    select
        cast(left(trim(sale_date), 10) as date) as sale_date,
        trim(product_id) as product_id,
        cast(nullif(trim(orders), '') as integer) as orders,
        cast(nullif(trim(units), '') as integer) as units,
        _loaded_at
    from source
),

ranked as (
    select
        *,
        row_number() over (partition by sale_date, product_id order by _loaded_at desc) as version_rank
    from typed
),

latest as (
    select sale_date, product_id, coalesce(orders, 0) as orders, coalesce(units, 0) as units, _loaded_at
    from ranked
    where version_rank = 1
)

select * from latest
