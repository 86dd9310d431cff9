with

source as (

    select * from {{ source('raw', 'evaluations') }}

),

renamed as (

    select
        document_sha256,
        line_number,
        project as project_name,
        supervising_unit,
        implementing_unit,
        goal_expected,
        goal_achieved,
        cast(total_weight as decimal(20, 4)) as total_weight,
        cast(total_score as decimal(20, 4)) as total_score,
        page,
        row as table_row

    from source

)

select * from renamed
