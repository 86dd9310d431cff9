"""The arrows between the layers: dags → jixiao → ingest and expectations, never back; and inside
the application, the Airflow side → the stages → the runtime.

`ingest/` (PDF → records, the raw zone) stays usable without Airflow or the application, and its
text-layer reader knows nothing of OCR (a scan's reader is handed in); the suites in
`expectations/` know nothing of the application that runs them. In `jixiao/`, the stages (land,
build, check, publish, report) run anywhere, under Airflow or not; the runtime they use (settings,
worker processes, limits, the state folder) knows no stage: what a worker imports is its caller's
to say. Every import is read, also those inside functions, from the source of every module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

# Modules (a package, or one of its subpackages) that the modules under each folder must never
# import; an import of `a.b.c` counts as an import of `a`, `a.b` and `a.b.c`.
FORBIDDEN = {
    "ingest": {"jixiao", "dags", "expectations", "airflow", "cosmos", "great_expectations", "dbt"},
    "ingest/pdf": {"ingest.scan"},
    "expectations": {"jixiao", "dags", "ingest", "airflow", "cosmos"},
    "jixiao": {"dags"},
    "jixiao/stages": {"airflow", "cosmos", "jixiao.airflow", "jixiao.cli"},
    "jixiao/runtime": {
        "airflow",
        "cosmos",
        "great_expectations",
        "jixiao.stages",
        "jixiao.airflow",
        "jixiao.cli",
    },
    "jixiao/airflow": {"jixiao.cli"},
    # `jixiao run` never imports Airflow: the night runs in a child process.
    "jixiao/cli": {"airflow", "cosmos", "jixiao.airflow"},
}


def imported_modules(source: str) -> set[str]:
    """Every absolute import in `source`, with each package above it (`a.b.c`: `a`, `a.b`, `a.b.c`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for name in names:
            parts = name.split(".")
            found.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return found


def violations(folder: str, root: Path = PROJECT_ROOT) -> list[str]:
    return [
        f"{path.relative_to(root)} imports {module}"
        for path in sorted((root / folder).rglob("*.py"))
        for module in sorted(imported_modules(path.read_text(encoding="utf-8")) & FORBIDDEN[folder])
    ]


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_import_goes_against_the_arrows(folder: str) -> None:
    assert (PROJECT_ROOT / folder).is_dir()
    assert violations(folder) == []


def test_imports_inside_functions_and_from_submodules_are_seen() -> None:
    source = "import os\ndef f():\n    from airflow.sdk import dag\n    import jixiao.runtime.settings as s\n"
    assert imported_modules(source) >= {"os", "airflow", "airflow.sdk", "jixiao", "jixiao.runtime"}
    assert "jixiao.stages" in imported_modules("from jixiao import stages\n")
    assert imported_modules("from . import forms\nfrom .pdf import reader\n") == set()


def test_a_runtime_module_importing_a_stage_is_found(tmp_path: Path) -> None:
    module = tmp_path / "jixiao" / "runtime" / "workers.py"
    module.parent.mkdir(parents=True)
    module.write_text("def warm():\n    import jixiao.stages.check\n", encoding="utf-8")
    assert violations("jixiao/runtime", tmp_path) == ["jixiao/runtime/workers.py imports jixiao.stages"]
