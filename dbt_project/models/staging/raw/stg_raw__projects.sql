with

source as (

    select * from {{ source('raw', 'projects') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        project_name,
        fund_user,
        cast(total_wan_yuan as decimal(20, 4)) as total_wan_yuan,
        cast(fiscal_wan_yuan as decimal(20, 4)) as fiscal_wan_yuan,
        cast(special_account_wan_yuan as decimal(20, 4)) as special_account_wan_yuan,
        cast(other_wan_yuan as decimal(20, 4)) as other_wan_yuan,
        goal as performance_goal,
        page,
        pages,
        table_row,

    from source

)

select * from renamed
