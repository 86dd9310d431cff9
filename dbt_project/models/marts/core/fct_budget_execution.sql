-- One row per line of a serving self-evaluation table's budget block (预算执行情况): 年度资金总额
-- with its 分值, 执行率 and 得分, and its 其中 lines.

with

execution_lines as (

    select * from {{ ref('int_execution_lines_named') }}

),

documents as (

    select * from {{ ref('int_documents_with_department') }}

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        execution_lines.document_sha256 || ':' || execution_lines.line_number as execution_line_id,
        documents.department_code,
        documents.department_name as department_name_printed,
        documents.fiscal_year,
        documents.doc_type,
        documents.subject as project_name,
        execution_lines.line_label as execution_line_label,
        execution_lines.is_total,
        execution_lines.split_group,
        execution_lines.initial_budget_wan_yuan,
        execution_lines.annual_budget_wan_yuan,
        execution_lines.executed_wan_yuan,
        execution_lines.weight,
        execution_lines.execution_rate_percent,
        execution_lines.score,
        execution_lines.document_sha256,
        documents.source_path,
        execution_lines.line_number

    from execution_lines
    inner join documents
        on execution_lines.document_sha256 = documents.document_sha256

)

select * from final
