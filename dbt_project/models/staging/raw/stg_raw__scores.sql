with

source as (

    select * from {{ source('raw', 'scores') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        level1 as score_level1,
        level2 as score_level2,
        cast(score as decimal(20, 4)) as score,
        cast(subtotal as decimal(20, 4)) as subtotal,
        page,
        row as table_row

    from source

)

select * from renamed
