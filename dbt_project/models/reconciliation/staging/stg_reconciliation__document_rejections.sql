with

source as (

    select * from {{ source('reconciliation', 'document_rejections') }}

),

renamed as (

    select distinct document_sha256

    from source

)

select * from renamed
