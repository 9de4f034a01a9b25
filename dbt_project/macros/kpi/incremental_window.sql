{#- Rows a run of an incremental fact (re)builds.
    Every run: only rows created inside the half-open window [var min_date, var max_date) of a partitioned run
    (the wide defaults mean everything).
    Incremental runs also keep only rows landed or tagged since the fact's newest `loaded_at` minus
    var lookback_days: late-arriving records (an old created_at, landed now) and re-tagged items are picked up
    whatever day they belong to, and the look-back absorbs loads that overlapped the previous run. -#}
{% macro in_partition_window(created_column) -%}
    {{ created_column }} >= cast('{{ var("min_date") }}' as timestamp)
    and {{ created_column }} < cast('{{ var("max_date") }}' as timestamp)
{%- endmacro %}

{% macro changed_since_last_run(changed_columns) -%}
    {#- A backfill (var window_rebuild, set by orchestration/partitions.py) rebuilds its whole window. -#}
    {%- if is_incremental() and not var('window_rebuild', false) -%}
    (
        {%- for col in changed_columns %}
        {{ col }} > (
            select {{ dbt.dateadd('day', -1 * var('lookback_days') | int, 'max(loaded_at)') }} from {{ this }}
        )
        {%- if not loop.last %} or {% endif %}
        {%- endfor %}
        or (select max(loaded_at) from {{ this }}) is null
    )
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}
