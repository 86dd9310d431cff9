-- Canonical indicators from the catalog seed, plus one row per unmapped wording a serving document
-- uses, so that every target and actual has an indicator to group by (is_mapped = false: see the
-- audit model). A rejected or held-back document's wordings stay out, as its records do.

with

catalog as (

    select * from {{ ref('indicator_catalog') }}

),

wordings as (

    select * from {{ ref('int_indicator_wordings') }}

),

serving as (

    select * from {{ ref('int_documents_with_department') }}

),

targets as (

    select * from {{ ref('stg_raw__target_parts') }}

),

facts as (

    select * from {{ ref('stg_raw__facts') }}

),

evaluated as (

    select * from {{ ref('int_evaluated_indicators_paired') }}

),

served_wordings as (

    select targets.indicator_wording as wording
    from targets
    inner join serving
        on targets.document_sha256 = serving.document_sha256
    union
    select facts.fact_label as wording
    from facts
    inner join serving
        on facts.document_sha256 = serving.document_sha256
    union
    select evaluated.indicator_wording as wording
    from evaluated
    inner join serving
        on evaluated.document_sha256 = serving.document_sha256

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
    where
        indicator_code is null
        and wording in (select served_wordings.wording from served_wordings)

),

final as (

    select * from mapped
    union all
    select * from unmapped

)

select * from final
