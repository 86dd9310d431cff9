"""One PDF → ParsedDocument: the single entry point that opens files and picks the parser."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from pypdfium2 import PdfDocument

from ingest import forms, projects, self_eval
from ingest.departments import DepartmentDirectory
from ingest.errors import DocumentError, MultipleDocuments, NotAPdf, UnknownYear, UnreadableScan
from ingest.identify import Title, identify, resolve_year
from ingest.pdf.columns import header_columns
from ingest.pdf.integrity import damaged_page
from ingest.pdf.pdfium import PageObjects
from ingest.pdf.reader import PdfContent, TableRow, first_page_text, open_pdf, read_pdf
from ingest.pdf.text import squash
from ingest.proof import prove, prove_prose, unmarked
from ingest.records import DocType, DocumentHeader, ParsedDocument
from ingest.targets import targets_of

# Bumped when a parser change alters records: documents parsed by an older version are parsed again.
PARSER_VERSION = "2026.11.24.2"

# The record lists each parser reads today; `jixiao parse --json` prints exactly these.
SECTIONS: dict[DocType, tuple[str, ...]] = {
    DocType.DEPT_TARGET_FORM: ("budget_lines", "key_tasks", "indicators"),
    DocType.PROJECT_TARGET_TABLE: ("budget_lines", "projects"),
    DocType.SELF_EVALUATION: ("scores", "facts"),
}


def _one_document(doc_type: DocType, rows: Sequence[TableRow], path: Path) -> None:
    """MultipleDocuments when the rows show a second document after the first: a project table's
    header row in a form; a form's 预算整体情况 block in a project table; a 部门名称 naming another
    department in a form. (A second 预算整体情况 label tells nothing: a page
    break inside the block prints its merged label again.)"""
    if doc_type is DocType.SELF_EVALUATION:
        return
    labelled: dict[str, list[TableRow]] = {}
    for row in rows:
        if (block := forms.section_of(row)) in (forms.DEPARTMENT, forms.BUDGET):
            labelled.setdefault(block, []).append(row)
        if doc_type is DocType.DEPT_TARGET_FORM and header_columns(row, projects.HEADER):
            raise MultipleDocuments(path, f"page {row.page}: a 项目支出绩效目标表 follows the form")
    # A project table may head its first column 单位名称: only a form's budget block tells a form.
    if doc_type is DocType.PROJECT_TARGET_TABLE and (budget := labelled.get(forms.BUDGET)):
        raise MultipleDocuments(path, f"page {budget[0].page}: a form's {forms.BUDGET} follows the table")
    named = labelled.get(forms.DEPARTMENT, [])
    for row in named[1:]:
        if squash("".join(forms.body(row))) != squash("".join(forms.body(named[0]))):
            raise MultipleDocuments(path, f"page {row.page}: a second form begins, of another department")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_document(
    path: Path,
    *,
    year: int | None = None,
    source_path: str | None = None,
    departments: DepartmentDirectory | None = None,
    ocr: bool = True,
) -> ParsedDocument:
    """Parse one document. Raises a DocumentError subclass naming the file when it cannot; with
    `ocr` False, NeedsOcr at the first scanned page instead of reading it."""
    document = _parse(Path(path), year=year, source_path=source_path, departments=departments, ocr=ocr)
    if document.header.ocr:
        prove(document, Path(path))
        document = unmarked(document)
    document.targets = targets_of(document)
    return document


def _read_scan(path: Path, document: PdfDocument, index: int, blank: PageObjects) -> PageObjects | None:
    from ingest.scan.page import read_scan  # OpenCV, ONNX Runtime and Tesseract: for scans only

    return read_scan(path, document, index, blank)


def _parse(
    path: Path,
    *,
    year: int | None,
    source_path: str | None,
    departments: DepartmentDirectory | None,
    ocr: bool,
) -> ParsedDocument:
    with open_pdf(path, scans=_read_scan if ocr else None) as pdf:
        # A page PDFium draws only up to its damage would read as a blank or a shorter page.
        if problem := damaged_page(path):
            raise NotAPdf(path, f"the PDF structure is broken ({problem})")
        # What the document is comes from its title page alone: anything else is refused unread.
        first_page = first_page_text(pdf, path)
        title = identify(first_page, path)
        # Forms and project tables are read from their tables: only a report's prose needs its text.
        content = read_pdf(pdf, first_page=first_page, texts=title.doc_type is DocType.SELF_EVALUATION)
    if not content.scanned:
        return _records(path, title, first_page, content, year, source_path, departments)
    try:
        return _records(path, title, first_page, content, year, source_path, departments)
    except UnknownYear:
        raise  # the landing path's folder, not OCR, is what is missing
    except DocumentError as error:
        # In a scan, a block not found or an amount not there is a misreading far more often than
        # a broken document: where an amount belongs, OCR gave none its readings agreed on
        # (ingest/scan/page.py), or a label came out unrecognisable.
        detail = f"{error.detail} (read by OCR from a scan: not read for certain)"
        raise UnreadableScan(path, detail) from error


def _records(
    path: Path,
    title: Title,
    first_page: str,
    content: PdfContent,
    year: int | None,
    source_path: str | None,
    departments: DepartmentDirectory | None,
) -> ParsedDocument:
    doc_type = title.doc_type

    def header(department: str) -> DocumentHeader:
        fiscal_year, year_source = resolve_year(path, title.year, year, source_path)
        return DocumentHeader(
            sha256=sha256_of(path),
            source_path=source_path or str(path),
            doc_type=doc_type,
            department=department,
            year=fiscal_year,
            year_source=year_source,
            page_count=content.page_count,
            department_code=departments.match(department) if departments else None,
            ocr=bool(content.scanned),
        )

    sections = SECTIONS[doc_type]
    _one_document(doc_type, content.rows, path)
    if doc_type is DocType.DEPT_TARGET_FORM:
        form = forms.parse_form(content.rows, first_page, path)
        return ParsedDocument(
            header(form.department),
            # 基本信息 (下属二级单位数 …) is printed by some forms only.
            (*sections, "facts") if form.basic_info else sections,
            budget_lines=form.budget_lines,
            key_tasks=form.key_tasks,
            indicators=form.indicators,
            facts=form.basic_info,
            overall_goal=form.overall_goal,
            other_tasks=form.other_tasks,
        )
    if doc_type is DocType.PROJECT_TARGET_TABLE:
        department = projects.department_name(first_page, path)
        unit_total, project_rows = projects.parse_rows(content.rows, department, path)
        return ParsedDocument(header(department), sections, budget_lines=unit_total, projects=project_rows)
    if content.scanned:
        prove_prose(content.texts, path)
    pages = [content.texts[number] for number in sorted(content.texts)]
    scores = self_eval.scores(content.rows, path)
    facts = self_eval.facts(pages, scores)
    self_eval.check_scored(scores, facts, path)
    department = self_eval.department_name(title, path)
    return ParsedDocument(header(department), sections, scores=scores, facts=facts)
