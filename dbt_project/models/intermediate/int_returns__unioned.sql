-- One row per returned line item from every returns system (Shopify, returns export files).
{%- set enabled = cfm.enabled_sources() %}
{%- set systems = [('shopify', 'shopify', 'stg_shopify__returns'),
                   ('returns_files', 'returns_export', 'stg_returns_files__returns')] %}
{%- set ctes = [] %}

with
{%- for source_name, channel, model in systems if source_name in enabled %}
{%- do ctes.append(source_name) %}
{%- set relation = ref(model) %}
{%- set line_item_column = 'return_line_item_id' if source_name == 'shopify' else 'line_item_id' %}
{{ source_name }} as (
    select
        '{{ source_name }}:' || cast(return_id as {{ dbt.type_string() }}) || ':'
            || coalesce(cast({{ line_item_column }} as {{ dbt.type_string() }}), '') as return_line_id,
        '{{ source_name }}:' || cast(return_id as {{ dbt.type_string() }}) as feedback_id,
        '{{ source_name }}' as source,
        '{{ channel }}' as channel,
        cast(return_id as {{ dbt.type_string() }}) as return_id,
        cast(order_id as {{ dbt.type_string() }}) as order_id,
        cast({{ line_item_column }} as {{ dbt.type_string() }}) as line_item_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        nullif(trim(product_id), '') as product_id,
        cast(quantity as integer) as quantity,
        cast({{ cfm.optional_column(relation, 'amount', 'double precision') }} as double precision) as amount,
        upper(nullif(trim({{ cfm.optional_column(relation, 'currency', dbt.type_string()) }}), '')) as currency,
        upper(coalesce(nullif(trim(reason_code), ''), 'UNKNOWN')) as reason_code,
        nullif(trim(customer_note), '') as customer_note,
        upper(trim(status)) as status,
        requested_at,
        _loaded_at
    from {{ relation }}
),
{%- endfor %}

{%- if ctes %}
unioned as (
    {%- for cte in ctes %}
    select * from {{ cte }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)
{%- else %}
-- No returns system is enabled yet: an empty relation with the same columns.
unioned as (
    select
        cast(null as {{ dbt.type_string() }}) as return_line_id,
        cast(null as {{ dbt.type_string() }}) as feedback_id,
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as return_id,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as line_item_id,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as integer) as quantity,
        cast(null as double precision) as amount,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as reason_code,
        cast(null as {{ dbt.type_string() }}) as customer_note,
        cast(null as {{ dbt.type_string() }}) as status,
        cast(null as timestamp) as requested_at,
        cast(null as timestamp with time zone) as _loaded_at
    where 1 = 0
)
{%- endif %}

select * from unioned
