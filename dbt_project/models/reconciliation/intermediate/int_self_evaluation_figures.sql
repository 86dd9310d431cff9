-- One row per self-evaluation with the budget figures its prose states (执行情况): the facts labelled
-- with the indicators of the catalog seed that measure them.

with

facts as (

    select * from {{ ref('stg_raw__facts') }}

),

catalog as (

    select * from {{ ref('indicator_catalog') }}

),

final as (

    select
        facts.document_sha256,
        any_value(facts.fact_value) filter (where catalog.indicator_code = 'budget_annual_total')
            as annual_budget,
        any_value(facts.fact_value) filter (where catalog.indicator_code = 'budget_executed') as executed,
        any_value(facts.fact_value) filter (where catalog.indicator_code = 'expenditure_basic')
            as basic_expenditure,
        any_value(facts.fact_value) filter (where catalog.indicator_code = 'expenditure_project')
            as project_expenditure,
        any_value(facts.fact_value) filter (where catalog.indicator_code = 'budget_execution_rate')
            as stated_execution_rate,
        any_value(facts.fact_value_text) filter (where catalog.indicator_code = 'budget_execution_rate')
            as stated_execution_rate_text

    from facts
    left join catalog
        on facts.fact_label = catalog.indicator_name_zh
    group by facts.document_sha256

)

select * from final
