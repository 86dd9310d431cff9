-- One row per document with the budget lines the reconciliation checks read, by the line each is
-- (int_budget_lines_named, the seed budget_lines). A line the document does not print is null, not
-- zero; a line printed with a blank amount is listed in blank_lines, and the checks that would add
-- it are not applicable.

with

budget_lines as (

    select * from {{ ref('int_budget_lines_named') }}

),

final as (

    select
        document_sha256,
        sum(amount_wan_yuan) filter (where line_code = 'basic_expenditure') as basic_expenditure,
        sum(amount_wan_yuan) filter (where line_code = 'project_expenditure') as project_expenditure,
        sum(amount_wan_yuan) filter (where line_code = 'special_funds') as special_funds,
        sum(amount_wan_yuan) filter (where line_code = 'other_development') as other_development,
        sum(amount_wan_yuan) filter (where line_code = 'fiscal_appropriation') as fiscal_appropriation,
        sum(amount_wan_yuan) filter (where line_code = 'other_funds') as other_funds,
        sum(amount_wan_yuan) filter (where line_code = 'own_level_funds') as own_level_funds,
        sum(amount_wan_yuan) filter (where line_code = 'transfer_funds') as transfer_funds,
        sum(amount_wan_yuan) filter (where line_code = 'total') as unit_total,
        count(*) filter (where line_code = 'own_level_funds') as n_own_level_lines,
        string_agg(line_label, '、' order by line_label) filter (where amount_wan_yuan is null) as blank_lines

    from budget_lines
    group by document_sha256

)

select * from final
