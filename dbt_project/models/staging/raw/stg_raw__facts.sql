with

source as (

    select * from {{ source('raw', 'facts') }}

),

renamed as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        document_sha256,
        line_number,
        label as fact_label,
        -- A figure or a word (等级为优), kept as printed: the figures cast back exactly. Plain
        -- digits are read as DECIMAL(18, 4) first, which DuckDB holds in a 64-bit integer and reads
        -- from text many times faster than a wider DECIMAL; the wider read only where the first
        -- leaves null (a word, or a figure of more digits), so every value is what the wider read
        -- alone gives. Not a figure with an exponent: the narrow read can cut its digits short.
        cast(
            coalesce(
                case when not contains(lower(value), 'e') then try_cast(value as decimal(18, 4)) end,
                try_cast(value as decimal(20, 4))
            ) as decimal(20, 4)
        ) as fact_value,
        value as fact_value_text,
        unit as fact_unit,
        cast(base_value as decimal(24, 4)) as fact_base_value,
        base_unit as fact_base_unit,
        qualifier as fact_qualifier,
        text as source_text,
        page,
        row as table_row

    from source

)

select * from renamed
