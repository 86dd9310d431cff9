with

source as (

    select * from {{ source('raw', 'quarantine') }}

),

renamed as (

    select
        source_path,
        error_type,
        message as error_message,
        quarantined_at,

    from source

)

select * from renamed
