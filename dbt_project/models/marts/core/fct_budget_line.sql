with

lines as (

    select * from {{ ref('stg_raw__budget_lines') }}

),

documents as (

    select * from {{ ref('int_documents_with_department') }}

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        lines.document_sha256 || ':' || lines.line_number as budget_line_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        documents.doc_type,
        lines.budget_section,
        lines.budget_line_label,
        lines.amount_wan_yuan,
        lines.amount_text,
        lines.document_sha256,
        documents.source_path,
        lines.page,
        lines.table_row

    from lines
    inner join documents
        on lines.document_sha256 = documents.document_sha256

)

select * from final
