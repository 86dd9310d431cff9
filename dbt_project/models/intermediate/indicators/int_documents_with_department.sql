-- The version of each document that serves the marts, with its bureau (null department_code:
-- unknown, see audit). That is the newest version reconciliation did not reject: a
-- corrected re-publication replaces its predecessor only once its own numbers add up.

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

serving as (

    select *
    from accepted
    qualify row_number() over (
        partition by version_key
        order by document_status = 'current' desc, first_seen_at desc, document_sha256
    ) = 1

),

final as (

    select
        serving.*,
        departments.department_name_zh,
        departments.division_name_zh,

    from serving
    left join departments
        on serving.department_code = departments.department_code

)

select * from final
