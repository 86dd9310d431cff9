"""Settings from the environment: a value of the wrong form names its variable and the form it
takes, in one line from the command line (exit 2), never a traceback."""

from __future__ import annotations

import subprocess
import tomllib

import pytest
import yaml

from jixiao.runtime.settings import Settings, SettingsError
from tests.conftest import PROJECT_ROOT, bin_path


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JIXIAO_PARSE_TIMEOUT_SECONDS", "2m"),
        ("JIXIAO_PARSE_TIMEOUT_SECONDS", "0"),
        ("JIXIAO_OCR_PAGE_SECONDS", "inf"),
        ("JIXIAO_PARSE_WORKERS", "two"),
        ("JIXIAO_PARSE_WORKERS", "0"),
        ("JIXIAO_PARSE_MEMORY_MB", "1.5G"),
        ("JIXIAO_BATCH_SIZE", "-5"),
        ("JIXIAO_RETRY_DELAY_SECONDS", "5 minutes"),
    ],
)
def test_a_value_of_the_wrong_form_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({name: value})
    assert str(raised.value).startswith(f"{name}={value!r}: expected ")


def test_values_of_the_right_form_are_read() -> None:
    settings = Settings.from_env(
        {
            "JIXIAO_PARSE_TIMEOUT_SECONDS": "90.5",
            "JIXIAO_PARSE_WORKERS": " 3 ",
            "JIXIAO_RETRY_DELAY_SECONDS": "0",
        }
    )
    assert (settings.parse_timeout_seconds, settings.parse_workers, settings.retry_delay_seconds) == (
        90.5,
        3,
        0,
    )


def test_the_command_line_says_which_setting_in_one_line_and_exits_2() -> None:
    done = subprocess.run(
        [bin_path("jixiao"), "sql", "select 1"],
        env={"PATH": "/usr/bin:/bin", "JIXIAO_PARSE_TIMEOUT_SECONDS": "2m"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "jixiao: SettingsError: JIXIAO_PARSE_TIMEOUT_SECONDS='2m': "
        "expected a number of seconds above 0, without a unit (e.g. 120)"
    ]


def test_the_version_has_one_source() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    done = subprocess.run([bin_path("jixiao"), "--version"], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == f"jixiao {project['version']}"
    dbt = yaml.safe_load((PROJECT_ROOT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    assert dbt["version"] == project["version"]
    changelog = (PROJECT_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{project['version']}]" in changelog
