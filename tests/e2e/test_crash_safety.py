"""kill -9 of the whole run at every step of a night (the `crashes` story's `killed_*` nights, one
kill point each, see KILL_CHAIN): the served file is the publication before or the new one whole,
never a mix, and BI readers never fail; the ledger agrees with the raw zone; nothing half-written is
left for the next night, which converges on the marts of the clean night (row hashes)."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.e2e.conftest import KILL_CHAIN, Story, read_problems, without

pytestmark = pytest.mark.night

KILLED = ("killed_parsing", *(name for name, _ in KILL_CHAIN))
# Killed once the new build had replaced the served file: the new publication serves.
AFTER_THE_RENAME = ("killed_after_rename", "killed_report")


def test_every_kill_point_was_reached_with_the_night_still_running(crashes: Story) -> None:
    # Teller.killed asserts the night was alive when its moment came; here, that every one came.
    assert [name for name in KILLED if name in crashes.nights] == list(KILLED)
    assert len(KILLED) >= 8


def test_readers_never_fail_and_never_see_a_mix(crashes: Story) -> None:
    errors, mixed = read_problems(crashes)
    assert errors == [] and mixed == []
    assert len(crashes.reads) > 30


def test_before_the_rename_a_kill_leaves_the_served_file_as_it_was(crashes: Story) -> None:
    for name in KILLED:
        if name not in AFTER_THE_RENAME:
            assert crashes.digests[name] == crashes.digests["clean"], name


def test_after_the_rename_a_kill_leaves_the_new_publication_whole(crashes: Story) -> None:
    for name in AFTER_THE_RENAME:
        assert crashes.digests[name] != crashes.digests["clean"], name
        assert crashes.hashes[name] == crashes.hashes["clean"], name


def test_a_kill_never_leaves_the_ledger_disagreeing_with_the_raw_zone(crashes: Story) -> None:
    for name in (*KILLED, "recovered"):
        assert crashes.ledger_problems[name] == [], name
    assert crashes.leftovers["killed_parsing"] == []  # a temp folder is never renamed half-written


def test_the_next_night_converges(crashes: Story) -> None:
    recovered = crashes.nights["recovered"]
    assert recovered.returncode == 0, recovered.output[-3000:]
    assert "0 quarantined" in recovered.output
    # Every mart, row by row, as the clean night before the kills published it.
    assert crashes.hashes["recovered"] == crashes.hashes["clean"]
    # Every document was re-published with new bytes: the same figures, from the new versions.
    before, after = crashes.marts["clean"], crashes.marts["recovered"]
    assert without(after, "document_sha256") == without(before, "document_sha256")
    assert {row["document_sha256"] for row in after}.isdisjoint(row["document_sha256"] for row in before)


def test_nothing_half_written_outlives_the_next_publication(crashes: Story) -> None:
    state, exports = crashes.root / "state", crashes.root / "exports"
    assert sorted(path.name for path in exports.iterdir() if path.name.startswith(".")) == []
    assert [path.name for path in (state / "raw").iterdir() if path.name.startswith(".tmp-")] == []
    with duckdb.connect(str(crashes.warehouse), read_only=True) as connection:
        marts = {
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
    assert {path.stem for path in (exports / "current").glob("*.parquet")} == marts
    assert {path.stem for path in (exports / "current" / "csv").glob("*.csv")} == marts


def test_a_report_killed_before_its_rename_is_written_by_the_next_night(crashes: Story) -> None:
    # `killed_report` published; `recovered` had nothing new to publish, yet writes the report the
    # killed night could not.
    assert "nothing changed since the publication of" in crashes.nights["recovered"].output
    with duckdb.connect(str(crashes.warehouse), read_only=True) as connection:
        (served,) = connection.execute("select run_id from meta.publication").fetchone() or ("",)
    shown = json.loads((crashes.root / "state" / "last_report.json").read_text(encoding="utf-8"))
    assert shown == {"publication": served}
    assert served in crashes.warehouse.with_name("report.html").read_text(encoding="utf-8")
