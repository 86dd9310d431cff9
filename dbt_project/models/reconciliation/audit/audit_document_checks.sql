-- Reconciliation rows within one document (checks 1-6 and 10): every landed version, current or
-- superseded, so that reconciliation knows which versions may serve. One row per check and subject;
-- the Great Expectations suite `document_checks` (expectations/) decides pass or fail.
-- The checks live in one model per document type, and one for those every document gets.

with

dept_target_form_checks as (

    select * from {{ ref('audit_dept_target_form_checks') }}

),

project_target_table_checks as (

    select * from {{ ref('audit_project_target_table_checks') }}

),

self_evaluation_checks as (

    select * from {{ ref('audit_self_evaluation_checks') }}

),

self_evaluation_table_checks as (

    select * from {{ ref('audit_self_evaluation_table_checks') }}

),

document_coverage_checks as (

    select * from {{ ref('audit_document_coverage_checks') }}

),

unioned as (

    select * from dept_target_form_checks
    union all by name
    select * from project_target_table_checks
    union all by name
    select * from self_evaluation_checks
    union all by name
    select * from self_evaluation_table_checks
    union all by name
    select * from document_coverage_checks

),

-- The columns of macros/reconciliation_row.sql, in its order.
final as (

    select
        check_row_id,
        check_id,
        document_sha256s,
        source_paths,
        department_code,
        fiscal_year,
        subject,
        observed_label,
        observed,
        expected_label,
        expected,
        difference,
        tolerance,
        applicable,
        detail

    from unioned

)

select * from final
{{ changed_documents_only('document_sha256s') }}
