"""The landing step of the nightly run: find documents, parse each, land it or quarantine it."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from duckdb import DuckDBPyConnection

from ingest.departments import DepartmentDirectory
from ingest.document import parse_document
from ingest.errors import DocumentError, ParserFailure
from ingest.land import connect, land_document, quarantine
from ingest.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class LandingSummary:
    landed: list[str] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)
    unknown_departments: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def discover(landing_dir: Path) -> list[Path]:
    """Every PDF under the landing folder, in a stable order (`<landing>/<year>/<file>.pdf`)."""
    if not landing_dir.is_dir():
        raise FileNotFoundError(f"landing folder {landing_dir} does not exist (JIXIAO_LANDING_DIR)")
    return sorted(p for p in landing_dir.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")


def _quarantine(
    connection: DuckDBPyConnection, summary: LandingSummary, source_path: str, error: DocumentError
) -> None:
    log.warning("quarantined %s", error)
    quarantine(connection, source_path, error)
    summary.quarantined[source_path] = str(error)


def land_all(settings: Settings) -> LandingSummary:
    """Parse and land every document; a bad one is quarantined and the others go on."""
    summary = LandingSummary()
    paths = discover(settings.landing_dir)
    departments = DepartmentDirectory.from_seed(settings.departments_seed)
    with connect(settings.warehouse) as connection:
        for path in paths:
            source_path = path.relative_to(settings.landing_dir).as_posix()
            try:
                document = parse_document(path, source_path=source_path, departments=departments)
            except DocumentError as error:
                _quarantine(connection, summary, source_path, error)
                continue
            except Exception as exc:  # one bad file must not stop the night
                log.exception("parser failure on %s", path)
                failure = ParserFailure(path, f"unexpected {type(exc).__name__}: {exc}".splitlines()[0])
                _quarantine(connection, summary, source_path, failure)
                continue
            land_document(connection, document)
            summary.landed.append(source_path)
            if document.header.department_code is None:
                log.warning(
                    "%s: department %r matches no row of %s; landed as unknown department "
                    "(add a seed row or an alias)",
                    path,
                    document.header.department,
                    settings.departments_seed.name,
                )
                summary.unknown_departments[source_path] = document.header.department
            log.info("landed %s (%s, %s)", source_path, document.header.doc_type, document.header.year)
    return summary
