-- Every wording a document uses for a measure, with the indicator it maps to (null: unmapped).

with

targets as (

    select * from {{ ref('stg_raw__target_parts') }}

),

facts as (

    select * from {{ ref('stg_raw__facts') }}

),

wordings as (

    select * from {{ ref('indicator_wordings') }}

),

used as (

    select
        indicator_wording as wording,
        'target' as used_as
    from targets
    union all
    select
        fact_label as wording,
        'actual' as used_as
    from facts

),

counted as (

    select
        wording,
        count(*) filter (where used_as = 'target') as n_targets,
        count(*) filter (where used_as = 'actual') as n_actuals

    from used
    group by wording

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        counted.wording,
        wordings.indicator_code,
        coalesce(wordings.indicator_code, 'raw:' || md5(counted.wording)) as indicator_key,
        counted.n_targets,
        counted.n_actuals

    from counted
    left join wordings
        on regexp_replace(counted.wording, '\s', '', 'g') = regexp_replace(wordings.wording, '\s', '', 'g')

)

select * from final
