with

scores as (

    select * from {{ ref('stg_raw__scores') }}

),

documents as (

    select * from {{ ref('int_documents_with_department') }}

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        scores.document_sha256 || ':' || scores.line_number as score_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        scores.score_level1,
        scores.score_level2,
        scores.score,
        scores.subtotal,
        scores.score_level1 = '总分' as is_total,
        scores.document_sha256,
        documents.source_path,
        scores.page,
        scores.table_row

    from scores
    inner join documents
        on scores.document_sha256 = documents.document_sha256

)

select * from final
