-- fct_feedback holds canonical items only: nothing the tagger folded into another item (incremental runs
-- included, where the post-hook removes items folded after they were first built).
-- Its second parent is the tagging asset's table, so Dagster is told which asset it checks.
{{ config(meta={'dagster': {'ref': {'name': 'fct_feedback'}}}) }}
select facts.feedback_id, tags.canonical_feedback_id
from {{ ref('fct_feedback') }} as facts
inner join {{ source('enrich', 'feedback_tags') }} as tags on tags.feedback_id = facts.feedback_id
where tags.canonical_feedback_id <> tags.feedback_id
