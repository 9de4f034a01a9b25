-- One row per Reddit post: the latest landed version (scores change), created time in UTC.
with source as (
    select * from {{ source('reddit', 'posts') }}
),

typed as (
    select
        id as post_id,
        name as post_fullname,
        author,
        title,
        nullif(trim(selftext), '') as body,
        cast(score as integer) as score,
        {{ cfm.epoch_to_utc('created_utc') }} as created_at,
        subreddit,
        permalink,
        _loaded_at
    from source
),

latest as (
    {{ cfm.deduplicate('typed', 'post_id', '_loaded_at desc') }}
)

select * from latest
