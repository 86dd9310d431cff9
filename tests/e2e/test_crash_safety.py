"""kill -9 in the middle of a night: the served warehouse stays as it was, the next night converges."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pypdf
import pytest

from tests.conftest import bin_path, copy_samples, jixiao_env

pytestmark = pytest.mark.night


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def marts(warehouse: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            "select department_code, fiscal_year, measure_group, measure, amount_wan_yuan"
            " from marts.mart_budget_overview order by all"
        ).fetchall()


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([bin_path("jixiao"), "run", "--quiet"], env=env, capture_output=True, text=True)


def kill_when(env: dict[str, str], ready: callable, seconds: float = 180) -> None:  # type: ignore[valid-type]
    """Start a night and kill -9 its whole process group as soon as `ready()` holds."""
    night = subprocess.Popen(
        [bin_path("jixiao"), "run", "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and night.poll() is None and not ready():
        time.sleep(0.05)
    assert night.poll() is None, "the night ended before the moment to kill it"
    os.killpg(night.pid, signal.SIGKILL)
    night.wait()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("crash")
    landing = copy_samples(root / "landing")
    env = jixiao_env(root, JIXIAO_PARSE_WORKERS="1")
    first = run(env)
    assert first.returncode == 0, first.stderr[-2000:]
    warehouse = root / "warehouse.duckdb"
    return {"env": env, "root": root, "landing": landing, "warehouse": warehouse, "marts": marts(warehouse)}


def test_kill_during_the_dbt_build(published: dict[str, object]) -> None:
    env, root, warehouse = published["env"], published["root"], published["warehouse"]
    served = digest(warehouse)  # type: ignore[arg-type]
    form = Path(str(published["landing"])) / "2023" / "huangpu_2023_dept_target_form.pdf"
    pypdf.PdfWriter(clone_from=form).write(form)  # a re-publication: the night has work to do
    claimed = Path(str(root)) / "state" / "build" / "transform" / "warehouse.duckdb"
    kill_when(env, claimed.exists)  # type: ignore[arg-type]
    time.sleep(1)
    assert digest(warehouse) == served  # type: ignore[arg-type]
    again = run(env)  # type: ignore[arg-type]
    assert again.returncode == 0, again.stderr[-2000:]
    assert marts(warehouse) == published["marts"]  # type: ignore[arg-type]


def test_kill_during_parsing(published: dict[str, object]) -> None:
    env, root, warehouse = published["env"], published["root"], published["warehouse"]
    served = digest(warehouse)  # type: ignore[arg-type]
    landing = Path(str(published["landing"]))
    for pdf in landing.rglob("*.pdf"):  # every document new again: the parse takes a while
        pypdf.PdfWriter(clone_from=pdf).write(pdf)
    zone = Path(str(root)) / "state" / "raw"
    before = {path.name for path in zone.iterdir()}

    def parsing() -> bool:
        return any(path.name not in before for path in zone.iterdir())

    kill_when(env, parsing)  # type: ignore[arg-type]
    assert digest(warehouse) == served  # type: ignore[arg-type]
    assert not any(
        path.name.startswith(".tmp-") and (path / "document.json").exists() for path in zone.iterdir()
    )
    again = run(env)  # type: ignore[arg-type]
    assert again.returncode == 0, again.stderr[-2000:]
    assert marts(warehouse) == published["marts"]  # type: ignore[arg-type]
    assert "0 quarantined" in again.stdout
