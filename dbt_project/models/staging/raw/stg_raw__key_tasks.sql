with

source as (

    select * from {{ source('raw', 'key_tasks') }}

),

renamed as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        document_sha256,
        line_number,
        name as task_name,
        content as task_content,
        cast(funds_wan_yuan as decimal(20, 4)) as funds_wan_yuan,
        goal as expected_goal,
        pages[1] as page,
        array_to_string(pages, ',') as pages,
        row as table_row

    from source

)

select * from renamed
