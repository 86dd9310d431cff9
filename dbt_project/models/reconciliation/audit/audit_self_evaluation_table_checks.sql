-- Checks 10a-10f within one self-evaluation table (部门整体支出绩效自评表, 项目支出绩效自评表): the
-- scores and the weights add up to 总分, no score above its weight, the printed 执行率 and budget
-- 得分 follow from 全年执行数 / 全年预算数, and the 其中 lines add up to 年度资金总额. Every landed
-- version, current or superseded; unioned into audit_document_checks.

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

figures as (

    select * from {{ ref('int_self_evaluation_table_figures') }}

),

execution_lines as (

    select * from {{ ref('int_execution_lines_named') }}

),

evaluated as (

    select * from {{ ref('stg_raw__evaluated_indicators') }}

),

tables as (

    select
        documents.*,
        documents.document_sha256 as document_sha256s,
        documents.source_path as source_paths,
        figures.* exclude (figures.document_sha256),
        {{ amount_units('figures.annual_budget') }} as budget_units,
        {{ amount_units('figures.executed') }} as executed_units,
        {{ amount_units('figures.budget_weight') }} as weight_units,
        {{ amount_units('figures.execution_rate_percent') }} as rate_units,
        {{ printed_decimals('figures.execution_rate_percent') }} as rate_decimals,
        {{ printed_decimals('figures.budget_score') }} as score_decimals

    from documents
    inner join figures
        on documents.document_sha256 = figures.document_sha256

),

-- Every row that carries a weight and a score: each indicator, and the budget line.
scored_rows as (

    select
        tables.*,
        evaluated.weight as row_weight,
        evaluated.score as row_score,
        lpad(cast(evaluated.line_number as varchar), 3, '0') || ' ' || evaluated.indicator_name as row_subject

    from tables
    inner join evaluated
        on tables.document_sha256 = evaluated.document_sha256

    union all by name

    select
        tables.*,
        tables.budget_weight as row_weight,
        tables.budget_score as row_score,
        '预算执行 ' || tables.budget_line_label as row_subject

    from tables
    where tables.budget_line_label is not null

),

-- Each amount column of each split of the total: its 其中 lines printed in that column, added.
split_sums as (

    select
        execution_lines.document_sha256,
        amounts.column_label,
        execution_lines.split_group,
        sum(amounts.amount) as parts_sum,
        count(amounts.amount) as n_parts,
        string_agg(execution_lines.line_label, '+' order by execution_lines.line_number)
        filter (where amounts.amount is not null) as parts_label

    from execution_lines
    cross join
        lateral (
            values
            ('年初预算数', execution_lines.initial_budget_wan_yuan),
            ('全年预算数', execution_lines.annual_budget_wan_yuan),
            ('全年执行数', execution_lines.executed_wan_yuan)
        ) as amounts (column_label, amount)
    where not execution_lines.is_total
    group by all

),

column_totals as (

    select
        tables.*,
        amounts.column_label,
        amounts.total,
        split_sums.split_group,
        split_sums.parts_sum,
        split_sums.parts_label,
        coalesce(split_sums.n_parts, 0) as n_parts

    from tables
    left join execution_lines
        on tables.document_sha256 = execution_lines.document_sha256
        and execution_lines.is_total
    cross join
        lateral (
            values
            ('年初预算数', execution_lines.initial_budget_wan_yuan),
            ('全年预算数', execution_lines.annual_budget_wan_yuan),
            ('全年执行数', execution_lines.executed_wan_yuan)
        ) as amounts (column_label, total)
    left join split_sums
        on tables.document_sha256 = split_sums.document_sha256
        and amounts.column_label = split_sums.column_label

),

