"""What reconciliation does with a document failing a check of its own: it is kept out of the marts
and named, and its earlier accepted version serves. Amounts are edited in the raw records of a real
landed build; dbt, GE and the marts are the real ones (the checks across documents:
test_decisions.py)."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import duckdb
import pytest

from ingest.zone import RAW_TABLES
from jixiao.stages.check import verdict
from tests.conftest import SampleWarehouse, transform
from tests.jixiao.stages.check.conftest import Builder
from tests.jixiao.stages.check.edits import (
    GUANGZHOU_FORM,
    HUANGPU_FORM,
    all_marts,
    land_new_version,
    mart_rows,
    raise_basic_expenditure,
    sha_of,
)

pytestmark = pytest.mark.rebuilds


def test_a_document_failing_its_own_check_is_kept_out_and_named(build_with: Builder, tmp_path: Path) -> None:
    def edit(connection: duckdb.DuckDBPyConnection) -> None:
        raise_basic_expenditure(connection, sha_of(connection, HUANGPU_FORM))

    settings, build = build_with(edit)
    documents, warehouse = transform(settings, build, tmp_path)

    assert [item["source_path"] for item in documents.rejected] == [HUANGPU_FORM]
    message = documents.rejected[0]["message"]
    assert HUANGPU_FORM in message and "budget_identity" in message
    assert "= 364,707.2 " in message and "= 364,607.2 " in message  # both sides, as printed
    assert verdict(dataclasses.asdict(documents)) == [message]
    assert warehouse.failures == []
    with duckdb.connect(str(build), read_only=True) as connection:
        served = connection.execute("select distinct source_path from marts.fct_budget_line").fetchall()
        recorded = connection.execute(
            "select outcome, severity from reconciliation.results"
            " where check_id = 'budget_identity' and documents = ?",
            [HUANGPU_FORM],
        ).fetchall()
    assert {row[0] for row in served} == {GUANGZHOU_FORM, "2023/guangzhou_2023_project_target_table.pdf"}
    assert recorded == [("failed", "error")]

    # Nothing of it reaches any mart or dimension: the marts equal those of a build without it.
    def remove(connection: duckdb.DuckDBPyConnection) -> None:
        sha = sha_of(connection, HUANGPU_FORM)
        for table in (*(table.name for table in RAW_TABLES), "documents"):
            connection.execute(f"delete from raw.{table} where document_sha256 = ?", [sha])

    without_settings, without = build_with(remove)
    transform(without_settings, without, tmp_path / "without")
    assert all_marts(build) == all_marts(without)


def test_the_earlier_accepted_version_keeps_serving(
    build_with: Builder, sample_warehouse: SampleWarehouse, tmp_path: Path
) -> None:
    before = mart_rows(sample_warehouse.path)  # the samples, every version accepted

    def republish_with_an_error(connection: duckdb.DuckDBPyConnection) -> None:
        """A corrected re-publication whose 基本支出 no longer adds up: a new current version."""
        new = uuid.uuid4().hex * 2
        land_new_version(connection, sha_of(connection, HUANGPU_FORM), new, later=True)
        raise_basic_expenditure(connection, new)

    settings, build = build_with(republish_with_an_error)
    documents, _ = transform(settings, build, tmp_path / "after")

    assert [(item["source_path"], item["current"]) for item in documents.rejected] == [(HUANGPU_FORM, True)]
    assert mart_rows(build) == before


def test_of_versions_landed_the_same_night_the_newest_accepted_one_serves(
    build_with: Builder, tmp_path: Path
) -> None:
    versions: list[str] = []

    def land_two_more_versions(connection: duckdb.DuckDBPyConnection) -> None:
        """Two re-publications of 黄埔's form landed in the same second as the sample's: the second
        accepted, the third (the current one) rejected. Which landed when is only in the ledger's
        superseded_by links."""
        versions.append(sha_of(connection, HUANGPU_FORM))
        for _ in range(2):
            # Shas that sort after the sample's: an order by sha would pick the sample's version.
            new = "ffffffff" + (uuid.uuid4().hex * 2)[8:]
            land_new_version(connection, versions[-1], new, later=False)
            versions.append(new)
        raise_basic_expenditure(connection, versions[-1])

    settings, build = build_with(land_two_more_versions)
    transform(settings, build, tmp_path / "after")

    with duckdb.connect(str(build), read_only=True) as connection:
        serving = connection.execute(
            "select document_sha256 from intermediate.int_documents_with_department where source_path = ?",
            [HUANGPU_FORM],
        ).fetchall()
    assert serving == [(versions[1],)]  # not the sample's, landed first in the same second
