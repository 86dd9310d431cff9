with

source as (

    select * from {{ source('raw', 'indicators') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        level1 as indicator_level1,
        level2 as indicator_level2,
        name as indicator_name,
        period_target,
        annual_target,
        page,
        row as table_row

    from source

)

select * from renamed
