"""Shared test setup: real sample PDFs, their truth files, an Airflow home of the test run's own, and
the session's sample warehouse: the samples landed once and completed once by the real dbt project
and reconciliation, for every test that only reads it (tests that change it work on a copy)."""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
import pytest
from filelock import FileLock

from jixiao.runtime.settings import Settings

if TYPE_CHECKING:
    from dbt.artifacts.schemas.run import RunResult
    from dbt.cli.main import dbtRunnerResult
    from dbt.contracts.graph.manifest import Manifest

    from jixiao.stages.check.results import StageResult

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES = PROJECT_ROOT / "data" / "samples"

# Airflow reads AIRFLOW_HOME when it is first imported, so the test run's own home is set before any
# test module imports it: the developer's .airflow/ and warehouse are never touched by tests.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="jixiao-test-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "AIRFLOW__OPENLINEAGE__DISABLED": "True",
        "DO_NOT_TRACK": "1",
        "JIXIAO_WAREHOUSE": str(_AIRFLOW_HOME / "unused-warehouse.duckdb"),
        "JIXIAO_STATE_DIR": str(_AIRFLOW_HOME / "unused-state"),
        "JIXIAO_EXPORT_DIR": str(_AIRFLOW_HOME / "unused-exports"),
        "JIXIAO_RETRY_DELAY_SECONDS": "1",
    }
)

SAMPLE_FILES = {
    "huangpu_2023_dept_target_form": SAMPLES / "2023" / "huangpu_2023_dept_target_form.pdf",
    "guangzhou_2023_dept_target_form": SAMPLES / "2023" / "guangzhou_2023_dept_target_form.pdf",
    "guangzhou_2023_project_target_table": SAMPLES / "2023" / "guangzhou_2023_project_target_table.pdf",
    "huangpu_2022_self_evaluation": SAMPLES / "2022" / "huangpu_2022_self_evaluation.pdf",
}


