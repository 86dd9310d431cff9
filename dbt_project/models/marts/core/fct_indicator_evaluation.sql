-- One row per indicator a serving self-evaluation table scores: the department, year and project,
-- the indicator (through the wordings seed where mapped), the target as printed and parsed, the
-- actual as printed and as a number, 分值, 得分, the office's deviation analysis, and whether the
-- actual meets the target (macros/target_attainment.sql). A project table's row also names its
-- project in the year's 项目支出绩效目标表, where one lists it.

with

evaluated as (

    select * from {{ ref('int_evaluated_indicators_paired') }}

),

documents as (

    select * from {{ ref('int_documents_with_department') }}

),

wordings as (

    select * from {{ ref('int_indicator_wordings') }}

),

projects as (

    select * from {{ ref('int_project_evaluations_matched') }}

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        evaluated.document_sha256 || ':' || evaluated.line_number as evaluation_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        documents.doc_type,
        documents.subject as project_name,
        projects.target_project_id,
        projects.target_project_name,
        evaluated.indicator_level1,
        evaluated.indicator_level2,
        evaluated.indicator_name,
        wordings.indicator_key,
        wordings.indicator_code,
        evaluated.indicator_wording,
        evaluated.target_text,
        evaluated.target_nature,
        evaluated.target_unit_printed,
        evaluated.target_kind,
        evaluated.comparator,
        evaluated.target_value,
        evaluated.target_value_high,
        evaluated.target_unit,
        evaluated.target_base_value,
        evaluated.target_base_unit,
        evaluated.target_part_text,
        evaluated.n_target_parts,
        evaluated.actual_text,
        evaluated.actual_value,
        evaluated.actual_unit,
        evaluated.actual_base_value,
        evaluated.actual_base_unit,
        evaluated.weight,
        evaluated.score,
        evaluated.deviation_analysis,
        {{ target_attainment(
            'evaluated.target_kind', 'evaluated.comparator', 'evaluated.target_base_value',
            'evaluated.target_value_high', 'evaluated.actual_base_value', 'false'
        ) }} as attainment,
        evaluated.document_sha256,
        documents.source_path,
        evaluated.page,
        evaluated.table_row

    from evaluated
    inner join documents
        on evaluated.document_sha256 = documents.document_sha256
    inner join wordings
        on evaluated.indicator_wording = wordings.wording
    left join projects
        on evaluated.document_sha256 = projects.document_sha256

)

select * from final
