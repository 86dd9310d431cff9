-- Canonical indicators from the catalog seed, plus one row per unmapped wording so that every
-- target and actual has an indicator to group by (is_mapped = false: see the audit model).

with

catalog as (

    select * from {{ ref('indicator_catalog') }}

),

wordings as (

    select * from {{ ref('int_indicator_wordings') }}

),

mapped as (

    select
        indicator_code as indicator_key,
        indicator_code,
        indicator_name_zh,
        unit,
        base_unit,
        level1_zh,
        level2_zh,
        true as is_mapped

    from catalog

),

unmapped as (

    select
        indicator_key,
        null as indicator_code,
        wording as indicator_name_zh,
        null as unit,
        null as base_unit,
        null as level1_zh,
        null as level2_zh,
        false as is_mapped

    from wordings
    where indicator_code is null

),

final as (

    select * from mapped
    union all
    select * from unmapped

)

select * from final
