-- One row per document with the budget lines the reconciliation checks add up, by label
-- (whitespace ignored). A label the document does not print is null, not zero; a line printed
-- with a blank amount is listed in blank_lines, and the checks that would add it are not applicable.

with

budget_lines as (

    select
        document_sha256,
        budget_section,
        amount_wan_yuan,
        regexp_replace(budget_line_label, '\s', '', 'g') as line_label
    from {{ ref('stg_raw__budget_lines') }}

),

final as (

    select
        document_sha256,
        sum(amount_wan_yuan) filter (where line_label = '基本支出') as basic_expenditure,
        sum(amount_wan_yuan) filter (where line_label = '项目支出') as project_expenditure,
        sum(amount_wan_yuan) filter (where line_label = '财政专项资金') as special_funds,
        sum(amount_wan_yuan) filter (where line_label = '其他事业发展性支出') as other_development,
        sum(amount_wan_yuan) filter (where line_label = '财政拨款' and budget_section <> '单位合计')
            as fiscal_appropriation,
        sum(amount_wan_yuan) filter (where line_label = '其他资金' and budget_section <> '单位合计') as other_funds,
        sum(amount_wan_yuan) filter (where line_label like '%本级使用资金') as own_level_funds,
        sum(amount_wan_yuan) filter (where line_label = '拟用于对下转移支付资金') as transfer_funds,
        sum(amount_wan_yuan) filter (where line_label = '总计' and budget_section = '单位合计') as unit_total,
        count(*) filter (where line_label like '%本级使用资金') as n_own_level_lines,
        string_agg(line_label, '、' order by line_label) filter (where amount_wan_yuan is null) as blank_lines

    from budget_lines
    group by document_sha256

)

select * from final
