with

source as (

    select * from {{ source('raw', 'project_indicators') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        project_line_number,
        item_number,
        level1 as indicator_level1,
        indicator_name,
        annual_target,
        source_text,
        page,
        table_row,

    from source

)

select * from renamed
