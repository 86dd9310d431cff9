with

tasks as (

    select * from {{ ref('stg_raw__key_tasks') }}

),

documents as (

    select * from {{ ref('int_documents_with_department') }}

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        tasks.document_sha256 || ':' || tasks.line_number as key_task_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        tasks.task_name,
        tasks.task_content,
        tasks.funds_wan_yuan,
        tasks.expected_goal,
        tasks.document_sha256,
        documents.source_path,
        tasks.pages,
        tasks.table_row

    from tasks
    inner join documents
        on tasks.document_sha256 = documents.document_sha256

)

select * from final
