with

source as (

    select * from {{ source('raw', 'unread_statements') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        text as statement_text,
        reason as unread_reason,
        page

    from source

)

select * from renamed