def bin_path(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """The session's Airflow home, with its SQLite metadata DB migrated."""
    if not (_AIRFLOW_HOME / "airflow.db").exists():
        subprocess.run([bin_path("airflow"), "db", "migrate"], check=True, capture_output=True)
    return _AIRFLOW_HOME


# The transform's dbt task groups by their tags in dbt_project.yml, as dags/jixiao_transform.py
# selects them: what the document checks read, then what the checks across documents read, then
# the rest (tests/dags holds the DAG's groups to the same tags).
BEFORE_DOCUMENT_CHECKS = "tag:before_document_checks"
BEFORE_WAREHOUSE_CHECKS = "tag:before_warehouse_checks"


def program_output(
    program: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> object:
    """Run `program` in a fresh Python process at the project's root and return the JSON value its
    last line prints; fails the test with the end of its stderr if it fails."""
    import json

    done = subprocess.run(
        [sys.executable, "-c", program, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def dbt_arguments(work: Path, *command: str) -> list[str]:
    """`command` on the real project, with its target and logs under `work`; the warehouse is
    whatever JIXIAO_DBT_WAREHOUSE / JIXIAO_WAREHOUSE name (see profiles.yml)."""
    dbt_dir = PROJECT_ROOT / "dbt_project"
    return [
        *command,
        "--project-dir", str(dbt_dir),
        "--profiles-dir", str(dbt_dir),
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
        "--quiet",
    ]  # fmt: skip


def run_dbt(work: Path, *command: str, manifest: Manifest | None = None) -> dbtRunnerResult:
    """A dbt command (`dbt_arguments`), in-process, as the night's dbt tasks run it: the build kept
    open through the invocation and closed at its end. With `manifest`, dbt takes that parse of the
    project instead of parsing it."""
    from dbt.cli.main import dbtRunner

    from jixiao.airflow.dbt_invocation import KEEP_OPEN_ENV, close

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(KEEP_OPEN_ENV, "True")
        try:
            return dbtRunner(manifest=manifest).invoke(dbt_arguments(work, *command))
        finally:
            close()  # the callback the transform's dbt tasks end an invocation with


# dbt's parse of the project per database name (the warehouse file's stem, which every relation of
# the manifest carries): each test's warehouse has a path of its own, which dbt's partial parsing
# takes for a new profile, and a whole parse at every build cost more than the build's own nodes.
_PARSED: dict[str, Manifest] = {}


def dbt_build(work: Path, *selection: str) -> dbtRunnerResult:
    """`dbt build` of `selection`, on the session's parse of the project for this warehouse's name;
    no manifest.json or run_results.json written."""
    return _on_parse(work, "build", *selection)


def dbt_test(work: Path, *selection: str) -> dbtRunnerResult:
    """`dbt test` of `selection`, as `dbt_build`: the relations as they are, none built again."""
    return _on_parse(work, "test", *selection)


def _on_parse(work: Path, command: str, *selection: str) -> dbtRunnerResult:
    warehouse = os.environ.get("JIXIAO_DBT_WAREHOUSE") or os.environ.get("JIXIAO_WAREHOUSE") or ""
    name = Path(warehouse).stem
    if name not in _PARSED:
        parsed = run_dbt(work, "parse", "--no-partial-parse")
        assert parsed.success, parsed.exception
        _PARSED[name] = parsed.result
    return run_dbt(work, "--no-write-json", command, *selection, manifest=_PARSED[name])


def dbt_statuses(result: dbtRunnerResult) -> dict[str, str]:
    return {node.node.name: str(node.status) for node in result.result}  # type: ignore[union-attr]


def dbt_outcome(result: dbtRunnerResult, name: str) -> RunResult:
    """The one result of the node `name` (its status, failures and message)."""
    [outcome] = [node for node in result.result if node.node.name == name]  # type: ignore[union-attr]
    return outcome  # type: ignore[return-value]


def build_selected(warehouse: Path, work: Path, *selection: str) -> dict[str, str]:
    """`dbt build` of `selection` on `warehouse`; every node's status. Fails the test if dbt fails."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("JIXIAO_DBT_WAREHOUSE", str(warehouse))
        result = dbt_build(work, *selection)
    assert result.success, result.exception or {
        k: v for k, v in dbt_statuses(result).items() if v not in ("pass", "success", "no-op")
    }
    return dbt_statuses(result)


def _holds_the_models(build: Path) -> bool:
    with duckdb.connect(str(build), read_only=True) as connection:
        found = connection.execute(
            "select count(*) from duckdb_views() where schema_name = 'staging'"
        ).fetchone()
    return bool(found and found[0])


def transform(
    settings: Settings,
    build: Path,
    work: Path,
    run_id: str = "test_run",
    dbt_nodes: dict[str, str] | None = None,
) -> tuple[StageResult, StageResult]:
    """The transform DAG's order on `build`, in-process: staging, document checks, the models the
    checks across documents read, those checks, the marts (the DAG runs the same dbt selections
    through Cosmos, one `dbt build` task per group).

    dbt's data and unit tests run only when `dbt_nodes` is given (it receives the status of every
    node): the session's sample warehouses hold them to the samples (tests/dbt_project), the other
    callers test reconciliation, which reads the rows the models make whatever dbt's tests say.
    On an incremental build, like the DAG's builds, the seeds, views and unit tests are left out; on
    a copy of a build dbt completed already (`modelled_samples`), also, and the tables are made
    anew (`--full-refresh`: the checks within documents, incremental, of every version)."""
    from jixiao.runtime.dbt_project import UNCHANGED_IN_AN_INCREMENTAL_BUILD
    from jixiao.stages.build import build_mode
    from jixiao.stages.check.run import run_stage

    left_out = [] if dbt_nodes is not None else ["resource_type:test", "resource_type:unit_test"]
    refresh: list[str] = []
    if build_mode(build) == "incremental":
        left_out += UNCHANGED_IN_AN_INCREMENTAL_BUILD
    elif dbt_nodes is None and _holds_the_models(build):
        left_out += UNCHANGED_IN_AN_INCREMENTAL_BUILD
        refresh = ["--full-refresh"]
    flags = [*refresh, "--exclude", *left_out] if left_out else []
    nodes = build_selected(build, work, "--select", BEFORE_DOCUMENT_CHECKS, *flags)
    documents = run_stage(settings, "documents", run_id, warehouse=build)
    nodes |= build_selected(build, work, "--select", BEFORE_WAREHOUSE_CHECKS, *flags)
    warehouse = run_stage(settings, "warehouse", run_id, warehouse=build)
    nodes |= build_selected(build, work, "--exclude", BEFORE_DOCUMENT_CHECKS, BEFORE_WAREHOUSE_CHECKS, *flags)
    if dbt_nodes is not None:
        dbt_nodes.update(nodes)
    return documents, warehouse


Built = TypeVar("Built")


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[], Built]) -> Built:
    """What `build` returns, made by the first pytest-xdist worker to ask for it and read by the others
    (pickled beside the workers' temporary folders, under a lock): a session's warehouse is built once
    a lane, not once a worker. What it names is read by every worker at once: a test that writes
    copies it first, as it already must."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build()
    shared = tmp_path_factory.getbasetemp().parent / f"{name}.pickle"
    with FileLock(f"{shared}.lock"):
        if shared.exists():
            built: Built = pickle.loads(shared.read_bytes())
            return built
        built = build()
        shared.write_bytes(pickle.dumps(built))
        return built


@pytest.fixture(scope="session")
def landed_samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    """Settings of a state folder with the four samples landed, and a pristine copy of the raw build."""
    return landed_once(tmp_path_factory, "landed-samples")


def landed_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, more: Mapping[str, Path] | None = None
) -> tuple[Settings, Path]:
    """Settings of a state folder (in a folder `name`) with the four samples and `more` (each file by
    its path under the landing folder) landed, every one new; and a pristine copy of the raw build.
    Once a lane (`built_once`)."""

    def land() -> tuple[Settings, Path]:
        from jixiao.stages.land import land_all

        root = tmp_path_factory.mktemp(name)
        landing = copy_samples(root / "landing")
        for path, source in (more or {}).items():
            (landing / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, landing / path)
        settings = dataclasses.replace(
            Settings.from_env(),
            landing_dir=landing,
            warehouse=root / "served.duckdb",
            state_dir=root / "state",
        )
        summary = land_all(settings)
        assert len(summary.new) == len(SAMPLE_FILES) + len(more or {}) and not summary.quarantined, summary
        pristine = root / "landed-pristine.duckdb"
        shutil.copy2(settings.state.build_warehouse, pristine)
        return settings, pristine

    return built_once(tmp_path_factory, name, land)


@dataclass(frozen=True)
class SampleWarehouse:
    """The samples' warehouse as a night completes it (dbt and both reconciliation stages, run
    SAMPLE_RUN_ID), checkpointed. Read it; a test that writes copies it first."""

    settings: Settings  # its own state folder: the reconciliation history of SAMPLE_RUN_ID
    path: Path
    documents: StageResult
    warehouse: StageResult
    dbt_nodes: dict[str, str]  # every model, seed and test of the build, with its status


SAMPLE_RUN_ID = "sample_run"
NIGHTS_TIMEOUT_SECONDS = 2700


@pytest.fixture(scope="session")
def sample_warehouse(
    landed_samples: tuple[Settings, Path], tmp_path_factory: pytest.TempPathFactory
) -> SampleWarehouse:
    return completed_once(tmp_path_factory, "sample-warehouse", landed_samples, SAMPLE_RUN_ID)


def completed_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, landed: tuple[Settings, Path], run_id: str
) -> SampleWarehouse:
    """A landed build completed by the transform (dbt and both reconciliation stages, run `run_id`),
    checkpointed, in a folder `name` and a state folder of its own; once a lane (`built_once`)."""

    def complete() -> SampleWarehouse:
        settings, pristine = landed
        root = tmp_path_factory.mktemp(name)
        settings = dataclasses.replace(settings, state_dir=root / "state")
        build = root / "warehouse.duckdb"
        shutil.copy2(pristine, build)
        nodes: dict[str, str] = {}
        documents, warehouse = transform(settings, build, root / "dbt", run_id=run_id, dbt_nodes=nodes)
        with duckdb.connect(str(build)) as connection:
            connection.execute("checkpoint")
        return SampleWarehouse(settings, build, documents, warehouse, nodes)

    return built_once(tmp_path_factory, name, complete)


@pytest.fixture
def settings(landing: Path, tmp_path: Path) -> Settings:
    """Settings of a test's own: the sample landing, a warehouse and a state folder under tmp_path."""
    return dataclasses.replace(
        Settings.from_env(),
        landing_dir=landing,
        warehouse=tmp_path / "served.duckdb",
        state_dir=tmp_path / "state",
        parse_workers=2,
    )


def copy_samples(target: Path) -> Path:
    """`target` as a landing folder holding copies of the four sample PDFs under their <year>/ folders."""
    for path in SAMPLE_FILES.values():
        destination = target / path.parent.name / path.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    return target


def jixiao_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a `jixiao run` with everything of its own under `root`: an Airflow home
    (not migrated yet: the run must do it), the landing folder, warehouse, state and exports."""
    return {
        **os.environ,
        "AIRFLOW_HOME": str(root / "airflow"),
        "JIXIAO_LANDING_DIR": str(root / "landing"),
        "JIXIAO_WAREHOUSE": str(root / "warehouse.duckdb"),
        "JIXIAO_STATE_DIR": str(root / "state"),
        "JIXIAO_EXPORT_DIR": str(root / "exports"),
        **extra,
    }


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A landing folder holding copies of the four sample PDFs under their <year>/ folders."""
    return copy_samples(tmp_path / "landing")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test of the nights may run a whole story of nights in its fixture's setup: it gets longer."""
    for item in items:
        if item.get_closest_marker("night"):
            item.add_marker(pytest.mark.timeout(NIGHTS_TIMEOUT_SECONDS))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)
