with

departments as (

    select * from {{ ref('departments') }}

),

final as (

    select
        department_code,
        department_name_zh,
        aliases,
        division_code,
        division_name_zh,
        level as department_level,
        nullif(parent_department_code, '') as parent_department_code

    from departments

)

select * from final
