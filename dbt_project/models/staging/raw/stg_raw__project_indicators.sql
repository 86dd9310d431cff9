with

source as (

    select * from {{ source('raw', 'project_indicators') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        project_line_number,
        number as item_number,
        level1 as indicator_level1,
        name as indicator_name,
        annual_target,
        text as source_text

    from source

)

select * from renamed
