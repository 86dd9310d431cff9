"""Reconciliation's Great Expectations suites, as code.

`checks` names every check with its severity; `suites` turns them into the two suites the nightly
transform validates: `document_checks` (within one document, after landing) and
`warehouse_checks` (across documents, after dbt).
"""
