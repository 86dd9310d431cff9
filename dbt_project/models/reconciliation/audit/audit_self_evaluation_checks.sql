-- Checks 5a-5d within one 部门整体支出绩效自评报告 (self_evaluation): its scores add up to each 合计
-- and the 合计 to 总分; 基本支出 + 项目支出 = 执行数; the stated 预算完成率 matches 执行数 / 全年预算数.
-- Every landed version, current or superseded; unioned into audit_document_checks.

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

scores as (

    select * from {{ ref('stg_raw__scores') }}

),

figures as (

    select * from {{ ref('int_self_evaluation_figures') }}

),

self_evaluations as (

    select
        *,
        document_sha256 as document_sha256s,
        source_path as source_paths

    from documents
    where doc_type = 'self_evaluation'

),

score_groups as (

    select
        self_evaluations.*,
        scores.score_level1,
        sum(scores.score) as scores_sum,
        any_value(scores.subtotal) as subtotal,
        count(distinct scores.subtotal) as n_subtotals

    from self_evaluations
    inner join scores
        on self_evaluations.document_sha256 = scores.document_sha256
    where scores.score_level1 <> '总分'
    group by all

),

score_totals as (

    select
        self_evaluations.*,
        (
            select sum(score_groups.subtotal) as subtotals_sum
            from score_groups
            where score_groups.document_sha256 = self_evaluations.document_sha256
        ) as subtotals_sum,
        (
            select any_value(scores.score) as total_score
            from scores
            where scores.document_sha256 = self_evaluations.document_sha256 and scores.score_level1 = '总分'
        ) as total_score

    from self_evaluations

),

-- The stated rate's decimals give its precision; amounts as integers of 0.0001 万元 keep 5d exact.
execution as (

    select
        self_evaluations.*,
        figures.* exclude (figures.document_sha256),
        {{ amount_units('figures.executed') }} as executed_units,
        {{ amount_units('figures.annual_budget') }} as budget_units,
        coalesce(length(split_part(figures.stated_execution_rate_text, '.', 2)), 0) as rate_decimals

    from self_evaluations
    inner join figures
        on self_evaluations.document_sha256 = figures.document_sha256

),

final as (

    -- 5a. The scores of each 一级指标 add up to its 合计.
    select
        {{ reconciliation_row(
            check_id='score_subtotals',
            subject='score_level1',
            observed_label="score_level1 || ' 二级指标得分之和'",
            observed='scores_sum',
            expected_label="score_level1 || ' 合计'",
            expected='subtotal',
            applicable='subtotal is not null and n_subtotals = 1',
            detail="case when n_subtotals > 1 then 'several 合计 printed for one 一级指标' end",
        ) }}
    from score_groups

    union all by name

    -- 5b. The 合计 add up to 总分.
    select
        {{ reconciliation_row(
            check_id='score_total',
            observed_label="'各一级指标合计之和'",
            observed='subtotals_sum',
            expected_label="'总分'",
            expected='total_score',
            applicable='total_score is not null and subtotals_sum is not null',
            detail="case when total_score is null then '总分 not found' end",
        ) }}
    from score_totals

    union all by name

    -- 5c. 基本支出 + 项目支出 = 执行数
    select
        {{ reconciliation_row(
            check_id='execution_split',
            observed_label="'基本支出+项目支出'",
            observed='basic_expenditure + project_expenditure',
            expected_label="'执行数'",
            expected='executed',
            applicable='executed is not null and basic_expenditure is not null
                and project_expenditure is not null',
            detail="case when executed is null then '执行数 not stated' end",
        ) }}
    from execution

    union all by name

    -- 5d. 执行数 / 全年预算数 rounded half-up to the printed precision of the stated rate equals it.
    select
        {{ reconciliation_row(
            check_id='execution_rate',
            observed_label="'预算完成率 (stated %)'",
            observed='stated_execution_rate',
            expected_label="'执行数/全年预算数 (%, rounded to the stated precision)'",
            expected=rounded_ratio('executed_units * 100', 'budget_units', 'rate_decimals'),
            applicable='stated_execution_rate is not null and executed is not null
                and annual_budget > 0 and rate_decimals <= 4',
            detail="case when annual_budget > 0
                then '执行数/全年预算数 = ' || printf('%.4f', executed * 100 / annual_budget) || '%' end",
        ) }}
    from execution

)

select * from final
{{ changed_documents_only('document_sha256s') }}
