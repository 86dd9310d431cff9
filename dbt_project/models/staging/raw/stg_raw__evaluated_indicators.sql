with

source as (

    select * from {{ source('raw', 'evaluated_indicators') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        level1 as indicator_level1,
        level2 as indicator_level2,
        name as indicator_name,
        target as target_text,
        target_nature,
        target_unit as target_unit_printed,
        actual as actual_text,
        cast(actual_value as decimal(20, 4)) as actual_value,
        cast(weight as decimal(20, 4)) as weight,
        cast(score as decimal(20, 4)) as score,
        deviation as deviation_analysis,
        page,
        row as table_row

    from source

)

select * from renamed
