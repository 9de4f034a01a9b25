-- One row per product: the CRM catalogue plus any product id a fact mentions that the catalogue lacks
-- (is_in_catalog = false), so every fact's product_id resolves here.
with catalogue as (
    select * from {{ ref('stg_crm__products') }}
),

mentioned as (
    select product_id from {{ ref('fct_feedback') }} where product_id is not null
    union
    select product_id from {{ ref('fct_survey_responses') }} where product_id is not null
    union
    select product_id from {{ ref('fct_tickets') }} where product_id is not null
    union
    select product_id from {{ ref('fct_returns') }} where product_id is not null
    union
    select product_id from {{ ref('stg_sales__product_sales_daily') }} where product_id is not null
),

all_products as (
    select product_id from catalogue
    union
    select product_id from mentioned
),

final as (
    select
        all_products.product_id,
        catalogue.product_name,
        catalogue.category,
        catalogue.price,
        catalogue.product_id is not null as is_in_catalog
    from all_products
    left join catalogue on catalogue.product_id = all_products.product_id
)

select * from final
