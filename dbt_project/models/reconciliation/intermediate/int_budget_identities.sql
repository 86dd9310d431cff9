-- One row per document and budget identity (the seed budget_identities): each side's sum of the
-- lines it adds, as the document prints them, and each side's label, its lines' labels joined
-- by +. A side is null where the document prints none of its lines; a blank amount adds nothing
-- (int_budget_totals lists it in blank_lines, and the checks are not applicable then).

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

budget_lines as (

    select * from {{ ref('int_budget_lines_named') }}

),

identities as (

    select * from {{ ref('budget_identities') }}

),

line_names as (

    select * from {{ ref('budget_lines') }}

),

terms as (

    select
        identities.identity_code,
        identities.check_id,
        identities.side,
        identities.term_number,
        identities.line_code,
        line_names.label

    from identities
    inner join line_names
        on identities.line_code = line_names.line_code

),

labels as (

    select
        identity_code,
        check_id,
        string_agg(label, '+' order by term_number) filter (where side = 'observed') as observed_label,
        string_agg(label, '+' order by term_number) filter (where side = 'expected') as expected_label

    from terms
    group by identity_code, check_id

),

sides as (

    select
        documents.document_sha256,
        terms.identity_code,
        sum(budget_lines.amount_wan_yuan) filter (where terms.side = 'observed') as observed,
        sum(budget_lines.amount_wan_yuan) filter (where terms.side = 'expected') as expected

    from documents
    cross join terms
    left join budget_lines
        on documents.document_sha256 = budget_lines.document_sha256
        and terms.line_code = budget_lines.line_code
    group by documents.document_sha256, terms.identity_code

),

final as (

    select
        sides.document_sha256,
        sides.identity_code,
        labels.check_id,
        sides.observed,
        sides.expected,
        labels.observed_label,
        labels.expected_label

    from sides
    inner join labels
        on sides.identity_code = labels.identity_code

)

select * from final
