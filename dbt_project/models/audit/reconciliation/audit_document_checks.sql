-- Reconciliation rows within one document (checks 1-6): every landed version, current or
-- superseded, so that the gate knows which versions may serve. One row per check and subject;
-- the Great Expectations suite `document_checks` (expectations/) decides pass or fail.

with

documents as (

    select
        *,
        document_sha256 as document_sha256s,
        source_path as source_paths,
    from {{ ref('stg_raw__documents') }}

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

scores as (

    select * from {{ ref('stg_raw__scores') }}

),

self_evaluation as (

    select * from {{ ref('int_self_evaluation_figures') }}

),

target_parts as (

    select * from {{ ref('stg_raw__target_parts') }}

),

facts as (

    select * from {{ ref('stg_raw__facts') }}

),

wordings as (

    select * from {{ ref('int_indicator_wordings') }}

),

unmapped_listed as (

    select * from {{ ref('audit_unmapped_indicator_wordings') }}

),

forms as (

    select
        documents.*,
        budget.* exclude (document_sha256),
        coalesce(budget.fiscal_appropriation, 0) + coalesce(budget.other_funds, 0) as form_total,
    from documents
    left join budget
        on documents.document_sha256 = budget.document_sha256
    where documents.doc_type = 'dept_target_form'

),

task_funds as (

    select
        document_sha256,
        sum(funds_wan_yuan) as task_funds,
        count(funds_wan_yuan) as n_funded_tasks,
    from key_tasks
    group by document_sha256

),

-- 1. 基本支出 + 项目支出 + 财政专项资金 + 其他事业发展性支出 = 财政拨款 + 其他资金
budget_identity as (

    select
        {{ reconciliation_row(
            'budget_identity',
            'null',
            "'基本支出+项目支出+财政专项资金+其他事业发展性支出'",
            'coalesce(basic_expenditure, 0) + coalesce(project_expenditure, 0) + coalesce(special_funds, 0) + coalesce(other_development, 0)',
            "'财政拨款+其他资金'",
            'form_total',
            0,
            'fiscal_appropriation is not null and (basic_expenditure is not null or project_expenditure is not null)',
            "case when fiscal_appropriation is null then '财政拨款 not printed' end",
        ) }}
    from forms

),

-- 2. 本级使用资金 + 拟用于对下转移支付资金 equals the total (district convention) or
--    财政专项资金 (city convention); the expected side is whichever convention the form follows.
level_split as (

    select
        {{ reconciliation_row(
            'level_split',
            'null',
            "'本级使用资金+拟用于对下转移支付资金'",
            'own_level_funds + transfer_funds',
            "case when own_level_funds + transfer_funds = special_funds and special_funds <> form_total then '财政专项资金' else '财政拨款+其他资金' end",
            'case when own_level_funds + transfer_funds = special_funds then special_funds else form_total end',
            0,
            'n_own_level_lines > 0 and transfer_funds is not null',
            "case when n_own_level_lines = 0 then '本级使用资金 not printed' end",
        ) }}
    from forms

),

-- 3. Key-task funds against 项目支出 + 财政专项资金 + 其他事业发展性支出, or against 本级使用资金
--    (Guangzhou's tasks spend the city's own-level funds); the gap to the first is reported.
key_task_funds as (

    select
        {{ reconciliation_row(
            'key_task_funds',
            'null',
            "'年度重点工作任务资金合计'",
            'task_funds.task_funds',
            "case when task_funds.task_funds = forms.own_level_funds then '本级使用资金' else '项目支出+财政专项资金+其他事业发展性支出' end",
            'case when task_funds.task_funds = forms.own_level_funds then forms.own_level_funds else coalesce(forms.project_expenditure, 0) + coalesce(forms.special_funds, 0) + coalesce(forms.other_development, 0) end',
            0,
            'coalesce(task_funds.n_funded_tasks, 0) > 0',
            "case when coalesce(task_funds.n_funded_tasks, 0) = 0 then 'no key task states its funds' end",
        ) }}
    from forms
    left join task_funds
        on forms.document_sha256 = task_funds.document_sha256

),

project_rows as (

    select
        documents.*,
        projects.line_number,
        projects.project_name,
        projects.total_wan_yuan,
        coalesce(projects.fiscal_wan_yuan, 0)
            + coalesce(projects.special_account_wan_yuan, 0)
            + coalesce(projects.other_wan_yuan, 0) as sources_sum,
    from documents
    inner join projects
        on documents.document_sha256 = projects.document_sha256

),

-- 4a. Each project row: 总计 = 财政拨款 + 财政专户拨款 + 其他资金
project_row_total as (

    select
        {{ reconciliation_row(
            'project_row_total',
            "lpad(cast(line_number as varchar), 3, '0') || ' ' || project_name",
            "'总计'",
            'total_wan_yuan',
            "'财政拨款+财政专户拨款+其他资金'",
            'sources_sum',
            0,
            'total_wan_yuan is not null',
            "case when total_wan_yuan is null then '总计 not printed' end",
        ) }}
    from project_rows

),

project_sums as (

    select
        documents.*,
        budget.unit_total,
        (
            select sum(projects.total_wan_yuan)
            from projects
            where projects.document_sha256 = documents.document_sha256
        ) as rows_total,
    from documents
    left join budget
        on documents.document_sha256 = budget.document_sha256
    where documents.doc_type = 'project_target_table'

),

-- 4b. The project rows add up to the unit total (单位合计), within 0.01 万元 of rounding.
project_rows_sum as (

    select
        {{ reconciliation_row(
            'project_rows_sum',
            'null',
            "'各项目总计之和'",
            'rows_total',
            "'单位合计 总计'",
            'unit_total',
            0.01,
            'unit_total is not null and rows_total is not null',
            "case when unit_total is null then '单位合计 not printed' end",
        ) }}
    from project_sums

),

score_groups as (

    select
        documents.*,
        scores.score_level1,
        sum(scores.score) as scores_sum,
        any_value(scores.subtotal) as subtotal,
        count(distinct scores.subtotal) as n_subtotals,
    from documents
    inner join scores
        on documents.document_sha256 = scores.document_sha256
    where scores.score_level1 <> '总分'
    group by all

),

-- 5a. The scores of each 一级指标 add up to its 合计.
score_subtotals as (

    select
        {{ reconciliation_row(
            'score_subtotals',
            'score_level1',
            "score_level1 || ' 二级指标得分之和'",
            'scores_sum',
            "score_level1 || ' 合计'",
            'subtotal',
            0,
            'subtotal is not null and n_subtotals = 1',
            "case when n_subtotals > 1 then 'several 合计 printed for one 一级指标' end",
        ) }}
    from score_groups

),

score_totals as (

    select
        documents.*,
        (
            select sum(subtotal) from score_groups
            where score_groups.document_sha256 = documents.document_sha256
        ) as subtotals_sum,
        (
            select any_value(score) from scores
            where scores.document_sha256 = documents.document_sha256 and scores.score_level1 = '总分'
        ) as total_score,
    from documents
    where documents.doc_type = 'self_evaluation'

),

-- 5b. The 合计 add up to 总分.
score_total as (

    select
        {{ reconciliation_row(
            'score_total',
            'null',
            "'各一级指标合计之和'",
            'subtotals_sum',
            "'总分'",
            'total_score',
            0,
            'total_score is not null and subtotals_sum is not null',
            "case when total_score is null then '总分 not found' end",
        ) }}
    from score_totals

),

execution as (

    select
        documents.*,
        self_evaluation.* exclude (document_sha256),
        coalesce(length(split_part(stated_execution_rate_text, '.', 2)), 0) as rate_decimals,
    from documents
    inner join self_evaluation
        on documents.document_sha256 = self_evaluation.document_sha256
    where documents.doc_type = 'self_evaluation'

),

-- 5c. 基本支出 + 项目支出 = 执行数
execution_split as (

    select
        {{ reconciliation_row(
            'execution_split',
            'null',
            "'基本支出+项目支出'",
            'basic_expenditure + project_expenditure',
            "'执行数'",
            'executed',
            0,
            'executed is not null and basic_expenditure is not null and project_expenditure is not null',
            "case when executed is null then '执行数 not stated' end",
        ) }}
    from execution

),

-- 5d. 执行数 / 全年预算数 rounded half-up to the printed precision of the stated rate equals it.
--     Exact: integers in 0.0001 万元, no floating point.
execution_ratio as (

    select
        *,
        cast(round(executed * 10000) as hugeint) as executed_units,
        cast(round(annual_budget * 10000) as hugeint) as budget_units,
    from execution

),

execution_rate as (

    select
        {{ reconciliation_row(
            'execution_rate',
            'null',
            "'预算完成率 (stated %)'",
            'stated_execution_rate',
            "'执行数/全年预算数 (%, rounded to the stated precision)'",
            "cast((2 * executed_units * 100 * cast(pow(10, rate_decimals) as hugeint) + budget_units) // (2 * budget_units) as decimal(38, 4))
                * case rate_decimals when 0 then 1 when 1 then 0.1 when 2 then 0.01 when 3 then 0.001 else 0.0001 end",
            0,
            'stated_execution_rate is not null and executed is not null and annual_budget > 0 and rate_decimals <= 4',
            "case when annual_budget > 0 then '执行数/全年预算数 = ' || printf('%.4f', executed * 100 / annual_budget) || '%' end",
        ) }}
    from execution_ratio

),

-- 6a. Every document has a known department and a year.
department_and_year as (

    select
        {{ reconciliation_row(
            'department_and_year',
            'null',
            "'unknown department or year'",
            'cast(department_code is null as integer) + cast(fiscal_year is null as integer)',
            "'none'",
            0,
            0,
            'true',
            "case when department_code is null then 'department ' || department_name || ' is in no row of seeds/departments.csv' end",
        ) }}
    from documents

),

document_wordings as (

    select distinct document_sha256, indicator_wording as wording from target_parts
    union
    select distinct document_sha256, fact_label as wording from facts

),

wording_coverage as (

    select
        documents.*,
        count(document_wordings.wording) filter (
            where wordings.indicator_code is null and unmapped_listed.wording is null
        ) as n_unaccounted,
        count(document_wordings.wording) filter (where unmapped_listed.wording is not null) as n_listed,
    from documents
    left join document_wordings
        on documents.document_sha256 = document_wordings.document_sha256
    left join wordings
        on document_wordings.wording = wordings.wording
    left join unmapped_listed
        on document_wordings.wording = unmapped_listed.wording
    group by all

),

-- 6b. Every wording is mapped to the indicator catalog or listed in audit_unmapped_indicator_wordings.
wordings_mapped as (

    select
        {{ reconciliation_row(
            'wordings_mapped',
            'null',
            "'wordings neither mapped nor listed'",
            'n_unaccounted',
            "'none'",
            0,
            0,
            'true',
            "cast(n_listed as varchar) || ' unmapped wordings listed in audit_unmapped_indicator_wordings'",
        ) }}
    from wording_coverage

),

comparator_pairs as (

    select
        period_part.document_sha256,
        count(*) filter (
            where period_part.comparator is distinct from annual_part.comparator
        ) as n_disagreeing,
        count(*) as n_pairs,
        string_agg(
            case when period_part.comparator is distinct from annual_part.comparator
                then period_part.part_text || ' / ' || annual_part.part_text end,
            '; '
        ) as disagreeing,
    from target_parts as period_part
    inner join target_parts as annual_part
        on period_part.document_sha256 = annual_part.document_sha256
        and period_part.target_source = annual_part.target_source
        and period_part.source_line = annual_part.source_line
        and period_part.part_number = annual_part.part_number
    where period_part.target_source = 'form_indicator'
        and period_part.target_period = 'implementation'
        and annual_part.target_period = 'annual'
    group by period_part.document_sha256

),

comparator_coverage as (

    select
        forms.*,
        comparator_pairs.n_disagreeing,
        comparator_pairs.disagreeing,
    from forms
    left join comparator_pairs
        on forms.document_sha256 = comparator_pairs.document_sha256

),

-- 6c. Each annual target's comparator agrees with its implementation-period target's.
comparators_agree as (

    select
        {{ reconciliation_row(
            'comparators_agree',
            'null',
            "'annual targets whose comparator differs from the 实施周期 target'",
            'n_disagreeing',
            "'none'",
            0,
            0,
            'n_disagreeing is not null',
            "coalesce(disagreeing, case when n_disagreeing is null then 'no indicator states both targets' end)",
        ) }}
    from comparator_coverage

),

final as (

    select * from budget_identity
    union all by name
    select * from level_split
    union all by name
    select * from key_task_funds
    union all by name
    select * from project_row_total
    union all by name
    select * from project_rows_sum
    union all by name
    select * from score_subtotals
    union all by name
    select * from score_total
    union all by name
    select * from execution_split
    union all by name
    select * from execution_rate
    union all by name
    select * from department_and_year
    union all by name
    select * from wordings_mapped
    union all by name
    select * from comparators_agree

)

select * from final
