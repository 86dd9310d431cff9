"""What a warehouse build is made of, as one fingerprint: a night whose inputs equal those of the
served publication has nothing to rebuild, re-check or re-publish.

The inputs: every ledger entry that reaches the raw schema (each landed version with its name and
status, each quarantined file with its reason), the parser version, every file of the dbt project
(models, seeds, macros, tests, configuration) and the reconciliation suites (`expectations/`).
Anything else that changes the marts goes through one of these.
"""

from __future__ import annotations

import hashlib

from jixiao.airflow.dbt_manifest import project_hash
from jixiao.runtime.ledger import Ledger
from jixiao.runtime.settings import Settings
from jixiao.runtime.state import read_state, write_state

PUBLISHED_FILE = "published.json"  # in the state folder: the served publication's inputs and verdict


def fingerprint(settings: Settings, ledger: Ledger) -> str:
    """sha256 over the inputs of a build made now from the ledger and the zone."""
    # Here, not at the top: `jixiao run` reads the served publication's record from this module
    # without importing the parsers.
    from ingest.document import PARSER_VERSION

    digest = hashlib.sha256()

    def add(*parts: object) -> None:
        digest.update(("\x1f".join("" if part is None else str(part) for part in parts) + "\x1e").encode())

    add("parser", PARSER_VERSION)
    for sha, entry in sorted(ledger.entries().items()):
        add("ledger", sha, entry.source_path, entry.status, entry.superseded_by, entry.version_key)
    for row in ledger.quarantined():
        add("quarantine", *row)
    add("dbt project", project_hash(settings.dbt_project_dir))
    for path in sorted((settings.project_root / "expectations").glob("*.py")):
        add("suite", path.name, hashlib.sha256(path.read_bytes()).hexdigest())
    return digest.hexdigest()


def published(settings: Settings) -> dict[str, object] | None:
    """The served publication's record (`record_publication`), or None when nothing is served."""
    record = read_state(settings, PUBLISHED_FILE)
    return record if record and settings.warehouse.exists() else None


def record_publication(settings: Settings, record: dict[str, object]) -> None:
    write_state(settings, PUBLISHED_FILE, record)


def served_documents_stage(settings: Settings) -> dict[str, object]:
    """The documents stage's verdict as the served publication recorded it (its rejected documents),
    in the shape `jixiao.stages.check.verdict` reads."""
    record = published(settings) or {}
    return {"stage": "documents", "rejected": record.get("rejected") or []}


def served_documents(settings: Settings) -> set[str]:
    """The documents (sha256) whose records the served publication's marts hold; empty when
    nothing is served."""
    record = published(settings) or {}
    serving = record.get("serving")
    return {str(sha) for sha in serving} if isinstance(serving, list) else set()


def unchanged_since_publication(settings: Settings, inputs: str) -> dict[str, object] | None:
    """The served publication's record when it was built from exactly `inputs`, else None."""
    record = published(settings)
    return record if record is not None and record.get("inputs") == inputs else None
