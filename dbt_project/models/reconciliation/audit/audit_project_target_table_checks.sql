-- Checks 4a-4b within one 项目支出绩效目标表 (project_target_table): each project row's sources add
-- up to its 总计, and the rows to the unit total (单位合计). Every landed version, current or
-- superseded; unioned into audit_document_checks. Check 4a's sides (which of a row's columns add
-- up to which) come from the seed budget_identities, like the budget lines' identities.

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

identity_terms as (

    select * from {{ ref('budget_identities') }}

),

identities as (

    select * from {{ ref('int_budget_identities') }}

),

project_tables as (

    select
        *,
        document_sha256 as document_sha256s,
        source_path as source_paths

    from documents
    where doc_type = 'project_target_table'

),

-- Each project row's amounts by column, named as the 单位合计 row's lines (the seed budget_lines).
project_figures as (

    select
        projects.document_sha256,
        projects.line_number,
        figures.line_code,
        figures.amount_wan_yuan

    from projects
    cross join
        lateral (
            values
            ('total', projects.total_wan_yuan),
            ('fiscal', projects.fiscal_wan_yuan),
            ('special_account', projects.special_account_wan_yuan),
            ('other', projects.other_wan_yuan)
        ) as figures (line_code, amount_wan_yuan)

),

-- Check 4a's sides for each row: its 总计, and its sources (a blank one adding nothing).
row_sides as (

    select
        project_figures.document_sha256,
        project_figures.line_number,
        sum(project_figures.amount_wan_yuan) filter (where identity_terms.side = 'observed') as row_total,
        coalesce(sum(project_figures.amount_wan_yuan) filter (where identity_terms.side = 'expected'), 0)
            as sources_sum

    from project_figures
    inner join identity_terms
        on project_figures.line_code = identity_terms.line_code
    where identity_terms.identity_code = 'project_row_total'
    group by project_figures.document_sha256, project_figures.line_number

),

project_rows as (

    select
        project_tables.*,
        projects.line_number,
        projects.project_name,
        projects.total_wan_yuan,
        row_sides.row_total,
        row_sides.sources_sum,
        row_identity.observed_label as row_total_label,
        row_identity.expected_label as sources_label

    from project_tables
    inner join projects
        on project_tables.document_sha256 = projects.document_sha256
    inner join row_sides
        on projects.document_sha256 = row_sides.document_sha256
        and projects.line_number = row_sides.line_number
    left join identities as row_identity
        on project_tables.document_sha256 = row_identity.document_sha256
        and row_identity.identity_code = 'project_row_total'

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
            observed_label='row_total_label',
            observed='row_total',
            expected_label='sources_label',
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
{{ changed_documents_only('document_sha256s') }}
