"""A build made from the served warehouse (incremental) serves what a full build of the same inputs
serves, after any sequence of nights: documents added, re-published, re-published with figures that
do not add up, removed, renamed, and files that cannot be read.

Each night runs on one state folder the way the transform DAG does, in-process (the landing, the
claim, dbt and both checkpoints, the publication); then a full build of the same ledger and raw
zone, checked against the same served publication, is compared with it: every mart row for row
(per-run columns aside), the checks within documents, the documents kept out.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import duckdb
import pypdf
import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from ingest.departments import DepartmentDirectory
from jixiao.runtime.ledger import Ledger
from jixiao.runtime.settings import Settings
from jixiao.runtime.state import Note
from jixiao.stages.build import build_raw
from jixiao.stages.land import code_fingerprint, land_all
from jixiao.stages.publish import claim_build, publish
from tests.conftest import PROJECT_ROOT, SAMPLES, transform
from tests.e2e.conftest import mart_hashes, reprint_huangpu_with_basic_expenditure_raised

pytestmark = pytest.mark.night

FAMILY = PROJECT_ROOT / "tests" / "fixtures" / "family"
# What a night may drop in: the samples, another producer's print of a sample (a re-publication
# with records of its own), other bureaus' documents and a self-evaluation table.
POOL = (
    SAMPLES / "2023" / "huangpu_2023_dept_target_form.pdf",
    SAMPLES / "2023" / "guangzhou_2023_dept_target_form.pdf",
    SAMPLES / "2023" / "guangzhou_2023_project_target_table.pdf",
    SAMPLES / "2022" / "huangpu_2022_self_evaluation.pdf",
    FAMILY / "producers" / "guangzhou_2023_dept_target_form_chromium.pdf",
    FAMILY / "reports" / "nansha_2023_self_evaluation.pdf",
    FAMILY / "self_evaluation_tables" / "guangzhou_2023_dept_self_evaluation_table.pdf",
)
OPERATIONS = ("add", "republish", "reprint_inconsistent", "remove", "rename", "unreadable")
Night = list[tuple[str, int]]


@pytest.fixture(scope="module")
def inconsistent_form(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """黄埔's form printed again with one figure raised: its budget no longer adds up."""
    return reprint_huangpu_with_basic_expenditure_raised(tmp_path_factory.mktemp("reprint"))


def _apply(landing: Path, operation: str, pick: int, inconsistent_form: bytes, night: int) -> None:
    landed = sorted(landing.rglob("*.pdf"))
    readable = [path for path in landed if not path.name.startswith("unreadable")]
    if operation == "add":
        absent = [pdf for pdf in POOL if not any(path.name == pdf.name for path in landed)]
        if absent:
            pdf = absent[pick % len(absent)]
            (landing / pdf.name.split("_")[1]).mkdir(exist_ok=True)
            shutil.copy(pdf, landing / pdf.name.split("_")[1] / pdf.name)
    elif operation == "republish" and readable:
        path = readable[pick % len(readable)]
        writer = pypdf.PdfWriter(clone_from=path)
        writer.add_metadata({"/Subject": f"night {night}"})
        writer.write(path)
    elif operation == "reprint_inconsistent":
        (landing / "2023").mkdir(exist_ok=True)
        (landing / "2023" / "huangpu_2023_dept_target_form.pdf").write_bytes(inconsistent_form)
    elif operation == "remove" and readable:
        readable[pick % len(readable)].unlink()
    elif operation == "rename" and readable:
        path = readable[pick % len(readable)]
        path.rename(path.with_name(f"{path.stem}_renamed{night}.pdf"))
    elif operation == "unreadable":
        (landing / "2023").mkdir(exist_ok=True)
        (landing / "2023" / f"unreadable_{night}.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)


def _night(settings: Settings, run_id: str, work: Path) -> str:
    """One night on the state folder, in the transform DAG's order; how its build was made."""
    summary = land_all(settings)
    if not summary.rebuilt:
        return "none"
    claimed = claim_build(settings, run_id)
    assert claimed is not None
    documents, warehouse = transform(settings, Path(claimed), work, run_id=run_id)
    publish(settings, run_id, [*documents.rejected, *warehouse.rejected])
    return summary.build_mode


def _full_build(settings: Settings, served_before: dict[str, object] | None, root: Path, run_id: str) -> Path:
    """The same ledger and zone built in full, checked against the publication the night began with."""
    full = dataclasses.replace(settings, state_dir=root / "state", warehouse=root / "served.duckdb")
    shutil.rmtree(root, ignore_errors=True)
    full.state.reconciliation_dir.mkdir(parents=True)
    if served_before is not None:
        full.state.write(Note.SERVED, served_before)
        full.warehouse.touch()  # what `publication()` asks of a served publication
    build = root / "build" / settings.warehouse.name
    build_raw(
        build,
        settings.state.raw_zone,
        Ledger(settings.state.ledger_path),
        full.state.reconciliation_dir,
        code=code_fingerprint(settings),
        full=True,
        departments=DepartmentDirectory.from_seed(settings.departments_seed),
    )
    transform(full, build, root / "dbt", run_id=run_id)
    return build


def _rows(warehouse: Path, query: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return sorted(connection.execute(query).fetchall(), key=repr)


DOCUMENT_CHECKS = "select * from audit.audit_document_checks"
REJECTIONS = "select document_sha256, check_id, message from reconciliation.document_rejections"


nights = st.lists(
    st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, 6)), min_size=1, max_size=3),
    min_size=3,
    max_size=3,
)


@hypothesis_settings(
    max_examples=1,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=nights)
# Every operation at least once, whatever the drawn sequence holds.
@example(
    sequence=[
        [("rename", 0), ("unreadable", 0)],
        [("reprint_inconsistent", 0), ("add", 0)],
        [("republish", 1), ("remove", 2), ("add", 3)],
    ]
)
def test_incremental_nights_serve_what_a_full_build_serves(
    sequence: list[Night], inconsistent_form: bytes, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("incremental")
    landing = root / "landing"
    landing.mkdir()
    settings = dataclasses.replace(
        Settings.from_env(),
        landing_dir=landing,
        warehouse=root / "served.duckdb",
        state_dir=root / "state",
        export_dir=root / "exports",
        parse_workers=2,
    )
    first: Night = [("add", 0), ("add", 1), ("add", 2)]
    modes = []
    for number, night in enumerate([first, *sequence], start=1):
        for operation, pick in night:
            _apply(landing, operation, pick, inconsistent_form, number)
        served_before = settings.state.publication()
        run_id = f"night_{number}"
        mode = _night(settings, run_id, root / "dbt")
        modes.append(mode)
        if mode == "none":
            continue
        full = _full_build(settings, served_before, root / "full", run_id)
        served = settings.warehouse
        assert mart_hashes(served) == mart_hashes(full), (number, night)
        assert _rows(served, DOCUMENT_CHECKS) == _rows(full, DOCUMENT_CHECKS), (number, night)
        assert _rows(served, REJECTIONS) == _rows(full, REJECTIONS), (number, night)
    # The first night builds in full; a later one that builds starts from the served warehouse.
    assert modes[0] == "full"
    assert set(modes[1:]) <= {"incremental", "none"}
