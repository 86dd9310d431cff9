"""What a document family declares: what identifies it on page 1, how it reads its pages into
records, and what makes it complete. The registry (ingest/families/registry.py) lists them;
`parse_document` knows nothing of any one family."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ingest.identify import OTHER_TITLE, Title
from ingest.pdf.reader import TableRow
from ingest.records import DocType


@dataclass(frozen=True)
class Pages:
    """What a family reads: the title it was identified by, the first page's text, every table row
    in reading order and, for a family that reads prose, each page's text."""

    title: Title
    first_page: str
    rows: Sequence[TableRow]
    texts: Mapping[int, str] = field(default_factory=dict)
    scanned: bool = False


@dataclass
class Reading:
    """A family's records of one document: the department it names, and ParsedDocument's fields
    (`records`, by field name) of the sections it read."""

    department: str
    sections: tuple[str, ...]
    records: dict[str, Any]
    subject: str | None = None  # the project of a project-scoped document (DocumentHeader.subject)
    year: int | None = None  # printed in the document's header when its title prints none


def no_check(pages: Pages) -> None:
    """A family whose every page belongs to one document by construction."""


def always_complete(reading: Reading) -> None:
    """A family that shows no evidence of a missing part beyond what its reader refuses."""


@dataclass(frozen=True)
class Family:
    """One document family. Its reader raises DocumentError subclasses with the detail alone:
    `parse_document` names the file."""

    doc_type: DocType
    name_zh: str  # the family's name as titles print it, for the refusal of an unknown title
    title: re.Pattern[str]  # over the title region with whitespace removed (ingest/identify.py)
    read: Callable[[Pages], Reading]
    # The record lists the family may read; `jixiao parse --json` prints a reading's own.
    sections: tuple[str, ...]
    # Reads the prose of every page, not only the tables (a report).
    reads_text: bool = False
    # MultipleDocuments when the pages show a second document after the first.
    one_document: Callable[[Pages], None] = no_check
    # IncompleteDocument (or MissingSection) when the records show a part of the document missing.
    complete: Callable[[Reading], None] = always_complete

    def identifies(self, region: str) -> re.Match[str] | None:
        """Where the title region names this family, unless another document's title comes first."""
        match = self.title.search(region)
        if match is None or OTHER_TITLE.search(region[: match.start()]):
            return None
        return match
