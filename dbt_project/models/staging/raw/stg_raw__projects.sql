with

source as (

    select * from {{ source('raw', 'projects') }}

),

renamed as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        document_sha256,
        line_number,
        name as project_name,
        unit as fund_user,
        cast(total as decimal(20, 4)) as total_wan_yuan,
        cast(fiscal as decimal(20, 4)) as fiscal_wan_yuan,
        cast(special_account as decimal(20, 4)) as special_account_wan_yuan,
        cast(other as decimal(20, 4)) as other_wan_yuan,
        goal as performance_goal,
        pages[1] as page,
        array_to_string(pages, ',') as pages,
        row as table_row

    from source

)

select * from renamed
