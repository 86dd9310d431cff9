-- Checks 4a-4b within one 项目支出绩效目标表 (project_target_table): each project row's sources add
-- up to its 总计, and the rows to the unit total (单位合计). Every landed version, current or
-- superseded; unioned into audit_document_checks.

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

budget as (

    select * from {{ ref('int_budget_totals') }}

),

projects as (

    select * from {{ ref('stg_raw__projects') }}

),

project_tables as (

    select
        *,
        document_sha256 as document_sha256s,
        source_path as source_paths

    from documents
    where doc_type = 'project_target_table'

),

project_rows as (

    select
        project_tables.*,
        projects.line_number,
        projects.project_name,
        projects.total_wan_yuan,
        coalesce(projects.fiscal_wan_yuan, 0)
        + coalesce(projects.special_account_wan_yuan, 0)
        + coalesce(projects.other_wan_yuan, 0) as sources_sum

    from project_tables
    inner join projects
        on project_tables.document_sha256 = projects.document_sha256

),

project_sums as (

    select
        project_tables.*,
        budget.unit_total,
        (
            select sum(projects.total_wan_yuan) as rows_total
            from projects
            where projects.document_sha256 = project_tables.document_sha256
        ) as rows_total,
        (
            select count(projects.total_wan_yuan) as n_rows
            from projects
            where projects.document_sha256 = project_tables.document_sha256
        ) as n_rows

    from project_tables
    left join budget
        on project_tables.document_sha256 = budget.document_sha256

),

final as (

    -- 4a. Each project row: 总计 = 财政拨款 + 财政专户拨款 + 其他资金
    select
        {{ reconciliation_row(
            check_id='project_row_total',
            subject="lpad(cast(line_number as varchar), 3, '0') || ' ' || project_name",
            observed_label="'总计'",
            observed='total_wan_yuan',
            expected_label="'财政拨款+财政专户拨款+其他资金'",
            expected='sources_sum',
            applicable='total_wan_yuan is not null',
            detail="case when total_wan_yuan is null then '总计 not printed' end",
        ) }}
    from project_rows

    union all by name

    -- 4b. The project rows add up to the unit total (单位合计) within what rounding can produce:
    --     each figure is printed to 0.01 万元, so each row added and the total itself may be off
    --     by up to 0.005 (26 rows: 0.135).
    select
        {{ reconciliation_row(
            check_id='project_rows_sum',
            observed_label="'各项目总计之和'",
            observed='rows_total',
            expected_label="'单位合计 总计'",
            expected='unit_total',
            tolerance='0.005 * (n_rows + 1)',
            applicable='unit_total is not null and rows_total is not null',
            detail="case when unit_total is null then '单位合计 not printed' end",
        ) }}
    from project_sums

)

select * from final
