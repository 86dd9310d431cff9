-- Reconciliation rows across the serving documents of one bureau and year (checks 7-9): what no
-- single PDF can tell. Where a check's documents are not all landed it is not applicable. The
-- Great Expectations suite `warehouse_checks` (expectations/) decides pass or fail.

with

serving as (

    select * from {{ ref('int_documents_with_department') }}

),

budget as (

    select * from {{ ref('int_budget_totals') }}

),

key_tasks as (

    select * from {{ ref('stg_raw__key_tasks') }}

),

projects as (

    select * from {{ ref('stg_raw__projects') }}

),

self_evaluation as (

    select * from {{ ref('int_self_evaluation_figures') }}

),

forms as (

    select
        serving.document_sha256,
        serving.source_path,
        serving.department_code,
        serving.fiscal_year,
        budget.transfer_funds,
        coalesce(budget.fiscal_appropriation, 0) + coalesce(budget.other_funds, 0) as form_total
    from serving
    left join budget
        on serving.document_sha256 = budget.document_sha256
    where serving.doc_type = 'dept_target_form'

),

project_tables as (

    select
        document_sha256,
        source_path,
        department_code,
        fiscal_year
    from serving
    where doc_type = 'project_target_table'

),

self_evaluations as (

    select
        serving.document_sha256,
        serving.source_path,
        serving.department_code,
        serving.fiscal_year,
        self_evaluation.annual_budget
    from serving
    inner join self_evaluation
        on serving.document_sha256 = self_evaluation.document_sha256
    where serving.doc_type = 'self_evaluation'

),

-- A bureau may publish one project table per fund-using unit: they are read together.
project_table_sets as (

    select
        department_code,
        fiscal_year,
        string_agg(document_sha256, ',' order by document_sha256) as document_sha256s,
        string_agg(source_path, '; ' order by source_path) as source_paths
    from project_tables
    group by all

),

form_with_projects as (

    select
        forms.*,
        concat_ws(',', forms.document_sha256, project_table_sets.document_sha256s) as document_sha256s,
        concat_ws('; ', forms.source_path, project_table_sets.source_paths) as source_paths,
        project_table_sets.document_sha256s is not null as has_project_table
    from forms
    left join project_table_sets
        on forms.department_code = project_table_sets.department_code
        and forms.fiscal_year = project_table_sets.fiscal_year

),

project_rows as (

    select
        project_tables.department_code,
        project_tables.fiscal_year,
        projects.project_name,
        projects.fund_user,
        projects.total_wan_yuan,
        regexp_replace(projects.project_name, '\s', '', 'g') as project_key
    from project_tables
    inner join projects
        on project_tables.document_sha256 = projects.document_sha256

),

task_matches as (

    select
        form_with_projects.*,
        key_tasks.line_number,
        key_tasks.task_name,
        key_tasks.funds_wan_yuan,
        (
            select sum(project_rows.total_wan_yuan) as project_total
            from project_rows
            where project_rows.department_code = form_with_projects.department_code
                and project_rows.fiscal_year = form_with_projects.fiscal_year
                and project_rows.project_key = regexp_replace(key_tasks.task_name, '\s', '', 'g')
        ) as project_total
    from form_with_projects
    inner join key_tasks
        on form_with_projects.document_sha256 = key_tasks.document_sha256

),

transfers as (

    select
        form_with_projects.*,
        (
            select sum(project_rows.total_wan_yuan) as designated_total
            from project_rows
            where project_rows.department_code = form_with_projects.department_code
                and project_rows.fiscal_year = form_with_projects.fiscal_year
                and project_rows.fund_user is not null
        ) as designated_total
    from form_with_projects

),

budget_pairs as (

    select
        self_evaluations.annual_budget,
        forms.form_total,
        coalesce(self_evaluations.department_code, forms.department_code) as department_code,
        coalesce(self_evaluations.fiscal_year, forms.fiscal_year) as fiscal_year,
        concat_ws(',', self_evaluations.document_sha256, forms.document_sha256) as document_sha256s,
        concat_ws('; ', self_evaluations.source_path, forms.source_path) as source_paths,
        self_evaluations.document_sha256 is not null as has_self_evaluation,
        forms.document_sha256 is not null as has_form
    from self_evaluations
    full outer join forms
        on self_evaluations.department_code = forms.department_code
        and self_evaluations.fiscal_year = forms.fiscal_year

),

final as (

    -- 7. Each 年度重点工作任务 equals the project-table row of the same name.
    select
        {{ reconciliation_row(
            check_id='key_task_matches_project',
            subject="lpad(cast(line_number as varchar), 3, '0') || ' ' || task_name",
            observed_label="'年度重点工作任务资金'",
            observed='funds_wan_yuan',
            expected_label="'项目支出绩效目标表 同名项目总计'",
            expected='project_total',
            applicable='funds_wan_yuan is not null and project_total is not null',
            detail="case
                when not has_project_table then 'no 项目支出绩效目标表 landed for this bureau and year'
                when project_total is null then 'no project row of this name'
                when funds_wan_yuan is null then 'the task states no funds'
            end",
        ) }}
    from task_matches

    union all by name

    -- 8. Project rows designated to a district (项目名称（资金使用单位）) add up to 拟用于对下转移支付资金.
    select
        {{ reconciliation_row(
            check_id='transfer_payments',
            observed_label="'指定区级资金使用单位的项目总计之和'",
            observed='coalesce(designated_total, 0)',
            expected_label="'拟用于对下转移支付资金'",
            expected='transfer_funds',
            applicable='has_project_table and transfer_funds is not null',
            detail="case
                when not has_project_table then 'no 项目支出绩效目标表 landed for this bureau and year'
                when transfer_funds is null then '拟用于对下转移支付资金 not printed'
            end",
        ) }}
    from transfers

    union all by name

    -- 9. 全年预算数 of the self-evaluation against the year's form total (budgets change in the year).
    select
        {{ reconciliation_row(
            check_id='self_evaluation_budget',
            observed_label="'自评报告 全年预算数'",
            observed='annual_budget',
            expected_label="'申报表 财政拨款+其他资金'",
            expected='form_total',
            applicable='has_self_evaluation and has_form and annual_budget is not null',
            detail="case
                when not has_form then 'no 部门整体预算绩效目标申报表 landed for this year'
                when not has_self_evaluation then 'no 部门整体支出绩效自评报告 landed for this year'
                when annual_budget is null then '全年预算数 not stated'
            end",
        ) }}
    from budget_pairs

)

select * from final
