-- One row per department × indicator × year: the annual target, the actual that year, whether the
-- target was met, and the change from the year before. Where a self-evaluation table of the
-- department and year states the indicator, target and actual are that table's row, side by side
-- as the office scored them; otherwise the target a form, key task or project table states and
-- the actual a self-evaluation report states. pair_source says which.

with

targets as (

    -- A department is its code; an unknown one is its printed name.
    select
        *,
        coalesce(department_code, 'unknown:' || department_name_printed) as department_key
    from {{ ref('fct_indicator_target') }}
    where target_source in ('form_indicator', 'key_task', 'project_indicator')

),

actuals as (

    select
        *,
        coalesce(department_code, 'unknown:' || department_name_printed) as department_key
    from {{ ref('fct_indicator_actual') }}
    where actual_source = 'self_evaluation_report'

),

evaluations as (

    select
        *,
        coalesce(department_code, 'unknown:' || department_name_printed) as department_key
    from {{ ref('fct_indicator_evaluation') }}

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

-- The department's own table (部门整体) first, then its projects' tables.
table_pairs as (

    select
        department_key,
        department_code,
        department_name_printed,
        indicator_key,
        fiscal_year,
        target_kind,
        comparator as target_comparator,
        target_value,
        target_value_high,
        target_unit,
        target_base_value,
        target_base_unit,
        coalesce(target_part_text, target_text) as target_text,
        'evaluation_indicator' as target_source,
        actual_value,
        actual_unit,
        actual_base_value,
        cast(null as varchar) as actual_qualifier,
        false as actual_is_lower_bound,
        actual_text,
        'self_evaluation_table' as pair_source,
        source_path as pair_source_path

    from evaluations
    qualify
        row_number() over (
            partition by department_key, indicator_key, fiscal_year
            order by doc_type = 'dept_self_evaluation_table' desc, source_path asc, evaluation_id asc
        ) = 1

),

separate_pairs as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        keys.department_key,
        keys.department_code,
        coalesce(chosen_targets.department_name_printed, chosen_actuals.department_name_printed)
            as department_name_printed,
        keys.indicator_key,
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
        chosen_actuals.source_text as actual_text,
        'targets_and_report' as pair_source,
        cast(null as varchar) as pair_source_path

    from keys
    left join chosen_targets
        on keys.indicator_key = chosen_targets.indicator_key
        and keys.fiscal_year = chosen_targets.fiscal_year
        and keys.department_key = chosen_targets.department_key
    left join chosen_actuals
        on keys.indicator_key = chosen_actuals.indicator_key
        and keys.fiscal_year = chosen_actuals.fiscal_year
        and keys.department_key = chosen_actuals.department_key
        and chosen_actuals.preference = 1
    anti join table_pairs
        on keys.department_key = table_pairs.department_key
        and keys.indicator_key = table_pairs.indicator_key
        and keys.fiscal_year = table_pairs.fiscal_year

),

pairs as (

    select * from table_pairs
    union all by name
    select * from separate_pairs

),

joined as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        pairs.department_key,
        pairs.department_code,
        pairs.department_name_printed,
        pairs.indicator_key,
        indicators.indicator_code,
        indicators.indicator_name_zh,
        pairs.fiscal_year,
        pairs.target_kind,
        pairs.target_comparator,
        pairs.target_value,
        pairs.target_value_high,
        pairs.target_unit,
        pairs.target_base_value,
        pairs.target_base_unit,
        pairs.target_text,
        pairs.target_source,
        pairs.actual_value,
        pairs.actual_unit,
        pairs.actual_base_value,
        pairs.actual_qualifier,
        pairs.actual_is_lower_bound,
        pairs.actual_text,
        pairs.pair_source,
        pairs.pair_source_path

    from pairs
    inner join indicators
        on pairs.indicator_key = indicators.indicator_key

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

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        * exclude (pair_source, pair_source_path),
        target_base_value - lag(target_base_value) over (
            partition by department_key, indicator_key order by fiscal_year
        ) as target_change_from_previous_year,
        actual_base_value - lag(actual_base_value) over (
            partition by department_key, indicator_key order by fiscal_year
        ) as actual_change_from_previous_year,
        pair_source,
        pair_source_path

    from attainment

)

select * from final
