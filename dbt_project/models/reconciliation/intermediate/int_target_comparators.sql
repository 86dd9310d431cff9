-- One row per document whose form indicators state both targets: each indicator part's
-- implementation-period target (实施周期指标值) against its annual one (年度指标值), by comparator.

with

target_parts as (

    select * from {{ ref('stg_raw__target_parts') }}

),

final as (

    select
        period_part.document_sha256,
        count(*) as n_pairs,
        count(*) filter (
            where period_part.comparator is distinct from annual_part.comparator
        ) as n_disagreeing,
        string_agg(
            case
                when period_part.comparator is distinct from annual_part.comparator
                    then period_part.part_text || ' / ' || annual_part.part_text
            end,
            '; '
        ) as disagreeing

    from target_parts as period_part
    inner join target_parts as annual_part
        on period_part.document_sha256 = annual_part.document_sha256
        and period_part.target_source = annual_part.target_source
        and period_part.source_line = annual_part.source_line
        and period_part.part_number = annual_part.part_number
    where period_part.target_source = 'form_indicator'
        and period_part.target_period = 'implementation'
        and annual_part.target_period = 'annual'
    group by period_part.document_sha256

)

select * from final
