-- Each budget line with the line it is (line_code), by the seed budget_lines: in its section, its
-- label with whitespace removed is the seed's label, or ends with it where the seed says suffix
-- (市本级使用资金, 区本级使用资金). A label the seed does not name keeps a null line_code.

with

budget_lines as (

    select
        document_sha256,
        line_number,
        budget_section,
        amount_wan_yuan,
        regexp_replace(budget_line_label, '\s', '', 'g') as line_label
    from {{ ref('stg_raw__budget_lines') }}

),

line_names as (

    select * from {{ ref('budget_lines') }}

),

final as (

    select
        budget_lines.*,
        line_names.line_code

    from budget_lines
    left join line_names
        on budget_lines.budget_section = line_names.section
        and (
            budget_lines.line_label = line_names.label
            or (line_names.label_match = 'suffix' and suffix(budget_lines.line_label, line_names.label))
        )

)

select * from final
