-- Each serving 项目支出绩效自评表 with its project in the serving 项目支出绩效目标表 of the same
-- department and year: the names equal with whitespace ignored, the target table's name taken with
-- or without its trailing fund-using unit (企业创新计划-TCL华星光电T9项目（黄埔区）). Where several
-- rows match, the one whose whole name matches, then the first in the table. A self-evaluation of
-- a project no target table lists keeps null target columns.

with

documents as (

    select
        *,
        coalesce(department_code, 'unknown:' || department_name) as department_key
    from {{ ref('int_documents_with_department') }}

),

evaluations as (

    select * from {{ ref('stg_raw__evaluations') }}

),

projects as (

    select * from {{ ref('stg_raw__projects') }}

),

project_evaluations as (

    select
        documents.document_sha256,
        documents.department_key,
        documents.fiscal_year,
        coalesce(evaluations.project_name, documents.subject) as project_name,
        regexp_replace(coalesce(evaluations.project_name, documents.subject), '\s', '', 'g') as name_key

    from documents
    left join evaluations
        on documents.document_sha256 = evaluations.document_sha256
    where documents.doc_type = 'project_self_evaluation_table'

),

target_projects as (

    select
        projects.line_number,
        projects.project_name,
        projects.fund_user,
        projects.total_wan_yuan,
        documents.department_key,
        documents.fiscal_year,
        documents.source_path,
        projects.document_sha256 || ':' || projects.line_number as target_project_id,
        regexp_replace(projects.project_name, '\s', '', 'g') as name_key,
        -- The name without its trailing fund-using unit (（黄埔区）), for a row that names one.
        case
            when projects.fund_user is not null
                then regexp_replace(projects.project_name, '\s|[（(][^（()）]*[)）]\s*$', '', 'g')
        end as name_key_without_unit

    from projects
    inner join documents
        on projects.document_sha256 = documents.document_sha256
    where documents.doc_type = 'project_target_table'

),

matched as (

    select
        project_evaluations.document_sha256,
        target_projects.target_project_id,
        target_projects.project_name as target_project_name,
        target_projects.fund_user as target_fund_user,
        target_projects.total_wan_yuan as target_total_wan_yuan,
        target_projects.source_path as target_source_path

    from project_evaluations
    inner join target_projects
        on project_evaluations.department_key = target_projects.department_key
        and project_evaluations.fiscal_year = target_projects.fiscal_year
        and project_evaluations.name_key in (target_projects.name_key, target_projects.name_key_without_unit)
    qualify
        row_number() over (
            partition by project_evaluations.document_sha256
            order by project_evaluations.name_key = target_projects.name_key desc, target_projects.line_number
        ) = 1

),

final as (

    select
        project_evaluations.document_sha256,
        project_evaluations.project_name,
        matched.target_project_id,
        matched.target_project_name,
        matched.target_fund_user,
        matched.target_total_wan_yuan,
        matched.target_source_path

    from project_evaluations
    left join matched
        on project_evaluations.document_sha256 = matched.document_sha256

)

select * from final
