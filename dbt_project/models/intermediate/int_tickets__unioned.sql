-- One row per help-desk ticket from every ticket system, with its lifecycle timestamps (UTC).
{%- set enabled = cfm.enabled_sources() %}
{%- set systems = [('zendesk', 'zendesk', 'stg_zendesk__tickets'),
                   ('ticket_files', 'ticket_export', 'stg_ticket_files__tickets')] %}
{%- set ctes = [] %}

with
{%- for source_name, channel, model in systems if source_name in enabled %}
{%- do ctes.append(source_name) %}
{%- set relation = ref(model) %}
{{ source_name }} as (
    select
        '{{ source_name }}:' || cast(ticket_id as {{ dbt.type_string() }}) as ticket_key,
        '{{ source_name }}' as source,
        '{{ channel }}' as channel,
        cast(ticket_id as {{ dbt.type_string() }}) as ticket_id,
        nullif(trim(cast(customer_id as {{ dbt.type_string() }})), '') as customer_id,
        nullif(trim(product_id), '') as product_id,
        lower(trim(contact_method)) as contact_method,
        lower(trim(status)) as status,
        lower(trim(priority)) as priority,
        created_at,
        updated_at,
        {%- if source_name == 'zendesk' %}
        -- Zendesk's ticket export has no lifecycle times of its own (they live in ticket metrics).
        {{ cfm.optional_column(relation, 'first_response_at', 'timestamp') }} as first_response_at,
        {{ cfm.optional_column(relation, 'solved_at', 'timestamp') }} as solved_at,
        coalesce(cast({{ cfm.optional_column(relation, 'reopen_count', 'integer') }} as integer), 0)
            as reopen_count,
        {%- else %}
        first_response_at,
        solved_at,
        coalesce(cast(reopen_count as integer), 0) as reopen_count,
        {%- endif %}
        _loaded_at
    from {{ relation }}
),
{%- endfor %}

unioned as (
    {%- for cte in ctes %}
    select * from {{ cte }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from unioned
