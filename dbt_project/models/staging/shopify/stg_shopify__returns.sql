-- One row per Shopify return line item, from the latest landed version of each return; ids without the
-- gid://shopify/<Type>/ prefix, timestamps in UTC.
-- A table, not a view like the other staging models: picking each return's latest version and unnesting its
-- line items takes seconds at a million returns, and its tests and int_returns__unioned would each pay it again.
{{ config(materialized='table') }}

with source as (
    select * from {{ source('shopify', 'returns') }}
),

latest as (
    {{ cfm.deduplicate('source', 'id', cfm.to_utc('order_updated_at') ~ ' desc nulls last, _loaded_at desc') }}
),

line_items as (
    select
        latest.*,
        {{ cfm.json_text('item', 'id') }} as item_id,
        {{ cfm.json_text('item', 'quantity') }} as item_quantity,
        {{ cfm.json_text('item', 'return_reason') }} as item_return_reason,
        {{ cfm.json_text('item', 'return_reason_note') }} as item_return_reason_note,
        {{ cfm.json_text('item', 'customer_note') }} as item_customer_note,
        {{ cfm.json_text('item', 'product_id') }} as item_product_id
    from latest
    cross join {{ cfm.json_array_rows('latest.line_items', 'item') }}
),

final as (
    select
        regexp_replace(id, '^gid://shopify/Return/', '') as return_id,
        regexp_replace(item_id, '^gid://shopify/ReturnLineItem/', '') as return_line_item_id,
        name as return_name,
        regexp_replace(order_id, '^gid://shopify/Order/', '') as order_id,
        regexp_replace(customer_id, '^gid://shopify/Customer/', '') as customer_id,
        nullif(lower(trim(customer_email)), '') as customer_email,
        regexp_replace(item_product_id, '^gid://shopify/Product/', '') as product_id,
        upper(trim(status)) as status,
        cast(item_quantity as integer) as quantity,
        upper(trim(item_return_reason)) as reason_code,
        nullif(trim(item_return_reason_note), '') as reason_note,
        nullif(trim(item_customer_note), '') as customer_note,
        {{ to_utc('created_at') }} as requested_at,
        {{ to_utc('closed_at') }} as closed_at,
        _loaded_at
    from line_items
)

select * from final
