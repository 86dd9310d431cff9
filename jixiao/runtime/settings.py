"""Settings shared by the CLI and the DAGs, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jixiao.runtime.state import StateFolder

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WAREHOUSE_POOL = "jixiao_warehouse"  # Airflow pool of one slot: DuckDB has one writer at a time
DAG_IDS = ("jixiao_landing", "jixiao_transform")  # a night: the Asset chain, one after the other
# Set by `jixiao run --full-rebuild` for its night's child: the landing's `full_rebuild` param.
FULL_REBUILD_ENV = "JIXIAO_FULL_REBUILD"


class SettingsError(ValueError):
    """A setting whose value is not of the form it takes: the message names the variable, what it
    was given and what it expects."""

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"{name}={value!r}: expected {expected}")


def _whole(env: Mapping[str, str], name: str, default: int, *, least: int = 1) -> int:
    value = env.get(name, str(default)).strip()
    if not value.isdigit() or int(value) < least:
        raise SettingsError(name, value, f"a whole number, at least {least} (e.g. {default})")
    return int(value)


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, f"{default:g}").strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise SettingsError(name, value, f"a number of seconds above 0, without a unit (e.g. {default:g})")
    return seconds


def _addresses(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    addresses = tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())
    for address in addresses:
        if address.count("@") != 1 or " " in address:
            raise SettingsError(name, env[name], "mail addresses separated by commas (ops@example.org)")
    return addresses


def _resolve(value: str, root: Path) -> Path:
    # Relative paths are anchored at the project, never at the caller's working directory,
    # so the CLI, a scheduler and a Celery worker all land on the same files.
    path = Path(value).expanduser()
    return path if path.is_absolute() else (root / path)


@dataclass(frozen=True)
class Settings:
    project_root: Path
    landing_dir: Path
    warehouse: Path
    airflow_home: Path
    # Must be on the same filesystem as `warehouse`: publishing renames the build over it.
    state_dir: Path = PROJECT_ROOT / "data" / "state"
    export_dir: Path = PROJECT_ROOT / "data" / "exports"
    retry_delay_seconds: int = 300
    parse_workers: int = 2
    parse_timeout_seconds: float = 120
    ocr_page_seconds: float = 60
    parse_memory_mb: int = 1024
    batch_size: int = 25
    # Who is told of a failed task or a late night (jixiao.airflow.alerts), through which Airflow
    # connections; the deadline is off when None.
    alert_emails: tuple[str, ...] = ()
    alert_smtp_conn_id: str = "smtp_default"
    alert_apprise_conn_id: str = ""
    night_deadline_minutes: int | None = None

    @property
    def dbt_project_dir(self) -> Path:
        return self.project_root / "dbt_project"

    @property
    def state(self) -> StateFolder:
        """Every file of the state folder (`jixiao.runtime.state`)."""
        return StateFolder(self.state_dir, self.warehouse)

    @property
    def report_path(self) -> Path:
        """The static HTML report written after each publication, beside the served warehouse."""
        return self.warehouse.with_name("report.html")

    @property
    def dbt_docs_path(self) -> Path:
        """dbt's documentation site as one page, beside the report (`jixiao.stages.dbt_docs`)."""
        return self.warehouse.with_name("dbt-docs.html")

    @property
    def departments_seed(self) -> Path:
        return self.dbt_project_dir / "seeds" / "departments.csv"

    @property
    def dags_dir(self) -> Path:
        return self.project_root / "dags"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of the environment; SettingsError names the first value of a wrong form."""
        env = os.environ if environ is None else environ
        root = Path(env.get("JIXIAO_HOME", str(PROJECT_ROOT))).resolve()
        return cls(
            project_root=root,
            landing_dir=_resolve(env.get("JIXIAO_LANDING_DIR", "data/samples"), root),
            warehouse=_resolve(env.get("JIXIAO_WAREHOUSE", "data/warehouse.duckdb"), root),
            airflow_home=_resolve(env.get("AIRFLOW_HOME", ".airflow"), root),
            state_dir=_resolve(env.get("JIXIAO_STATE_DIR", "data/state"), root),
            export_dir=_resolve(env.get("JIXIAO_EXPORT_DIR", "data/exports"), root),
            retry_delay_seconds=_whole(env, "JIXIAO_RETRY_DELAY_SECONDS", 300, least=0),
            parse_workers=_whole(env, "JIXIAO_PARSE_WORKERS", min(4, os.cpu_count() or 1)),
            parse_timeout_seconds=_seconds(env, "JIXIAO_PARSE_TIMEOUT_SECONDS", 120),
            ocr_page_seconds=_seconds(env, "JIXIAO_OCR_PAGE_SECONDS", 60),
            parse_memory_mb=_whole(env, "JIXIAO_PARSE_MEMORY_MB", 1024),
            batch_size=_whole(env, "JIXIAO_BATCH_SIZE", 25),
            alert_emails=_addresses(env, "JIXIAO_ALERT_EMAIL"),
            alert_smtp_conn_id=env.get("JIXIAO_ALERT_SMTP_CONN_ID", "smtp_default").strip() or "smtp_default",
            alert_apprise_conn_id=env.get("JIXIAO_ALERT_APPRISE_CONN_ID", "").strip(),
            night_deadline_minutes=(
                _whole(env, "JIXIAO_NIGHT_DEADLINE_MINUTES", 240)
                if env.get("JIXIAO_NIGHT_DEADLINE_MINUTES", "").strip()
                else None
            ),
        )

    def airflow_env(self) -> dict[str, str]:
        """Environment for Airflow processes: project-local home and DAGs, absolute jixiao paths."""
        return {
            "AIRFLOW_HOME": str(self.airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_dir),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # The first parse after a change to the dbt project runs `dbt ls` for both task groups.
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            # The machine has no route to telemetry or lineage endpoints: don't try.
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__OPENLINEAGE__DISABLED": "True",
            "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "False",
            "JIXIAO_HOME": str(self.project_root),
            "JIXIAO_LANDING_DIR": str(self.landing_dir),
            "JIXIAO_WAREHOUSE": str(self.warehouse),
            "JIXIAO_STATE_DIR": str(self.state_dir),
            "JIXIAO_EXPORT_DIR": str(self.export_dir),
            "JIXIAO_RETRY_DELAY_SECONDS": str(self.retry_delay_seconds),
            "JIXIAO_ALERT_EMAIL": ",".join(self.alert_emails),
            "JIXIAO_ALERT_SMTP_CONN_ID": self.alert_smtp_conn_id,
            "JIXIAO_ALERT_APPRISE_CONN_ID": self.alert_apprise_conn_id,
            "JIXIAO_NIGHT_DEADLINE_MINUTES": str(self.night_deadline_minutes or ""),
        }
