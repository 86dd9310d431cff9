-- Figures a self-evaluation states as achieved: in a report's prose (超过/突破/超/多 make the
-- value a lower bound), or as a self-evaluation table's numeric 实际完成值.

with

facts as (

    select * from {{ ref('stg_raw__facts') }}

),

documents as (

    select * from {{ ref('int_documents_with_department') }}

),

evaluated as (

    select * from {{ ref('int_evaluated_indicators_paired') }}

),

wordings as (

    select * from {{ ref('int_indicator_wordings') }}

),

report_actuals as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        facts.document_sha256 || ':' || facts.line_number as actual_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        wordings.indicator_key,
        wordings.indicator_code,
        facts.fact_label as indicator_wording,
        facts.fact_value as actual_value,
        facts.fact_value_text as actual_value_text,
        facts.fact_unit as actual_unit,
        facts.fact_base_value as actual_base_value,
        facts.fact_base_unit as actual_base_unit,
        facts.fact_qualifier as actual_qualifier,
        facts.fact_qualifier is not null as is_lower_bound,
        facts.source_text,
        facts.document_sha256,
        documents.source_path,
        facts.page,
        'self_evaluation_report' as actual_source

    from facts
    inner join documents
        on facts.document_sha256 = documents.document_sha256
    inner join wordings
        on facts.fact_label = wordings.wording
    where documents.doc_type = 'self_evaluation'

),

-- A self-evaluation table's 实际完成值 where it is a number; never a bound (the table states it).
table_actuals as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        evaluated.document_sha256 || ':' || evaluated.line_number as actual_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        wordings.indicator_key,
        wordings.indicator_code,
        evaluated.indicator_wording,
        evaluated.actual_value,
        evaluated.actual_text as actual_value_text,
        evaluated.actual_unit,
        evaluated.actual_base_value,
        evaluated.actual_base_unit,
        cast(null as varchar) as actual_qualifier,
        false as is_lower_bound,
        evaluated.actual_text as source_text,
        evaluated.document_sha256,
        documents.source_path,
        evaluated.page,
        'self_evaluation_table' as actual_source

    from evaluated
    inner join documents
        on evaluated.document_sha256 = documents.document_sha256
    inner join wordings
        on evaluated.indicator_wording = wordings.wording
    where evaluated.actual_value is not null

),

final as (

    select * from report_actuals
    union all by name
    select * from table_actuals

)

select * from final
