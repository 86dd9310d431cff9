-- 高企 per department and year: the count (总数) target and actual side by side, and the year's
-- 认定数 / 申报数量 / 净增 targets as measures of their own.

with

trend as (

    select * from {{ ref('mart_indicator_trend') }}

),

departments as (

    select * from {{ ref('dim_department') }}

),

high_tech as (

    select * from trend
    where
        indicator_code in (
            'high_tech_enterprise_count',
            'high_tech_enterprise_certified',
            'high_tech_enterprise_applications',
            'high_tech_enterprise_net_increase'
        )

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        high_tech.department_key,
        high_tech.department_code,
        coalesce(departments.division_name_zh, high_tech.department_name_printed) as department_label,
        high_tech.fiscal_year,
        high_tech.indicator_code as measure_code,
        high_tech.indicator_name_zh as measure_name_zh,
        high_tech.target_comparator,
        high_tech.target_value,
        high_tech.target_text,
        high_tech.actual_value,
        high_tech.actual_qualifier,
        high_tech.actual_is_lower_bound,
        high_tech.actual_text,
        high_tech.attainment,
        high_tech.actual_change_from_previous_year

    from high_tech
    left join departments
        on high_tech.department_code = departments.department_code

)

select * from final
