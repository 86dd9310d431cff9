-- Each line of a self-evaluation table's budget block (预算执行情况) with what it is: the
-- 年度资金总额 line (is_total: the line labelled …总额, else the block's first line), or a 其中 line
-- of one split of the total, by funding source (当年财政拨款, 上年结转资金, 其他资金 …) or by kind of
-- spending (基本支出, 项目支出). A block may print both splits; each adds up to the total on its own.

with

execution_lines as (

    select
        *,
        regexp_replace(execution_line_label, '\s', '', 'g') as line_label
    from {{ ref('stg_raw__execution_lines') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by document_sha256
            order by line_label like '%总额' desc, line_number
        ) as total_rank

    from execution_lines

),

final as (

    select
        document_sha256,
        line_number,
        line_label,
        initial_budget_wan_yuan,
        annual_budget_wan_yuan,
        executed_wan_yuan,
        weight,
        execution_rate_percent,
        score,
        total_rank = 1 as is_total,
        case
            when total_rank = 1 then null
            when line_label in ('基本支出', '项目支出') then '按支出性质'
            else '按资金来源'
        end as split_group

    from ranked

)

select * from final
