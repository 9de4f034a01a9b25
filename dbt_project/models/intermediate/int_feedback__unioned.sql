-- One row per feedback item from every channel, in one shape: who, what, when, where, and any score given.
-- One CTE per channel (compiled when its source is in macro enabled_sources). Customers who gave no id are
-- resolved from the CRM by email (surveys) or by social handle (Reddit, App Store).
{%- set enabled = cfm.enabled_sources() %}
{%- set survey_channels = [
    ('typeform', 'typeform', 'stg_typeform__responses'),
    ('qualtrics', 'qualtrics', 'stg_qualtrics__responses'),
    ('survey_files', 'survey_export', 'stg_survey_files__responses'),
] %}
{%- set ctes = [] %}

with customers_by_email as (
    select email, min(customer_id) as customer_id
    from {{ ref('stg_crm__customers') }}
    where email is not null
    group by email
),

customers_by_handle as (
    select handle, min(customer_id) as customer_id
    from {{ ref('stg_crm__customers') }}
    where handle is not null
    group by handle
),

{%- for source_name, channel, model in survey_channels if source_name in enabled %}
{%- do ctes.append(source_name) %}

{{ source_name }} as (
    select
        '{{ source_name }}:' || cast(responses.response_id as {{ dbt.type_string() }}) as feedback_id,
        '{{ source_name }}' as source,
        '{{ channel }}' as channel,
        cast(responses.response_id as {{ dbt.type_string() }}) as native_id,
        coalesce(nullif(trim(responses.customer_id), ''), by_email.customer_id) as customer_id,
        nullif(trim(responses.product_id), '') as product_id,
        responses.submitted_at as created_at,
        nullif(trim(responses.comment), '') as feedback_text,
        cast(responses.nps_score as integer) as nps_score,
        cast(responses.csat_score as integer) as csat_score,
        cast(responses.ces_score as integer) as ces_score,
        responses._loaded_at
    from {{ ref(model) }} as responses
    left join customers_by_email as by_email
        on lower(trim(responses.customer_email)) = by_email.email
),
{%- endfor %}

{%- if 'reddit' in enabled %}
{%- do ctes.append('reddit') %}

reddit as (
    select
        'reddit:' || cast(posts.post_id as {{ dbt.type_string() }}) as feedback_id,
        'reddit' as source,
        'reddit' as channel,
        cast(posts.post_id as {{ dbt.type_string() }}) as native_id,
        by_handle.customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        posts.created_at,
        concat_ws('. ', nullif(trim(posts.title), ''), nullif(trim(posts.body), '')) as feedback_text,
        cast(null as integer) as nps_score,
        cast(null as integer) as csat_score,
        cast(null as integer) as ces_score,
        posts._loaded_at
    from {{ ref('stg_reddit__posts') }} as posts
    left join customers_by_handle as by_handle
        on lower(trim(posts.author)) = by_handle.handle
),
{%- endif %}

{%- if 'appstore' in enabled %}
{%- do ctes.append('appstore') %}

appstore as (
    select
        'appstore:' || cast(reviews.review_id as {{ dbt.type_string() }}) as feedback_id,
        'appstore' as source,
        'appstore' as channel,
        cast(reviews.review_id as {{ dbt.type_string() }}) as native_id,
        by_handle.customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        reviews.created_at,
        concat_ws('. ', nullif(trim(reviews.title), ''), nullif(trim(reviews.body), '')) as feedback_text,
        cast(null as integer) as nps_score,
        cast(null as integer) as csat_score,
        cast(null as integer) as ces_score,
        reviews._loaded_at
    from {{ ref('stg_appstore__reviews') }} as reviews
    left join customers_by_handle as by_handle
        on lower(trim(reviews.reviewer_nickname)) = by_handle.handle
),
{%- endif %}

{%- if 'zendesk' in enabled %}
{%- do ctes.append('zendesk') %}

