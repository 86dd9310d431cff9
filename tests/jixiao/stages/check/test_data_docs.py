"""Great Expectations' stored validations and Data Docs stay bounded however many nights run, and
its stores are written once per checkpoint, not once per expectation."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from jixiao.stages.check import checkpoint
from jixiao.stages.check.run import run_stage
from tests.conftest import SampleWarehouse

pytestmark = pytest.mark.rebuilds


def test_each_stage_keeps_only_its_latest_validations_and_their_pages(
    sample_warehouse: SampleWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoint, "KEPT_VALIDATIONS", 2)
    build = tmp_path / sample_warehouse.path.name
    shutil.copy2(sample_warehouse.path, build)
    settings = dataclasses.replace(sample_warehouse.settings, state_dir=tmp_path / "state")
    gx_root = settings.state.great_expectations_dir / "gx"
    stored = gx_root / "uncommitted" / "validations" / "document_checks"
    pages = gx_root / "uncommitted" / "data_docs" / "local_site" / "validations" / "document_checks"

    run_ids = [f"night_{number}" for number in range(4)]
    for run_id in run_ids:
        run_stage(settings, "documents", run_id, warehouse=build)
        assert len(list(stored.glob("*/*"))) <= 2
        assert len(list(pages.glob("*/*"))) <= 2

    kept = sorted(path.name for path in stored.glob("*/*"))
    assert len(kept) == 2 and sorted(path.name for path in pages.glob("*/*")) == kept
    # The index lists what is kept, and no page it links to is gone.
    index = settings.state.data_docs_index.read_text(encoding="utf-8")
    for name in kept:
        assert name in index
    assert index.count("document_checks/__none__/") == 2


def test_pages_are_rendered_for_the_validations_that_have_none(
    sample_warehouse: SampleWarehouse, tmp_path: Path
) -> None:
    """A night renders Data Docs after its stages (`data_docs=False`, then `render_data_docs`):
    every stored validation without a page gets one, and the index lists them; rendered again,
    nothing is missing."""
    build = tmp_path / sample_warehouse.path.name
    shutil.copy2(sample_warehouse.path, build)
    settings = dataclasses.replace(sample_warehouse.settings, state_dir=tmp_path / "state")
    gx_root = settings.state.great_expectations_dir / "gx"
    for stage in ("documents", "warehouse"):
        run_stage(settings, stage, "night_0", warehouse=build, data_docs=False)
    stored = sorted(
        path.relative_to(gx_root / checkpoint.STORED_VALIDATIONS)
        for path in gx_root.glob(f"{checkpoint.STORED_VALIDATIONS}/*/*/*/*.json")
    )
    assert len(stored) == 2 and not (gx_root / checkpoint.DATA_DOCS_VALIDATIONS).exists()

    assert checkpoint.render_data_docs(settings) == 2
    pages = sorted(
        path.relative_to(gx_root / checkpoint.DATA_DOCS_VALIDATIONS)
        for path in gx_root.glob(f"{checkpoint.DATA_DOCS_VALIDATIONS}/*/*/*/*.html")
    )
    assert [page.with_suffix("") for page in pages] == [path.with_suffix("") for path in stored]
    index = settings.state.data_docs_index.read_text(encoding="utf-8")
    assert all(str(path.parent) in index for path in stored)
    assert checkpoint.render_data_docs(settings) == 0


def test_a_stored_suite_is_saved_whole_not_once_per_expectation(
    sample_warehouse: SampleWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from great_expectations.data_context.store.expectations_store import ExpectationsStore

    build = tmp_path / sample_warehouse.path.name
    shutil.copy2(sample_warehouse.path, build)
    settings = dataclasses.replace(sample_warehouse.settings, state_dir=tmp_path / "state")
    run_stage(settings, "documents", "night_0", warehouse=build)
    saved: list[str] = []
    add_expectation = ExpectationsStore.add_expectation

    def counted(self: ExpectationsStore, suite: object, expectation: object) -> object:
        saved.append(type(expectation).__name__)
        return add_expectation(self, suite, expectation)  # type: ignore[arg-type]

    monkeypatch.setattr(ExpectationsStore, "add_expectation", counted)
    monkeypatch.setattr(checkpoint, "_registered", {})  # the next night's worker: registers again
    result = run_stage(settings, "documents", "night_1", warehouse=build)

    assert result.rows > 0
    assert saved == []


def test_pruning_leaves_other_suites_and_newer_runs_alone(tmp_path: Path) -> None:
    root = tmp_path / "gx"
    for suite in ("document_checks", "warehouse_checks"):
        for stamp in ("20261120T020000.000000Z", "20261121T020000.000000Z", "20261122T020000.000000Z"):
            (root / "uncommitted" / "validations" / suite / "__none__" / stamp).mkdir(parents=True)

    assert checkpoint.prune_validations(root, "document_checks", keep=2) == 2

    left = sorted(p.name for p in (root / "uncommitted" / "validations" / "document_checks").glob("*/*"))
    assert left == ["20261122T020000.000000Z"]
    assert len(list((root / "uncommitted" / "validations" / "warehouse_checks").glob("*/*"))) == 3


def test_checkpoints_registered_ahead_judge_as_those_registered_when_needed(
    sample_warehouse: SampleWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate's worker registers both stages' checkpoints as soon as it starts
    (`prepare_checkpoints`, from the environment a night gives it); a stage run then judges as one
    that registered its checkpoint itself. A store folder removed since is registered again, each
    stage's checkpoint in it."""
    monkeypatch.setattr(checkpoint, "_registered", {})
    ahead = dataclasses.replace(sample_warehouse.settings, state_dir=tmp_path / "ahead")
    when_needed = dataclasses.replace(sample_warehouse.settings, state_dir=tmp_path / "when_needed")
    for name, value in ahead.airflow_env().items():
        monkeypatch.setenv(name, value)
    checkpoint.prepare_checkpoints()
    stored = ahead.state.great_expectations_dir / "gx" / "checkpoints"
    assert sorted(path.stem for path in stored.glob("*.json")) == ["document_checks", "warehouse_checks"]

    results = {}
    for settings in (ahead, when_needed):
        build = tmp_path / settings.state_dir.name / sample_warehouse.path.name
        build.parent.mkdir(exist_ok=True)
        shutil.copy2(sample_warehouse.path, build)
        results[settings.state_dir.name] = [
            dataclasses.asdict(run_stage(settings, stage, "night_0", warehouse=build))
            for stage in ("documents", "warehouse")
        ]
    assert results["ahead"] == results["when_needed"] and results["ahead"][0]["rows"] > 0
    # The registered checkpoint outlives its run; the rows it judged do not.
    registered = checkpoint._registered[(ahead.state.great_expectations_dir, "documents")]
    source = registered.validation_definitions[0].batch_definition.data_asset.datasource
    assert source.get_execution_engine().batch_manager.batch_data_cache == {}

    # A store removed: the stage run first makes it again, and the other is registered again in it.
    shutil.rmtree(ahead.state.great_expectations_dir)
    build = tmp_path / "ahead" / sample_warehouse.path.name
    for stage in ("documents", "warehouse"):
        assert dataclasses.asdict(run_stage(ahead, stage, "night_1", warehouse=build))["rows"] > 0
    assert sorted(path.stem for path in stored.glob("*.json")) == ["document_checks", "warehouse_checks"]
