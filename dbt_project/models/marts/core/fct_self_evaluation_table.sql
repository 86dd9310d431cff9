-- One row per serving self-evaluation table (部门整体 or 项目支出绩效自评表): what it evaluates, its
-- 年度总体目标, its budget line (年度资金总额) and its 总分; a project's table beside the project's
-- row in the year's 项目支出绩效目标表 (its 总计 against the table's 全年预算数), where one lists it.

with

documents as (

    select * from {{ ref('int_documents_with_department') }}

),

evaluations as (

    select * from {{ ref('stg_raw__evaluations') }}

),

figures as (

    select * from {{ ref('int_self_evaluation_table_figures') }}

),

projects as (

    select * from {{ ref('int_project_evaluations_matched') }}

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        documents.document_sha256 as evaluation_table_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        documents.doc_type,
        coalesce(evaluations.project_name, documents.subject) as project_name,
        evaluations.supervising_unit,
        evaluations.implementing_unit,
        evaluations.goal_expected,
        evaluations.goal_achieved,
        figures.annual_budget as annual_budget_wan_yuan,
        figures.executed as executed_wan_yuan,
        figures.execution_rate_percent,
        figures.budget_weight,
        figures.budget_score,
        figures.n_indicators,
        evaluations.total_weight,
        evaluations.total_score,
        projects.target_project_id,
        projects.target_project_name,
        projects.target_fund_user,
        projects.target_total_wan_yuan,
        projects.target_source_path,
        documents.document_sha256,
        documents.source_path

    from documents
    left join evaluations
        on documents.document_sha256 = evaluations.document_sha256
    left join figures
        on documents.document_sha256 = figures.document_sha256
    left join projects
        on documents.document_sha256 = projects.document_sha256
    where documents.doc_type in ('dept_self_evaluation_table', 'project_self_evaluation_table')

)

select * from final
