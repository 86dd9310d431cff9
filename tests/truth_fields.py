"""How many of a truth file's fields a parse gave exactly: the measure of a scan's reading.

A truth field is the document's department, year or type, or one field of one record of a truth
list (`tests/fixtures/truth/`, described in `../shared/corpus/README.md`). Records are matched in the
truth's order, facts by their label (a fact not found misses all its fields). A refused document
gives none. Text compares as printed, spaces included, and also with spaces left out (a space typed
between Chinese and a figure is hardly wider than the gap LibreOffice leaves there anyway, and OCR
does not see it); amounts and figures as decimals.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

IDENTITY = ("department", "year", "doc_type")
# The amount fields of the truth lists (万元, and a score table's points).
AMOUNTS = {
    "budget_lines": ("amount_wan_yuan",),
    "key_tasks": ("funds_wan_yuan",),
    "projects": ("total", "fiscal", "special_account", "other"),
    "scores": ("score", "subtotal"),
    "execution_lines": ("initial_budget", "annual_budget", "executed"),
}


@dataclass
class FieldScore:
    exact: int = 0
    spaces_aside: int = 0  # exact once spaces are left out of text
    total: int = 0
    amounts_exact: int = 0
    amounts_total: int = 0
    # an amount field (blank ones too) or a figure that landed and differs from the printed one, in a
    # text field a figure the printed text does not hold
    numbers_wrong: int = 0
    misses: list[tuple[str, Any, Any]] = field(default_factory=list)  # (where, expected, read)
    # a truth that is a refusal (`{"refused": kind}`): whether the document was refused as that kind
    refused_as_expected: bool | None = None

    def add(self, where: str, expected: Any, read: Any, *, amount: bool = False, landed: bool = True) -> None:
        same = landed and _same(expected, read)  # a refused document gives no field, blank ones neither
        self.total += 1
        self.exact += same
        self.spaces_aside += same or (
            isinstance(expected, str) and isinstance(read, str) and _unspaced(expected) == _unspaced(read)
        )
        if amount:
            self.amounts_total += 1
            self.amounts_exact += same
        if (
            landed
            and not same
            and (
                amount
                or (_is_number(expected) and read is not None)
                or (where.rsplit(".", 1)[-1] not in NAMES and _figure_not_printed(expected, read))
            )
        ):
            self.numbers_wrong += 1
        if not same:
            self.misses.append((where, expected, read))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _same(expected: Any, read: Any) -> bool:
    if _is_number(expected):
        return _is_number(read) and Decimal(str(expected)) == Decimal(str(read))
    return bool(expected == read)


# Fields that name or quote something: a figure in them is text as read (第10.5代, 2023-2024年…项目;
# a fact's sentence), not data proven as a target's or a fact's value is (README, reading a scan).
NAMES = {"department", "name", "label", "unit", "subject", "text"}
_FIGURES = re.compile(r"\d+(?:[.,]\d+)*")


def _figure_not_printed(expected: Any, read: Any) -> bool:
    """Whether a text field holds a figure its printed text does not (a target ≥20 landed as 220):
    a wrong number inside text. A figure left out of the reading is text not read, not a wrong one."""
    if not (isinstance(expected, str) and isinstance(read, str)):
        return False
    return bool(Counter(_FIGURES.findall(read)) - Counter(_FIGURES.findall(expected)))


def _unspaced(text: str) -> str:
    return re.sub(r"\s+", "", text)


def load_truth(path: Path) -> dict[str, Any]:
    """A truth file, its decimals as Decimal."""
    return dict(json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal))


TRUTH = Path(__file__).resolve().parent / "fixtures" / "truth"


def truth_of(document: Path) -> dict[str, Any] | None:
    """The truth of a document: the file beside it (a family fixture's), else the sample's in
    `TRUTH`; None when it has none."""
    for folder in (document.parent, TRUTH):
        truth = folder / f"{document.stem}.truth.json"
        if truth.is_file():
            return load_truth(truth)
    return None


def landing_year(document: Path) -> int | None:
    """The year the nightly run gives `document`: its landing folder's (`year_from_path`), else
    the one a family fixture's name carries (huadu_2024_…)."""
    from ingest.identify import year_from_path

    named = re.search(r"(?<!\d)(20\d\d)(?!\d)", document.stem)
    return year_from_path(document) or (int(named.group(1)) if named else None)


def score_fields(
    truth: dict[str, Any], parsed: dict[str, Any] | None, refusal: str | None = None
) -> FieldScore:
    """Every truth field against `parsed` (the `jixiao parse --json` shape; None: refused, as
    `refusal`, the line's `Kind: detail`). A truth that is a refusal has no fields: the score says
    whether the parse was refused as that kind. A record that is one object (a self-evaluation
    table's `evaluation`) counts each of its fields."""
    score = FieldScore()
    if "refused" in truth:
        score.refused_as_expected = parsed is None and (refusal or "").startswith(f"{truth['refused']}:")
        return score
    landed = parsed is not None
    output = parsed or {}
    for name in IDENTITY:
        score.add(name, truth[name], output.get(name), landed=landed)
    for key, records in truth.items():
        if isinstance(records, dict):
            got = output.get(key) or {}
            for name, value in records.items():
                score.add(f"{key}.{name}", value, got.get(name), landed=landed)
            continue
        if not isinstance(records, list):
            continue
        read = list(output.get(key) or [])
        if key == "facts":
            by_label = {fact["label"]: fact for fact in read}
            pairs = [(record, by_label.get(record["label"], {})) for record in records]
        else:
            pairs = [(record, read[i] if i < len(read) else {}) for i, record in enumerate(records)]
        for i, (expected, got) in enumerate(pairs):
            for name, value in expected.items():
                amount = name in AMOUNTS.get(key, ())
                score.add(f"{key}[{i}].{name}", value, got.get(name), amount=amount, landed=landed)
    return score


@dataclass
class ScanReading:
    """One sample's scan parsed as the nightly workers parse it: its records, or its refusal."""

    name: str
    records: dict[str, Any] | None
    refusal: str | None
    score: FieldScore


def read_sample_scans(folder: Path, *, dpi: int, seed: int) -> dict[str, ScanReading]:
    """Each bundled sample scanned (`tests/scans.py`) at `dpi` and parsed, scored against its truth."""
    from ingest.contract import to_json
    from ingest.document import parse_document
    from ingest.errors import DocumentError
    from tests.conftest import SAMPLE_FILES
    from tests.scans import make_scan

    readings = {}
    for name, path in SAMPLE_FILES.items():
        scan = make_scan(path, folder / path.parent.name / f"{name}.pdf", dpi=dpi, seed=seed)
        truth = load_truth(TRUTH / f"{name}.truth.json")
        try:
            document = parse_document(scan, year=int(path.parent.name))
        except DocumentError as error:
            readings[name] = ScanReading(
                name, None, f"{error.kind}: {error.detail}", score_fields(truth, None)
            )
            continue
        records = json.loads(to_json(document), parse_float=Decimal, parse_int=Decimal)
        readings[name] = ScanReading(name, records, None, score_fields(truth, records))
    return readings


def sample_scans_fixture(dpi: int, seed: int = 2023) -> Any:
    """A module fixture: `read_sample_scans` at `dpi`, once per test module."""
    import pytest

    @pytest.fixture(scope="module")
    def readings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScanReading]:
        return read_sample_scans(Path(tmp_path_factory.mktemp("scans")), dpi=dpi, seed=seed)

    return readings
