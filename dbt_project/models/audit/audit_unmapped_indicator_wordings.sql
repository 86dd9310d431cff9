-- Wordings of targets and actuals that map to no indicator of the catalog: add a row to
-- seeds/indicator_wordings.csv to map one.

with

wordings as (

    select * from {{ ref('int_indicator_wordings') }}

),

final as (

    select
        wording,
        indicator_key,
        n_targets,
        n_actuals

    from wordings
    where indicator_code is null

)

select * from final
