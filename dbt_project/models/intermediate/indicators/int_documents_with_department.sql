-- Current documents with the bureau they belong to (null department_code: unknown, see audit).

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

departments as (

    select * from {{ ref('departments') }}

),

final as (

    select
        documents.*,
        departments.department_name_zh,
        departments.division_name_zh,

    from documents
    left join departments
        on documents.department_code = departments.department_code
    where documents.document_status = 'current'


)

select * from final
