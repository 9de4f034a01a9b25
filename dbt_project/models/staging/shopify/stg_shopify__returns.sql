-- One row per Shopify return line item, from the latest landed version of each return; ids without the
-- gid://shopify/<Type>/ prefix, timestamps in UTC.
with source as (
    select * from {{ source('shopify', 'returns') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by id order by {{ to_utc('order_updated_at') }} desc nulls last, _loaded_at desc
    ) = 1
),

line_items as (
    select
        latest.*,
        unnest(from_json(
            line_items,
            '[{"id": "VARCHAR", "quantity": "BIGINT", "return_reason": "VARCHAR", "return_reason_note": "VARCHAR",
              "customer_note": "VARCHAR", "product_id": "VARCHAR"}]'
        )) as item
    from latest
),

final as (
    select
        regexp_replace(id, '^gid://shopify/Return/', '') as return_id,
        regexp_replace(item.id, '^gid://shopify/ReturnLineItem/', '') as return_line_item_id,
        name as return_name,
        regexp_replace(order_id, '^gid://shopify/Order/', '') as order_id,
        regexp_replace(customer_id, '^gid://shopify/Customer/', '') as customer_id,
        nullif(lower(trim(customer_email)), '') as customer_email,
        regexp_replace(item.product_id, '^gid://shopify/Product/', '') as product_id,
        upper(trim(status)) as status,
        cast(item.quantity as integer) as quantity,
        upper(trim(item.return_reason)) as reason_code,
        nullif(trim(item.return_reason_note), '') as reason_note,
        nullif(trim(item.customer_note), '') as customer_note,
        {{ to_utc('created_at') }} as requested_at,
        {{ to_utc('closed_at') }} as closed_at,
        _loaded_at
    from line_items
)

select * from final
