with

source as (

    select * from {{ source('raw', 'facts') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        label as fact_label,
        cast(value as decimal(20, 4)) as fact_value,
        value_text as fact_value_text,
        unit as fact_unit,
        cast(base_value as decimal(24, 4)) as fact_base_value,
        base_unit as fact_base_unit,
        qualifier as fact_qualifier,
        source_text,
        page,
        table_row,

    from source

)

select * from renamed
