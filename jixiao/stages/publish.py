"""Publishing a checked warehouse build: one atomic rename over the served file.

BI tools hold short read-only connections to the served file. A rename never changes the file
they have open (they keep reading the old version until they reconnect) and never shows them a
half-built one: the build was finished, checked and checkpointed (no WAL) before it moves.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import duckdb

from jixiao.runtime.failpoints import pause_at
from jixiao.runtime.settings import Settings
from jixiao.runtime.state import Note
from jixiao.runtime.warehouse import PUBLICATION, WRITER_DUCKDB_CONFIG, write_ahead_log
from jixiao.stages.export import export_marts, make_current


def claim_build(settings: Settings, run_id: str) -> str | None:
    """Take the landing's latest build for this transform run (an atomic rename), so that a landing
    finishing meanwhile prepares the next build instead of changing this one under dbt.

    A retry of the claim in the same run (the task failed after its rename) gets the build the run
    already took: the landing's is gone by then, and "nothing new" would skip the whole transform.
    None when the landing made no build because its inputs were those of the served publication.
    """
    raw, claimed = settings.state.build_warehouse, settings.state.transform_warehouse
    if not raw.exists():
        taken = settings.state.read(Note.CLAIM) or {}
        if taken.get("run_id") == run_id and claimed.exists():
            return str(claimed)
        if settings.state.publication() is not None:
            return None
        raise FileNotFoundError(f"no new warehouse build at {raw}: run jixiao_landing first")
    claimed.parent.mkdir(parents=True, exist_ok=True)
    # Noted before the rename: a claim killed between the two finds the landing's build still there.
    settings.state.write(Note.CLAIM, {"run_id": run_id})
    # A transform killed before its build checkpointed leaves that build's write-ahead log beside
    # it; DuckDB would replay it into the landing's build the rename puts there.
    write_ahead_log(claimed).unlink(missing_ok=True)
    os.replace(raw, claimed)
    return str(claimed)


def publish(
    settings: Settings, run_id: str, rejected: list[dict[str, object]] | None = None
) -> dict[str, object]:
    """Stamp the build with its run, export its marts to Parquet, then rename it over the served file.

    The publication's record keeps the build's inputs, the documents reconciliation rejected or held
    back (`rejected`, from both stages: a later night with the same inputs serves this publication
    again and gives the same verdict) and the documents its marts serve (what a check across
    documents holds back a newcomer against).
    """
    build, served = settings.state.transform_warehouse, settings.warehouse
    if not build.exists():
        raise FileNotFoundError(f"no checked warehouse build at {build}: the transform did not claim one")
    published_at = datetime.now(UTC).replace(microsecond=0)
    version = published_at.strftime("%Y%m%dT%H%M%SZ")
    with duckdb.connect(str(build), config=WRITER_DUCKDB_CONFIG) as connection:
        # One row saying which run this file is: readers can tell publications apart.
        connection.execute(PUBLICATION.ddl(replace=True))
        PUBLICATION.insert(
            connection, [{"run_id": run_id, "published_at": published_at.replace(tzinfo=None)}]
        )
        exported = export_marts(connection, settings.export_dir, version, run_id, published_at.isoformat())
        (inputs,) = connection.execute("select max(inputs) from meta.build_inputs").fetchone() or ("",)
        serving = [
            sha
            for (sha,) in connection.execute(
                "select document_sha256 from intermediate.int_documents_with_department order by 1"
            ).fetchall()
        ]
        connection.execute("checkpoint")
    served.parent.mkdir(parents=True, exist_ok=True)
    pause_at("publish.before_rename")
    os.replace(build, served)  # atomic on one filesystem: build and served share data/
    pause_at("publish.after_rename")
    make_current(settings.export_dir, exported)
    record: dict[str, object] = {
        "run_id": run_id,
        "published_at": published_at.isoformat(),
        "warehouse": str(served),
        "exports": str(settings.export_dir / "current"),
    }
    settings.state.write(Note.PUBLISH, record)
    settings.state.write(
        Note.SERVED, {**record, "inputs": inputs or "", "rejected": rejected or [], "serving": serving}
    )
    return record
