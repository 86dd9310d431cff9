"""The night's verdict on reconciliation: the error-level failures of current documents, from the
stages' results; and the error that stops reconciliation when the suites themselves fail. Light to
import: `jixiao run` reads the verdict without the checkpoints' modules."""

from __future__ import annotations

from typing import Any


class ReconciliationError(RuntimeError):
    """The suite itself failed (rows of an unknown check, duplicate ids, a check that gave no
    verdict and has no row to fail): nothing can be trusted, nothing is published."""


def verdict(*stages: dict[str, Any]) -> list[str]:
    """After publishing: the error-level failures of current documents, from the stages' results
    (their tasks' return values): a document's own failures, and the documents held back for a
    check across documents; empty when every current document was accepted. Each message once."""
    if not stages or stages[0].get("stage") != "documents":
        raise ReconciliationError(f"verdict needs the documents stage's result, got {stages!r:.200}")
    messages = [item["message"] for stage in stages for item in stage.get("rejected", []) if item["current"]]
    return list(dict.fromkeys(messages))
