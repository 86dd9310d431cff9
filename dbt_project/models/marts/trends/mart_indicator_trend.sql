-- One row per department × indicator × year: the annual target, the actual a self-evaluation
-- states for that year, whether the target was met, and the change from the year before.

with

targets as (

    -- A department is its code; an unknown one is its printed name.
    select
        *,
        coalesce(department_code, 'unknown:' || department_name_printed) as department_key
    from {{ ref('fct_indicator_target') }}

),

actuals as (

    select
        *,
        coalesce(department_code, 'unknown:' || department_name_printed) as department_key
    from {{ ref('fct_indicator_actual') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

annual_targets as (

    -- The form's own 年度指标值 first, then a key task's goal, then a project's indicator.
    select
        *,
        row_number() over (
            partition by department_key, indicator_key, fiscal_year
            order by
                case target_source when 'form_indicator' then 1 when 'key_task' then 2 else 3 end,
                document_sha256,
                source_line,
                part_number
        ) as preference

    from targets
    where target_period = 'annual'

),

chosen_targets as (

    select * from annual_targets
    where preference = 1

),

chosen_actuals as (

    select
        *,
        row_number() over (
            partition by department_key, indicator_key, fiscal_year
            order by document_sha256, actual_id
        ) as preference

    from actuals

),

keys as (

    select
        department_key,
        department_code,
        indicator_key,
        fiscal_year
    from chosen_targets
    union
    select
        department_key,
        department_code,
        indicator_key,
        fiscal_year
    from chosen_actuals
    where preference = 1

),

joined as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        keys.department_key,
        keys.department_code,
        coalesce(chosen_targets.department_name_printed, chosen_actuals.department_name_printed)
            as department_name_printed,
        keys.indicator_key,
        indicators.indicator_code,
        indicators.indicator_name_zh,
        keys.fiscal_year,
        chosen_targets.target_kind,
        chosen_targets.comparator as target_comparator,
        chosen_targets.target_value,
        chosen_targets.target_value_high,
        chosen_targets.target_unit,
        chosen_targets.target_base_value,
        chosen_targets.target_base_unit,
        chosen_targets.part_text as target_text,
        chosen_targets.target_source,
        chosen_actuals.actual_value,
        chosen_actuals.actual_unit,
        chosen_actuals.actual_base_value,
        chosen_actuals.actual_qualifier,
        coalesce(chosen_actuals.is_lower_bound, false) as actual_is_lower_bound,
        chosen_actuals.source_text as actual_text

    from keys
    inner join indicators
        on keys.indicator_key = indicators.indicator_key
    left join chosen_targets
        on keys.indicator_key = chosen_targets.indicator_key
        and keys.fiscal_year = chosen_targets.fiscal_year
        and keys.department_key = chosen_targets.department_key
    left join chosen_actuals
        on keys.indicator_key = chosen_actuals.indicator_key
        and keys.fiscal_year = chosen_actuals.fiscal_year
        and keys.department_key = chosen_actuals.department_key
        and chosen_actuals.preference = 1

),

attainment as (

    select
        *,
        {{ target_attainment(
            'target_kind', 'target_comparator', 'target_base_value', 'target_value_high',
            'actual_base_value', 'actual_is_lower_bound'
        ) }} as attainment

    from joined

),

final as (

    select
        *,
        target_base_value - lag(target_base_value) over (
            partition by department_key, indicator_key order by fiscal_year
        ) as target_change_from_previous_year,
        actual_base_value - lag(actual_base_value) over (
            partition by department_key, indicator_key order by fiscal_year
        ) as actual_change_from_previous_year

    from attainment

)

select * from final
