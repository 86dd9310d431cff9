"""The night's dbt tasks keep the build open through a dbt invocation and close it at its end: in
the process that ran dbt (as Cosmos runs it, in the task's process), the file stays locked for
every other process until `close`, and is free at once when dbt runs without JIXIAO_DBT_KEEP_OPEN."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import program_output

pytestmark = pytest.mark.processes

PROGRAM = """
import json, subprocess, sys
from pathlib import Path
from dbt.cli.main import dbtRunner
from tests.conftest import dbt_arguments
from jixiao.airflow.dbt_invocation import close

work, warehouse = sys.argv[1], sys.argv[2]
OPEN_ELSEWHERE = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"

def free() -> bool:
    opened = subprocess.run([sys.executable, "-c", OPEN_ELSEWHERE, warehouse], capture_output=True)
    return opened.returncode == 0

assert dbtRunner().invoke(dbt_arguments(Path(work), "seed", "--select", "departments")).success
after_dbt = free()
close()
print(json.dumps({"after_dbt": after_dbt, "after_close": free()}))
"""


@pytest.mark.parametrize("keep_open", ["True", "False"], ids=["kept-open", "closed-between-nodes"])
def test_the_build_is_free_for_other_processes_once_closed(tmp_path: Path, keep_open: str) -> None:
    warehouse = tmp_path / "build.duckdb"
    environment = {**os.environ, "JIXIAO_DBT_WAREHOUSE": str(warehouse), "JIXIAO_DBT_KEEP_OPEN": keep_open}
    freed = program_output(PROGRAM, str(tmp_path), str(warehouse), env=environment)
    assert freed == {"after_dbt": keep_open == "False", "after_close": True}
