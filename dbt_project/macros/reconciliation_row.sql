{#
    The columns every reconciliation row has, in one order, so the checks can be unioned and the
    checkpoints read one shape. The selecting relation has the columns document_sha256s,
    source_paths, department_code and fiscal_year. Amounts stay DECIMAL: difference = observed -
    expected, exact. Called with keyword arguments; each argument is a SQL expression. Left out,
    subject is null (the whole document), tolerance 0 (exact) and detail null.
#}
{% macro reconciliation_row(
    check_id, observed_label, observed, expected_label, expected, applicable,
    subject='null', tolerance=0, detail='null'
) %}
        md5(concat_ws('|', '{{ check_id }}', document_sha256s, coalesce(cast({{ subject }} as varchar), '')))
            as check_row_id,
        '{{ check_id }}' as check_id,
        document_sha256s,
        source_paths,
        department_code,
        fiscal_year,
        cast({{ subject }} as varchar) as subject,
        cast({{ observed_label }} as varchar) as observed_label,
        cast(case when {{ applicable }} then {{ observed }} end as decimal(38, 4)) as observed,
        cast({{ expected_label }} as varchar) as expected_label,
        cast(case when {{ applicable }} then {{ expected }} end as decimal(38, 4)) as expected,
        cast(case when {{ applicable }} then ({{ observed }}) - ({{ expected }}) end as decimal(38, 4))
            as difference,
        cast({{ tolerance }} as decimal(38, 4)) as tolerance,
        coalesce({{ applicable }}, false) as applicable,
        cast({{ detail }} as varchar) as detail
{% endmacro %}
