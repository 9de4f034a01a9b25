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
        timezone('UTC', to_timestamp(cast(created_utc as double))) as created_at,
        subreddit,
        permalink,
        _loaded_at
    from source
),

latest as (
    select *
    from typed
    qualify row_number() over (partition by post_id order by _loaded_at desc) = 1
)

select * from latest
