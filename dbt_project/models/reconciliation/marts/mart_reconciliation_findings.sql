-- What the documents' figures disagree on, as this publication's checks found it: one row per
-- failed or warned check and subject, with both sides, the gap, whether the documents were kept
-- out of the marts, and since when the same disagreement has been found.

with

-- Read where it is used, never copied whole: the results of every run grow by a night's checks
-- each night, and DuckDB materialises a CTE used three times. Materialised, this model took 150
-- MB more after 20 nights of 1,000 documents (the night's largest peak); read in place, 30.
results as not materialized (

    select * from {{ ref('stg_reconciliation__results') }}

),

rejections as (

    select * from {{ source('reconciliation', 'document_rejections') }}

),

latest_run as (

    select max_by(run_id, checked_at) as run_id
    from results

),

this_run as (

    select results.*
    from results
    inner join latest_run
        on results.run_id = latest_run.run_id
    where results.outcome in ('failed', 'warned')

),

first_found as (

    select
        check_row_id,
        min(checked_at) as first_found_at,
        count(distinct run_id) as n_runs_found

    from results
    where outcome in ('failed', 'warned')
    group by check_row_id

),

held_back as (

    select
        this_run.check_row_id,
        string_agg(distinct rejections.source_path, '; ' order by rejections.source_path)
            as held_back_documents

    from this_run
    inner join rejections
        on list_contains(string_split(this_run.document_sha256s, ','), rejections.document_sha256)
    group by this_run.check_row_id

),

final as (

    select
        this_run.check_row_id as finding_id,
        this_run.run_id,
        this_run.checked_at,
        this_run.stage,
        this_run.check_number,
        this_run.check_id,
        this_run.check_label,
        this_run.severity,
        this_run.outcome,
        this_run.department_code,
        this_run.fiscal_year,
        this_run.source_paths,
        this_run.subject,
        this_run.observed_label,
        this_run.observed,
        this_run.expected_label,
        this_run.expected,
        this_run.difference,
        this_run.tolerance,
        this_run.detail,
        held_back.held_back_documents,
        first_found.first_found_at,
        first_found.n_runs_found,
        held_back.held_back_documents is not null as is_held_back

    from this_run
    left join held_back
        on this_run.check_row_id = held_back.check_row_id
    left join first_found
        on this_run.check_row_id = first_found.check_row_id

)

select * from final
