-- Figures a self-evaluation states as achieved. 超过/突破/超/多 make the value a lower bound.

with

facts as (

    select * from {{ ref('stg_raw__facts') }}

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
        facts.page

    from facts
    inner join documents
        on facts.document_sha256 = documents.document_sha256
    inner join wordings
        on facts.fact_label = wordings.wording
    where documents.doc_type = 'self_evaluation'

)

select * from final
