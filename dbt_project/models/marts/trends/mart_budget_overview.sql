-- Budget per department and year in one long table: the budget lines as printed, project
-- spending by funding source, and project spending by the district that uses the funds.

with

budget_lines as (

    select * from {{ ref('fct_budget_line') }}

),

projects as (

    select * from {{ ref('fct_project_expenditure') }}

),

departments as (

    select * from {{ ref('dim_department') }}

),

line_names as (

    select * from {{ ref('budget_lines') }}

),

lines as (

    select
        department_code,
        department_name_printed,
        fiscal_year,
        case doc_type when 'dept_target_form' then 'budget_line' else 'project_table_total' end
            as measure_group,
        budget_line_label as measure,
        amount_wan_yuan,
        document_sha256

    from budget_lines

),

by_funding_source as (

    select
        projects.department_code,
        projects.department_name_printed,
        projects.fiscal_year,
        'project_funding_source' as measure_group,
        line_names.label as measure,
        sum(funding.amount) as amount_wan_yuan,
        projects.document_sha256

    from projects
    cross join
        lateral (
            values
            ('fiscal', projects.fiscal_wan_yuan),
            ('special_account', projects.special_account_wan_yuan),
            ('other', projects.other_wan_yuan)
        ) as funding (line_code, amount)
    -- the column's label as printed (财政拨款 …), by the seed budget_lines
    inner join line_names
        on funding.line_code = line_names.line_code
    group by all
    having sum(funding.amount) is not null

),

by_fund_user as (

    select
        department_code,
        department_name_printed,
        fiscal_year,
        'project_fund_user' as measure_group,
        coalesce(fund_user, '本级') as measure,
        sum(total_wan_yuan) as amount_wan_yuan,
        document_sha256

    from projects
    group by all

),

unioned as (

    select * from lines
    union all
    select * from by_funding_source
    union all
    select * from by_fund_user

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        unioned.department_code,
        coalesce(departments.department_name_zh, unioned.department_name_printed) as department_name_zh,
        unioned.department_name_printed,
        unioned.fiscal_year,
        unioned.measure_group,
        unioned.measure,
        cast(unioned.amount_wan_yuan as decimal(20, 4)) as amount_wan_yuan,
        unioned.document_sha256

    from unioned
    left join departments
        on unioned.department_code = departments.department_code

)

select * from final
