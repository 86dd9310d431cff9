-- Statements of figures a current report prints that the reader could not pair with their subjects
-- (a 分别 list whose subjects and figures differ in number): nothing of them is a fact.

with

statements as (

    select * from {{ ref('stg_raw__unread_statements') }}

),

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

final as (

    select
        documents.source_path,
        documents.department_name,
        documents.fiscal_year,
        statements.page,
        statements.statement_text,
        statements.unread_reason,
        statements.document_sha256

    from statements
    inner join documents
        on statements.document_sha256 = documents.document_sha256
    where documents.document_status = 'current'

)

select * from final
