with

source as (

    select * from {{ source('gate', 'document_rejections') }}

),

renamed as (

    select distinct
        document_sha256,

    from source

)

select * from renamed
