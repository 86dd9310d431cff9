"""Typed parse errors. Each message is one line that names the file; callers decide to quarantine."""

from __future__ import annotations

from pathlib import Path
from typing import overload

# The path of an error raised by a reader, until parse_document names the file.
UNSTAMPED = Path("<document>")


class DocumentError(Exception):
    """A document that cannot be turned into records.

    Raised with the file's path, or, inside a family's reader, with the detail alone: the reader
    works on pages, not files, and `parse_document` stamps the path on whatever it raises.
    """

    @overload
    def __init__(self, detail: str, /) -> None: ...
    @overload
    def __init__(self, path: Path | str, detail: str, /) -> None: ...
    def __init__(self, *args: Path | str) -> None:
        *where, detail = args
        self.path = Path(where[0]) if where else UNSTAMPED
        self.detail = str(detail)
        super().__init__(str(self.path), self.detail)

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"

    @property
    def kind(self) -> str:
        return type(self).__name__

    def stamp(self, path: Path | str) -> DocumentError:
        """The error naming `path`, unless it names a file already."""
        if self.path == UNSTAMPED:
            self.path = Path(path)
            self.args = (str(self.path), self.detail)
        return self

    def __reduce__(self) -> tuple[type[DocumentError], tuple[Path, str]]:
        # Raised in a parse process and re-raised in its parent: pickled with both arguments.
        return type(self), (self.path, self.detail)


class UnreadableFile(DocumentError):
    """The path is no file to read: missing, a directory, a broken or looping symlink, no permission."""


class NotAPdf(DocumentError):
    """The bytes are not a PDF (wrong extension, truncated download, HTML error page …)."""


class DamagedFont(DocumentError):
    """An embedded font whose program does not decode: PDFium draws none of its glyphs and reads its
    characters as gaps, so the text would land with holes (作经费 for 工作经费)."""


class EncryptedPdf(DocumentError):
    """The PDF needs a password."""


class NoTextLayer(DocumentError):
    """A scanned PDF: pages carry no text to read."""


class UnreadableScan(DocumentError):
    """A scanned document whose figures OCR could not prove: readings that disagree, or an identity
    of the document (budget, project rows, scores) that its figures read do not satisfy."""


class UnknownDocumentType(DocumentError):
    """No known title (申报表, 绩效目标表, 自评报告) on the first page."""


class MissingSection(DocumentError):
    """A block the form must have (部门名称, 预算整体情况 …) was not found."""


class BadAmount(DocumentError):
    """A cell where an amount belongs holds something that is not an amount."""


class IncompleteDocument(DocumentError):
    """The document shows that part of it is missing: a row without the cell that names it."""


class MultipleDocuments(DocumentError):
    """One file holds two documents (two forms, a form and a project table …): read as one, they
    would merge."""


class UnknownYear(DocumentError):
    """The document does not print its year and its landing path has no <year>/ folder."""


class ParseTimeout(DocumentError):
    """Parsing ran past the time one document may take (JIXIAO_PARSE_TIMEOUT_SECONDS)."""


class TooLarge(DocumentError):
    """Parsing needed more memory than one document may take (JIXIAO_PARSE_MEMORY_MB)."""


class ParserFailure(DocumentError):
    """Anything else that went wrong inside a parser: quarantined like the rest, logged with its trace."""

    # A library's message can carry a whole escaped traceback on one line (ONNX Runtime's do): the
    # refusal keeps its start; the trace is in the log.
    MESSAGE_CHARACTERS = 160

    @classmethod
    def unexpected(cls, path: Path | str, exc: BaseException) -> ParserFailure:
        """The refusal of an exception no parser expected: its type and the start of its message."""
        message = " ".join(str(exc).split())
        if len(message) > cls.MESSAGE_CHARACTERS:
            message = message[: cls.MESSAGE_CHARACTERS - 1].rstrip() + "…"
        return cls(
            path,
            f"unexpected {type(exc).__name__}: {message}" if message else f"unexpected {type(exc).__name__}",
        )


class NeedsOcr(Exception):
    """Raised instead of reading a scanned page when the caller asked for no OCR: a page of print
    takes milliseconds, a scanned one seconds, so a bounded parse gives a scan time of its own (a
    number of seconds per page) and asks again with OCR. Never a document's outcome."""

    def __init__(self, path: Path | str, pages: int) -> None:
        self.path = Path(path)
        self.pages = pages
        super().__init__(f"{self.path}: a scan of up to {pages} pages")

    def __reduce__(self) -> tuple[type[NeedsOcr], tuple[Path, int]]:
        return type(self), (self.path, self.pages)
