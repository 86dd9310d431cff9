with

source as (

    select * from {{ source('raw', 'budget_lines') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        section as budget_section,
        label as budget_line_label,
        cast(amount_wan_yuan as decimal(20, 4)) as amount_wan_yuan,
        amount_text,
        page,
        row as table_row

    from source

)

select * from renamed
