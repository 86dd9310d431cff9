-- Documents whose printed 部门名称 matches no row of the departments seed: add a row or an alias.

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

final as (

    select
        source_path,
        department_name,
        doc_type,
        fiscal_year,
        document_sha256

    from documents
    where department_code is null
        and document_status = 'current'

)

select * from final
