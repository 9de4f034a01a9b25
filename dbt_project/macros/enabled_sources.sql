{#- The landing sources whose staging models exist, i.e. the channels the unified models read.
    A channel's CTE in int_feedback__unioned / int_survey_answers__unpivoted / int_tickets__unioned /
    int_returns__unioned is compiled only when its source is listed here, so a source whose staging model
    is not written yet does not break the build. Add a source here when its staging model lands. -#}
{% macro enabled_sources() -%}
    {{ return([
        'typeform', 'qualtrics', 'survey_files', 'reddit', 'appstore', 'zendesk', 'ticket_files',
        'shopify', 'returns_files',
    ]) }}
{%- endmacro %}
