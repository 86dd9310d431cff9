-- One row per self-evaluation with the budget figures its prose states (执行情况).

with

facts as (

    select * from {{ ref('stg_raw__facts') }}

),

final as (

    select
        document_sha256,
        any_value(fact_value) filter (where fact_label = '全年预算数') as annual_budget,
        any_value(fact_value) filter (where fact_label = '执行数') as executed,
        any_value(fact_value) filter (where fact_label = '基本支出') as basic_expenditure,
        any_value(fact_value) filter (where fact_label = '项目支出') as project_expenditure,
        any_value(fact_value) filter (where fact_label = '预算完成率') as stated_execution_rate,
        any_value(fact_value_text) filter (where fact_label = '预算完成率') as stated_execution_rate_text

    from facts
    group by document_sha256

)

select * from final
