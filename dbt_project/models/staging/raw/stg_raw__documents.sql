with

source as (

    select * from {{ source('raw', 'documents') }}

),

renamed as (

    select
        document_sha256,
        source_path,
        doc_type,
        department as department_name,
        department_code,
        cast(year as integer) as fiscal_year,
        year_source,
        page_count,
        ocr as is_read_by_ocr,
        subject,
        overall_goal,
        other_tasks,
        status as document_status,
        superseded_by,
        versions_after,
        version_key,
        first_seen_at,
        parsed_at

    from source

)

select * from renamed
