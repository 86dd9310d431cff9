with

source as (

    select * from {{ source('raw', 'target_parts') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        source as target_source,
        source_line,
        period as target_period,
        wording as indicator_wording,
        part_number,
        kind as target_kind,
        comparator,
        cast(value as decimal(20, 4)) as target_value,
        cast(value_high as decimal(20, 4)) as target_value_high,
        unit as target_unit,
        cast(base_value as decimal(24, 4)) as target_base_value,
        base_unit as target_base_unit,
        part_text,
        raw_text as target_text,
        page,
        row as table_row

    from source

)

select * from renamed
