with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

budget_lines as (

    select * from {{ ref('stg_raw__budget_lines') }}

),

final as (

    select
        documents.department_code,
        documents.department_name,
        documents.fiscal_year,
        documents.doc_type,
        budget_lines.line_number,
        budget_lines.budget_section,
        budget_lines.budget_line_label,
        budget_lines.amount_wan_yuan,
        budget_lines.amount_text,
        budget_lines.document_sha256,
        documents.source_path,
        budget_lines.page,
        budget_lines.table_row,

    from budget_lines
    inner join documents
        on budget_lines.document_sha256 = documents.document_sha256

)

select * from final
