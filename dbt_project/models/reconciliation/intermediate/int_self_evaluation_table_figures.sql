-- One row per self-evaluation table (部门整体 or 项目支出绩效自评表) with the figures its checks
-- (10a-10f) compare: the 年度资金总额 line, the indicators' weights and scores added (a blank score
-- adds nothing), and the 总分 row.

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

execution_lines as (

    select * from {{ ref('int_execution_lines_named') }}

),

evaluated as (

    select * from {{ ref('stg_raw__evaluated_indicators') }}

),

evaluations as (

    select * from {{ ref('stg_raw__evaluations') }}

),

tables as (

    select document_sha256
    from documents
    where doc_type in ('dept_self_evaluation_table', 'project_self_evaluation_table')

),

budget_line as (

    select
        document_sha256,
        line_label as budget_line_label,
        annual_budget_wan_yuan as annual_budget,
        executed_wan_yuan as executed,
        weight as budget_weight,
        execution_rate_percent,
        score as budget_score

    from execution_lines
    where is_total

),

indicator_sums as (

    select
        document_sha256,
        count(*) as n_indicators,
        sum(weight) as indicator_weights,
        count(weight) as n_weights,
        coalesce(sum(score), 0) as indicator_scores,
        count(score) as n_scores

    from evaluated
    group by document_sha256

),

final as (

    select
        tables.document_sha256,
        budget_line.budget_line_label,
        budget_line.annual_budget,
        budget_line.executed,
        budget_line.budget_weight,
        budget_line.execution_rate_percent,
        budget_line.budget_score,
        indicator_sums.indicator_weights,
        evaluations.total_weight,
        evaluations.total_score,
        coalesce(indicator_sums.n_indicators, 0) as n_indicators,
        coalesce(indicator_sums.n_weights, 0) as n_weights,
        coalesce(indicator_sums.indicator_scores, 0) as indicator_scores,
        coalesce(indicator_sums.n_scores, 0) as n_scores

    from tables
    left join budget_line
        on tables.document_sha256 = budget_line.document_sha256
    left join indicator_sums
        on tables.document_sha256 = indicator_sums.document_sha256
    left join evaluations
        on tables.document_sha256 = evaluations.document_sha256

)

select * from final
