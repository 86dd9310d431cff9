with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

bounds as (

    select
        min(fiscal_year) as first_year,
        max(fiscal_year) as last_year
    from documents

),

years as (

    select unnest(range(first_year, last_year + 1)) as fiscal_year from bounds

),

final as (

    select
        cast(fiscal_year as integer) as fiscal_year,
        cast(fiscal_year as varchar) || '年' as fiscal_year_label

    from years

)

select * from final
