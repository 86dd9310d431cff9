-- Checks 6a, 6b and 6d, which every document gets whatever its type: a year, every indicator wording
-- mapped to the catalog or listed, a department the seed knows. Every landed version, current or
-- superseded; unioned into audit_document_checks. An incremental build reads only the changed
-- versions' wordings: their distinct list over every version was most of the model's time.

with

documents as (

    select * from {{ ref('stg_raw__documents') }}
    {{ changed_documents_only('document_sha256') }}

),

target_parts as (

    select * from {{ ref('stg_raw__target_parts') }}
    {{ changed_documents_only('document_sha256') }}

),

facts as (

    select * from {{ ref('stg_raw__facts') }}
    {{ changed_documents_only('document_sha256') }}

),

wordings as (

    select * from {{ ref('int_indicator_wordings') }}

),

unmapped_listed as (

    select * from {{ ref('audit_unmapped_indicator_wordings') }}

),

checked_documents as (

    select
        *,
        document_sha256 as document_sha256s,
        source_path as source_paths

    from documents

),

document_wordings as (

    select distinct
        document_sha256,
        indicator_wording as wording
    from target_parts
    union
    select distinct
        document_sha256,
        fact_label as wording
    from facts

),

wording_coverage as (

    select
        checked_documents.*,
        count(document_wordings.wording) filter (
            where wordings.indicator_code is null and unmapped_listed.wording is null
        ) as n_unaccounted,
        count(document_wordings.wording) filter (where unmapped_listed.wording is not null) as n_listed

    from checked_documents
    left join document_wordings
        on checked_documents.document_sha256 = document_wordings.document_sha256
    left join wordings
        on document_wordings.wording = wordings.wording
    left join unmapped_listed
        on document_wordings.wording = unmapped_listed.wording
    group by all

),

final as (

    -- 6a. Every document has a plausible year: budget-performance disclosure began in the 1990s at
    --     the earliest, and a form is published at most the year before its fiscal year. (A
    --     missing year never lands: raw.documents requires one, and so does a test on staging.)
    select
        {{ reconciliation_row(
            check_id='year_known',
            observed_label="'fiscal year outside 1990 … next year'",
            observed='cast(fiscal_year is null
                or fiscal_year not between 1990 and year(current_date) + 1 as integer)',
            expected_label="'none'",
            expected=0,
            applicable='true',
            detail="'fiscal year ' || coalesce(cast(fiscal_year as varchar), 'missing')",
        ) }}
    from checked_documents

    union all by name

    -- 6d. The department is one the seed knows; an unknown one lands under its printed name.
    select
        {{ reconciliation_row(
            check_id='department_known',
            observed_label="'department not in the seed'",
            observed='cast(department_code is null as integer)',
            expected_label="'none'",
            expected=0,
            applicable='true',
            detail="case when department_code is null
                then 'department ' || department_name || ' is in no row of seeds/departments.csv:'
                    || ' landed under its printed name, listed in audit_unmatched_departments' end",
        ) }}
    from checked_documents

    union all by name

    -- 6b. Every wording is mapped to the indicator catalog or listed in audit_unmapped_indicator_wordings.
    select
        {{ reconciliation_row(
            check_id='wordings_mapped',
            observed_label="'wordings neither mapped nor listed'",
            observed='n_unaccounted',
            expected_label="'none'",
            expected=0,
            applicable='true',
            detail="cast(n_listed as varchar)
                || ' unmapped wordings listed in audit_unmapped_indicator_wordings'",
        ) }}
    from wording_coverage

)

select * from final
{{ changed_documents_only('document_sha256s') }}
