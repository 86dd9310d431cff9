with

projects as (

    select * from {{ ref('stg_raw__projects') }}

),

documents as (

    select * from {{ ref('int_documents_with_department') }}

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        projects.document_sha256 || ':' || projects.line_number as project_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        projects.project_name,
        projects.fund_user,
        projects.total_wan_yuan,
        projects.fiscal_wan_yuan,
        projects.special_account_wan_yuan,
        projects.other_wan_yuan,
        projects.performance_goal,
        projects.document_sha256,
        documents.source_path,
        projects.pages,
        projects.table_row

    from projects
    inner join documents
        on projects.document_sha256 = documents.document_sha256

)

select * from final
