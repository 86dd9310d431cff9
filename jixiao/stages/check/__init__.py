"""Reconciliation: Great Expectations judges the rows dbt's reconciliation models compute.

Two checkpoints per transform run, both on the build being made (never the served warehouse):

- `documents`, after the staging models: checks within one document. A document failing an
  error-level check is rejected: written to `reconciliation.document_rejections`, so the marts
  fall back on its earlier accepted version (if any) while everything else is published.
- `warehouse`, before the marts: checks across the serving documents of a bureau and year. The
  documents of a bureau and year that disagree are held back the same way (its earlier accepted
  versions serve); everything else is published. Only what holding back cannot resolve, and a
  suite that does not match its rows, block publication.

The gate fails closed: an expectation that raises, or fails without naming a row, fails every
applicable row of its check at error level, the exception in the row's detail. Modules:
`run` runs a stage, `checkpoint` is GE, `results` the results and their messages, `verdict` the
night's verdict.
"""

from jixiao.stages.check.verdict import ReconciliationError, verdict

__all__ = ["ReconciliationError", "verdict"]
