"""The arrows between the packages: dags → jixiao → ingest and expectations, never back.

`ingest/` (PDF → records, the raw zone) stays usable without Airflow or the application; the
suites in `expectations/` know nothing of the application that runs them. Every import is read,
also those inside functions, from the source of every module.
"""

from __future__ import annotations

import ast

import pytest

from tests.conftest import PROJECT_ROOT

# Top-level packages each layer must never import.
FORBIDDEN = {
    "ingest": {"jixiao", "dags", "expectations", "airflow", "cosmos", "great_expectations", "dbt"},
    "expectations": {"jixiao", "dags", "ingest", "airflow", "cosmos"},
    "jixiao": {"dags"},
}


def imported_packages(source: str) -> set[str]:
    """The top-level package of every absolute import in `source`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def violations(layer: str) -> list[str]:
    return [
        f"{path.relative_to(PROJECT_ROOT)} imports {package}"
        for path in sorted((PROJECT_ROOT / layer).rglob("*.py"))
        for package in sorted(imported_packages(path.read_text(encoding="utf-8")) & FORBIDDEN[layer])
    ]


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_import_goes_against_the_arrows(layer: str) -> None:
    assert (PROJECT_ROOT / layer).is_dir()
    assert violations(layer) == []


def test_imports_inside_functions_and_from_submodules_are_seen() -> None:
    source = "import os\ndef f():\n    from airflow.sdk import dag\n    import jixiao.settings as s\n"
    assert imported_packages(source) == {"os", "airflow", "jixiao"}
    assert imported_packages("from . import forms\nfrom .pdf import reader\n") == set()
