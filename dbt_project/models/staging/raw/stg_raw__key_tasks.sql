with

source as (

    select * from {{ source('raw', 'key_tasks') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        task_name,
        content as task_content,
        cast(funds_wan_yuan as decimal(20, 4)) as funds_wan_yuan,
        goal as expected_goal,
        page,
        pages,
        table_row,

    from source

)

select * from renamed
