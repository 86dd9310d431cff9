with

source as (

    select * from {{ source('raw', 'execution_lines') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        label as execution_line_label,
        cast(initial_budget as decimal(20, 4)) as initial_budget_wan_yuan,
        cast(annual_budget as decimal(20, 4)) as annual_budget_wan_yuan,
        cast(executed as decimal(20, 4)) as executed_wan_yuan,
        cast(weight as decimal(20, 4)) as weight,
        cast(execution_rate_percent as decimal(20, 4)) as execution_rate_percent,
        cast(score as decimal(20, 4)) as score,
        page,
        row as table_row

    from source

)

select * from renamed