final as (

    -- 10a. The budget line's 得分 and the indicators' 得分 add up to 总分's 得分.
    select
        {{ reconciliation_row(
            check_id='table_score_total',
            observed_label="'预算执行得分+各指标得分'",
            observed='coalesce(budget_score, 0) + indicator_scores',
            expected_label="'总分 得分'",
            expected='total_score',
            applicable='total_score is not null',
            detail="case
                when total_score is null then '总分 得分 not printed'
                when n_scores < n_indicators or budget_score is null
                    then cast(n_indicators - n_scores + (budget_score is null)::int as varchar)
                        || ' 得分 blank, added as nothing'
            end",
        ) }}
    from tables

    union all by name

    -- 10b. No score above its weight: a score may fall short of its weight by any amount, so the
    --      tolerance is that shortfall and only a score above the weight fails.
    select
        {{ reconciliation_row(
            check_id='table_score_within_weight',
            subject='row_subject',
            observed_label="'得分'",
            observed='row_score',
            expected_label="'分值 (the most 得分 may be)'",
            expected='row_weight',
            tolerance='greatest(row_weight - row_score, 0)',
            applicable='row_score is not null and row_weight is not null',
            detail="case
                when row_weight is null then '分值 not printed'
                when row_score is null then '得分 blank'
                when row_score > row_weight then '得分 above its 分值'
            end",
        ) }}
    from scored_rows

    union all by name

    -- 10c. The budget line's 分值 and the indicators' 分值 add up to 总分's 分值.
    select
        {{ reconciliation_row(
            check_id='table_weight_total',
            observed_label="'预算执行分值+各指标分值'",
            observed='coalesce(budget_weight, 0) + coalesce(indicator_weights, 0)',
            expected_label="'总分 分值'",
            expected='total_weight',
            applicable='total_weight is not null',
            detail="case
                when total_weight is null then '总分 分值 not printed'
                when n_weights < n_indicators or budget_weight is null
                    then cast(n_indicators - n_weights + (budget_weight is null)::int as varchar)
                        || ' 分值 blank, added as nothing'
            end",
        ) }}
    from tables

    union all by name

    -- 10d. 全年执行数 / 全年预算数, rounded half up to the printed precision of 执行率, equals it.
    select
        {{ reconciliation_row(
            check_id='table_execution_rate',
            observed_label="'执行率 (printed %)'",
            observed='execution_rate_percent',
            expected_label="'全年执行数/全年预算数 (%, rounded to the printed precision)'",
            expected=rounded_ratio('executed_units * 100', 'budget_units', 'rate_decimals'),
            applicable='execution_rate_percent is not null and executed is not null and annual_budget > 0',
            detail="case
                when annual_budget > 0 and executed is not null
                    then '全年执行数/全年预算数 = ' || printf('%.4f', executed * 100 / annual_budget) || '%'
                else '全年执行数 or 全年预算数 not printed'
            end",
        ) }}
    from tables

    union all by name

    -- 10e. The 其中 lines add up to 年度资金总额, in each amount column and each split where the total
    --      and at least one 其中 line are printed (a blank line adds nothing).
    select
        {{ reconciliation_row(
            check_id='table_funds_split',
            subject="column_label || coalesce(' ' || split_group, '')",
            observed_label="coalesce(parts_label, '其中')",
            observed='parts_sum',
            expected_label="'年度资金总额 ' || column_label",
            expected='total',
            applicable='total is not null and n_parts > 0',
            detail="case
                when total is null and n_parts > 0 then '年度资金总额 ' || column_label || ' blank'
                when total is null then column_label || ' not printed'
                when n_parts = 0 then 'no 其中 line printed'
            end",
        ) }}
    from column_totals

    union all by name

    -- 10f. The budget line's 得分 = min(执行率, 100%) × 分值, rounded half up to its printed
    --      precision: the printed 执行率, else 全年执行数 / 全年预算数.
    select
        {{ reconciliation_row(
            check_id='table_execution_score',
            observed_label="'预算执行得分'",
            observed='budget_score',
            expected_label="'min(执行率, 100%) × 分值 (rounded to the printed precision)'",
            expected="case
                when rate_units is not null then "
                ~ rounded_ratio('weight_units * least(rate_units, 1000000)', '10000000000', 'score_decimals')
                ~ " else "
                ~ rounded_ratio('weight_units * least(executed_units, budget_units)', '10000 * budget_units', 'score_decimals')
                ~ " end",
            applicable='budget_score is not null and budget_weight is not null
                and (execution_rate_percent is not null or (executed is not null and annual_budget > 0))',
            detail="case
                when budget_score is null or budget_weight is null then '预算执行 得分 or 分值 not printed'
                when execution_rate_percent is null then 'by 全年执行数/全年预算数: 执行率 not printed'
            end",
        ) }}
    from tables

)

select * from final
{{ changed_documents_only('document_sha256s') }}
