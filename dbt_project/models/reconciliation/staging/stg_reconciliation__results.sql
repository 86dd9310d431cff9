with

source as (

    select * from {{ source('reconciliation', 'results') }}

),

renamed as (

    select
        run_id,
        checked_at,
        stage,
        check_id,
        check_number,
        check_label,
        severity,
        department_code,
        fiscal_year,
        documents as source_paths,
        document_sha256s,
        subject,
        observed_label,
        observed,
        expected_label,
        expected,
        difference,
        tolerance,
        outcome,
        passed,
        detail,
        check_row_id

    from source

)

select * from renamed
