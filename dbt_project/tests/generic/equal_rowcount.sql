{#- The model has as many rows as `compare_model` (optionally each filtered by a where clause). -#}
{% test equal_rowcount(model, compare_model, compare_where='1 = 1') %}
with counts as (
    select
        (select count(*) from {{ model }}) as model_rows,
        (select count(*) from {{ compare_model }} where {{ compare_where }}) as compare_rows
)
select * from counts where model_rows <> compare_rows
{% endtest %}