-- Zendesk's good/bad rating is not a 1-5 answer: it reaches CSAT through int_survey_answers__unpivoted.
zendesk as (
    select
        'zendesk:' || cast(tickets.ticket_id as {{ dbt.type_string() }}) as feedback_id,
        'zendesk' as source,
        'zendesk' as channel,
        cast(tickets.ticket_id as {{ dbt.type_string() }}) as native_id,
        nullif(trim(cast(tickets.customer_id as {{ dbt.type_string() }})), '') as customer_id,
        nullif(trim(tickets.product_id), '') as product_id,
        tickets.created_at,
        concat_ws('. ', nullif(trim(tickets.subject), ''), nullif(trim(tickets.description), '')) as feedback_text,
        cast(null as integer) as nps_score,
        cast(null as integer) as csat_score,
        cast(null as integer) as ces_score,
        tickets._loaded_at
    from {{ ref('stg_zendesk__tickets') }} as tickets
),
{%- endif %}

{%- if 'ticket_files' in enabled %}
{%- do ctes.append('ticket_files') %}

ticket_files as (
    select
        'ticket_files:' || cast(tickets.ticket_id as {{ dbt.type_string() }}) as feedback_id,
        'ticket_files' as source,
        'ticket_export' as channel,
        cast(tickets.ticket_id as {{ dbt.type_string() }}) as native_id,
        nullif(trim(cast(tickets.customer_id as {{ dbt.type_string() }})), '') as customer_id,
        nullif(trim(tickets.product_id), '') as product_id,
        tickets.created_at,
        concat_ws('. ', nullif(trim(tickets.subject), ''), nullif(trim(tickets.description), '')) as feedback_text,
        cast(null as integer) as nps_score,
        cast(tickets.satisfaction_score as integer) as csat_score,
        cast(null as integer) as ces_score,
        tickets._loaded_at
    from {{ ref('stg_ticket_files__tickets') }} as tickets
),
{%- endif %}

{%- for source_name in ['shopify', 'returns_files'] if source_name in enabled %}
{%- do ctes.append(source_name) %}

-- A return is one feedback item however many lines it has (int_returns__unioned holds the lines): the note of
-- its first line that has one, the product when all lines share it, the earliest request time.
{{ source_name }}_returns as (
    select
        feedback_id,
        count(distinct product_id) as product_count,
        min(requested_at) as first_requested_at,
        max(_loaded_at) as return_loaded_at
    from {{ ref('int_returns__unioned') }}
    where source = '{{ source_name }}'
    group by feedback_id
),

{{ source_name }}_lines as (
    select
        lines.*,
        returns.product_count,
        returns.first_requested_at,
        returns.return_loaded_at,
        row_number() over (
            partition by lines.feedback_id
            order by case when lines.customer_note is null then 1 else 0 end, lines.line_item_id
        ) as line_rank
    from {{ ref('int_returns__unioned') }} as lines
    inner join {{ source_name }}_returns as returns on returns.feedback_id = lines.feedback_id
    where lines.source = '{{ source_name }}'
),

{{ source_name }} as (
    select
        feedback_id,
        source,
        channel,
        return_id as native_id,
        customer_id,
        case when product_count = 1 then product_id end as product_id,
        first_requested_at as created_at,
        customer_note as feedback_text,
        cast(null as integer) as nps_score,
        cast(null as integer) as csat_score,
        cast(null as integer) as ces_score,
        return_loaded_at as _loaded_at
    from {{ source_name }}_lines
    where line_rank = 1
),
{%- endfor %}

unioned as (
    {%- for cte in ctes %}
    select * from {{ cte }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- Scores outside their scale are treated as blank (staging rejects them; this keeps the marts safe anyway).
final as (
    select
        unioned.feedback_id,
        unioned.source,
        unioned.channel,
        channels.channel_family,
        native_id,
        customer_id,
        product_id,
        created_at,
        feedback_text,
        case when nps_score between 0 and 10 then nps_score end as nps_score,
        case when csat_score between 1 and 5 then csat_score end as csat_score,
        case when ces_score between 1 and 7 then ces_score end as ces_score,
        _loaded_at
    from unioned
    -- The channel's family is data (seed channels); a channel missing there fails the relationships test.
    left join {{ ref('channels') }} as channels using (channel)
)

select * from final
