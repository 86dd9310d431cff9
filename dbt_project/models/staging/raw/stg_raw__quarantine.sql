with

source as (

    select * from {{ source('raw', 'quarantine') }}

),

renamed as (

    select
        source_path,
        document_sha256,
        error_type,
        message as error_message

    from source

)

select * from renamed
