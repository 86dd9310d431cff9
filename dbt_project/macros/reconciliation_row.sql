{#
    The columns every reconciliation row has, in one order, so the checks can be unioned and the
    checkpoints read one shape. `documents` is the CTE alias holding document_sha256s and source_paths.
    Amounts stay DECIMAL: difference = observed - expected, exact.
#}
{% macro reconciliation_row(check_id, subject, observed_label, observed, expected_label, expected, tolerance, applicable, detail='null') %}
        md5(concat_ws('|', '{{ check_id }}', document_sha256s, coalesce(cast({{ subject }} as varchar), ''))) as check_row_id,
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
        cast(case when {{ applicable }} then ({{ observed }}) - ({{ expected }}) end as decimal(38, 4)) as difference,
        cast({{ tolerance }} as decimal(38, 4)) as tolerance,
        coalesce({{ applicable }}, false) as applicable,
        cast({{ detail }} as varchar) as detail
{% endmacro %}
