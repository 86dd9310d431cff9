with

targets as (

    select * from {{ ref('stg_raw__target_parts') }}

),

documents as (

    select * from {{ ref('int_documents_with_department') }}

),

wordings as (

    select * from {{ ref('int_indicator_wordings') }}

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        targets.document_sha256 || ':' || targets.line_number as target_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        wordings.indicator_key,
        wordings.indicator_code,
        targets.indicator_wording,
        targets.target_source,
        targets.source_line,
        targets.target_period,
        targets.part_number,
        targets.target_kind,
        targets.comparator,
        targets.target_value,
        targets.target_value_high,
        targets.target_unit,
        targets.target_base_value,
        targets.target_base_unit,
        targets.part_text,
        targets.target_text,
        targets.document_sha256,
        documents.source_path,
        targets.page,
        targets.table_row

    from targets
    inner join documents
        on targets.document_sha256 = documents.document_sha256
    inner join wordings
        on targets.indicator_wording = wordings.wording

)

select * from final
