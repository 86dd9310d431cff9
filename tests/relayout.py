"""Re-lay-out a sample form's .xlsx with openpyxl and print it to PDF with LibreOffice, as offices do.

The parser must give the same records whatever the geometry: column widths, orientation, where the
pages break. Tests build variants here instead of keeping more PDFs in the repo.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pypdf
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

SOURCES = Path(__file__).resolve().parent / "fixtures" / "source"
Edit = Callable[[Worksheet], None]


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _text_width(text: str) -> float:
    """Width in 'CJK characters': Latin letters, digits and spaces take about half of one."""
    return sum(0.55 if ord(char) < 0x2E80 else 1.0 for char in text)


def fit_row_heights(sheet: Worksheet) -> None:
    """Row heights for the wrapped text at the current column widths.

    LibreOffice keeps the heights stored in the file instead of fitting them on import, so after a
    width change they are estimated here, generously (a taller row only adds white space).
    """
    spans = {
        (cells.min_row, cells.min_col): sum(
            sheet.column_dimensions[get_column_letter(col)].width or 8.43
            for col in range(cells.min_col, cells.max_col + 1)
        )
        for cells in sheet.merged_cells.ranges
        if cells.min_row == cells.max_row
    }
    for row in sheet.iter_rows():
        lines_needed = 1
        point_size = 9.0
        for cell in row:
            if cell.value is None or isinstance(cell, MergedCell):
                continue
            point_size = float(cell.font.sz or 9.0)
            width = (
                spans.get((cell.row, cell.column))
                or sheet.column_dimensions[cell.column_letter].width
                or 8.43
            )
            per_line = max(1.0, width / 1.75 * 9.0 / point_size - 1)
            lines_needed = max(lines_needed, math.ceil(_text_width(str(cell.value)) / per_line))
        sheet.row_dimensions[row[0].row].height = min(409.0, lines_needed * 12.8 * point_size / 9.0 + 7)


def set_widths(widths: dict[str, float]) -> Edit:
    """New column widths, with the row heights fitted to them."""

    def edit(sheet: Worksheet) -> None:
        for column, width in widths.items():
            sheet.column_dimensions[column].width = width
        fit_row_heights(sheet)

    return edit


def portrait(sheet: Worksheet) -> None:
    sheet.page_setup.orientation = "portrait"


def fit_to_width(sheet: Worksheet) -> None:
    """All columns on one page across (scaled down), as many pages down as needed."""
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0


def page_breaks_after(*rows: int) -> Edit:
    def edit(sheet: Worksheet) -> None:
        sheet.row_breaks = RowBreak()
        for row in rows:
            sheet.row_breaks.append(Break(id=row))

    return edit


def set_cells(values: dict[str, object]) -> Edit:
    def edit(sheet: Worksheet) -> None:
        for coordinate, value in values.items():
            sheet[coordinate].value = value

    return edit


def build_xlsx(source: str, edits: list[Edit], target: Path) -> Path:
    workbook = openpyxl.load_workbook(SOURCES / source)
    for edit in edits:
        edit(workbook.active)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(target)
    return target


def to_pdf(workbooks: list[Path], out_dir: Path) -> list[Path]:
    """Convert in one LibreOffice start (it is the slow part), with a throwaway profile; any file
    LibreOffice opens will do (.xlsx, .docx, .txt)."""
    binary = soffice()
    assert binary, "LibreOffice (soffice) is not installed: .ci/run installs libreoffice-calc"
    out_dir.mkdir(parents=True, exist_ok=True)
    printed = [out_dir / f"{workbook.stem}.pdf" for workbook in workbooks]
    for pdf in printed:  # an earlier printing must not pass for this one
        pdf.unlink(missing_ok=True)
    # Under load LibreOffice sometimes exits 0 having written nothing: the missing ones once more.
    for _attempt in range(2):
        missing = [workbook for workbook, pdf in zip(workbooks, printed, strict=True) if not pdf.exists()]
        if not missing:
            break
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [
                    binary,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(out_dir),
                    *map(str, missing),
                ],
                check=True,
                capture_output=True,
                timeout=300,
            )
    absent = [pdf.name for pdf in printed if not pdf.exists()]
    assert not absent, f"LibreOffice printed nothing for {absent}"
    return printed


def unrelated_pdf(folder: Path, pages: int) -> Path:
    """A document outside the family (a 部门决算) of `pages` pages: one page printed, then repeated.

    A workbook, so LibreOffice's Calc prints it (the one LibreOffice component .ci/run installs)."""
    source = folder / "final_accounts.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    lines = ["2022年度广州市科学技术局部门决算", "第一部分 部门概况", "一、部门职责"]
    lines += ["决算说明。" * 8] * 30
    for row, text in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=text)
    workbook.save(source)
    (printed,) = to_pdf([source], folder)
    reader = pypdf.PdfReader(printed)
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_page(reader.pages[0])
    path = folder / f"final_accounts_{pages}_pages.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return path
