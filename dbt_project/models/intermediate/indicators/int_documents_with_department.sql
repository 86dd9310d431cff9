-- The version of each document that serves the marts, with its bureau (null department_code:
-- unknown, see audit). That is the newest version reconciliation did not reject: a
-- corrected re-publication replaces its predecessor only once its own numbers add up. A withdrawn
-- document serves no version.

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

rejections as (

    select * from {{ ref('stg_reconciliation__document_rejections') }}

),

departments as (

    select * from {{ ref('departments') }}

),

accepted as (

    select documents.*
    from documents
    anti join rejections
        on documents.document_sha256 = rejections.document_sha256

),

-- A withdrawn document (its file removed from the landing folder) is the newest of its versions:
-- it wins its version key and is then left out, so nothing of that document serves.
newest as (

    select *
    from accepted
    qualify
        row_number() over (
            partition by version_key
            order by
                document_status in ('current', 'withdrawn') desc,
                versions_after asc nulls last,
                first_seen_at desc,
                document_sha256 asc
        ) = 1

),

serving as (

    select *
    from newest
    where document_status <> 'withdrawn'

),

final as (

    select
        serving.document_sha256,
        serving.source_path,
        serving.doc_type,
        serving.department_name,
        serving.department_code,
        serving.fiscal_year,
        serving.year_source,
        serving.page_count,
        serving.subject,
        serving.overall_goal,
        serving.other_tasks,
        serving.document_status,
        serving.superseded_by,
        serving.version_key,
        serving.first_seen_at,
        serving.parsed_at,
        departments.department_name_zh,
        departments.division_name_zh

    from serving
    left join departments
        on serving.department_code = departments.department_code

)

select * from final
