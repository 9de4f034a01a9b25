{#- Two-sided 95% Student-t critical value for `df_expr` degrees of freedom.
    `table_value` is the value looked up in the t_distribution seed (exact for df 1-100, null beyond);
    above 100 the Cornish-Fisher expansion around z = 1.959964 is exact to 1e-10. -#}
{% macro t_975(df_expr, table_value) -%}
    {%- set z = 1.959963984540054 -%}
    {%- set df_expr = '(' ~ df_expr ~ ')' -%}
    coalesce(
        {{ table_value }},
        case when {{ df_expr }} > 0 then
            {{ z }}
            + ({{ z ** 3 + z }}) / (4.0 * {{ df_expr }})
            + ({{ 5 * z ** 5 + 16 * z ** 3 + 3 * z }}) / (96.0 * {{ df_expr }} * {{ df_expr }})
            + ({{ 3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z }})
                / (384.0 * {{ df_expr }} * {{ df_expr }} * {{ df_expr }})
            + ({{ 79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z }})
                / (92160.0 * {{ df_expr }} * {{ df_expr }} * {{ df_expr }} * {{ df_expr }})
        end
    )
{%- endmacro %}
