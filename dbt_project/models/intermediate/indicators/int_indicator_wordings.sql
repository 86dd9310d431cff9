-- Every wording a document uses for a measure (a target's, a stated actual's, a self-evaluation
-- table's actual), with the indicator it maps to (null: unmapped).

with

targets as (

    select * from {{ ref('stg_raw__target_parts') }}

),

facts as (

    select * from {{ ref('stg_raw__facts') }}

),

evaluated as (

    select * from {{ ref('int_evaluated_indicators_paired') }}

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
    union all
    -- A self-evaluation table's row measures what its target does: the target's wording (its
    -- indicator's name without one), an actual where the row states a number.
    select
        indicator_wording as wording,
        case when actual_value is not null then 'actual' else 'evaluated' end as used_as
    from evaluated

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
