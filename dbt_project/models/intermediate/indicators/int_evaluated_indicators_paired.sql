-- Each indicator a self-evaluation table scores, with its target parsed (the first part of
-- stg_raw__target_parts of source evaluation_indicator on its line: comparator, value, unit, the
-- value in the base unit) and its actual in the same unit: the unit printed after the actual's
-- number, else the target's. An actual in the target's unit takes the target's factor to the base
-- unit (亿元 → 万元); one printed in another unit gets no base value rather than a guessed one.

with

evaluated as (

    select * from {{ ref('stg_raw__evaluated_indicators') }}

),

targets as (

    select * from {{ ref('stg_raw__target_parts') }}
    where target_source = 'evaluation_indicator'

),

first_parts as (

    select
        *,
        count(*) over (partition by document_sha256, source_line) as n_target_parts
    from targets
    qualify row_number() over (partition by document_sha256, source_line order by part_number) = 1

),

paired as (

    select
        evaluated.*,
        first_parts.indicator_wording as target_wording,
        first_parts.target_kind,
        first_parts.comparator,
        first_parts.target_value,
        first_parts.target_value_high,
        first_parts.target_unit,
        first_parts.target_base_value,
        first_parts.target_base_unit,
        first_parts.part_text as target_part_text,
        coalesce(first_parts.n_target_parts, 0) as n_target_parts,
        nullif(
            trim(regexp_extract(evaluated.actual_text, '^\s*[0-9][0-9,]*(?:\.[0-9]+)?\s*(.*)$', 1)), ''
        ) as actual_unit_printed,
        -- The target's own factor to its base unit: 10000 for 亿元 → 万元, 1 for a unit that is its base.
        case
            when first_parts.target_value <> 0
                then cast(first_parts.target_base_value / first_parts.target_value as decimal(24, 8))
            when coalesce(first_parts.target_base_unit, '') = coalesce(first_parts.target_unit, '') then 1
        end as base_factor

    from evaluated
    left join first_parts
        on evaluated.document_sha256 = first_parts.document_sha256
        and evaluated.line_number = first_parts.source_line

),

final as (

    -- The columns in the order this model publishes them; ST06 would reorder them.
    select  -- noqa: ST06
        document_sha256,
        line_number,
        indicator_level1,
        indicator_level2,
        indicator_name,
        coalesce(target_wording, indicator_name) as indicator_wording,
        target_text,
        target_nature,
        target_unit_printed,
        n_target_parts,
        target_kind,
        comparator,
        target_value,
        target_value_high,
        target_unit,
        target_base_value,
        target_base_unit,
        target_part_text,
        actual_text,
        actual_value,
        coalesce(actual_unit_printed, target_unit) as actual_unit,
        case
            when actual_unit_printed is null or actual_unit_printed = target_unit
                then cast(actual_value * base_factor as decimal(24, 4))
        end as actual_base_value,
        case
            when actual_unit_printed is null or actual_unit_printed = target_unit
                then coalesce(target_base_unit, target_unit)
            else actual_unit_printed
        end as actual_base_unit,
        weight,
        score,
        deviation_analysis,
        page,
        table_row

    from paired

)

select * from final
