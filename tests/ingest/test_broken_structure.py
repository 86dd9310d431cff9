"""PDFs whose structure is broken or odd, built here from the samples: a damaged or self-referring
page is refused as broken, never read into fewer records; an odd but intact one (rotated, a blank
sheet in front, a media box that refers to itself, a page overprinted with hundreds of thousands of
strokes) gives exactly the records of the sample it was made from."""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
from pypdf.generic import ArrayObject, ContentStream, NameObject, NullObject, NumberObject

from ingest.document import parse_document
from ingest.errors import DamagedFont, NotAPdf, NoTextLayer
from ingest.records import ParsedDocument
from tests.conftest import SAMPLE_FILES

FORM = SAMPLE_FILES["huangpu_2023_dept_target_form"]
TABLE = SAMPLE_FILES["guangzhou_2023_project_target_table"]


def _written(writer: pypdf.PdfWriter, folder: Path, name: str) -> Path:
    path = folder / "2023" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(path)
    return path


def damaged_content_stream(folder: Path) -> Path:
    """200 random bytes over the middle of page 4's compressed content stream."""
    data = bytearray(TABLE.read_bytes())
    contents = pypdf.PdfReader(TABLE).pages[3].raw_get("/Contents")
    start_of_object = re.search(rb"(?<![0-9])%d 0 obj" % contents.idnum, data)
    assert start_of_object is not None
    start = data.index(b"stream", start_of_object.end()) + len(b"stream")
    while data[start] in b"\r\n":
        start += 1
    middle = (start + data.index(b"endstream", start)) // 2
    noise = random.Random(4)
    data[middle : middle + 200] = bytes(noise.randrange(256) for _ in range(200))
    path = folder / "2023" / "damaged.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))
    return path


def contents_refer_to_themselves(folder: Path) -> Path:
    writer = pypdf.PdfWriter(clone_from=FORM)
    loop = ArrayObject()
    reference = writer._add_object(loop)
    loop.append(reference)
    writer.pages[0][NameObject("/Contents")] = reference
    return _written(writer, folder, "contents_loop.pdf")


def contents_are_a_reference_to_themselves(folder: Path) -> Path:
    """`/Contents 4 0 R` where object 4 is `4 0 R`: a resolver that follows references blindly
    never returns."""
    writer = pypdf.PdfWriter(clone_from=FORM)
    reference = writer._add_object(NullObject())
    writer._objects[reference.idnum - 1] = reference
    writer.pages[0][NameObject("/Contents")] = reference
    return _written(writer, folder, "contents_self_reference.pdf")


def a_megabyte_line_of_garbage(folder: Path) -> Path:
    # No line break anywhere: a reader that searches backwards for startxref line by line is
    # quadratic on it.
    path = folder / "2023" / "garbage.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 " + b"A" * (16 << 20))
    return path


def no_page_prints_anything(folder: Path) -> Path:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    return _written(writer, folder, "blank.pdf")


def damaged_font_program(folder: Path) -> Path:
    """20 KB of random bytes over the middle of the table's main embedded font program: PDFium
    draws none of its glyphs, and read as they are, project names lose characters (作经费)."""
    writer = pypdf.PdfWriter(clone_from=TABLE)
    rng = random.Random(20231125)
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font["/BaseFont"] != "/CAAAAA+NotoSerifCJKjp-Regular-VKana":
                continue
            program = font["/FontDescriptor"]["/FontFile"].get_object()
            data = bytearray(program.get_data())
            middle = len(data) // 3
            data[middle : middle + 20_000] = bytes(rng.randrange(256) for _ in range(20_000))
            program.set_data(bytes(data))
            return _written(writer, folder, "damaged_font.pdf")
    raise AssertionError("the sample table no longer embeds the font this test damages")


BROKEN: list[tuple[Callable[[Path], Path], type[Exception], str]] = [
    (damaged_font_program, DamagedFont, "page 1: the font CAAAAA+NotoSerifCJKjp-Regular-VKana draws none"),
    (damaged_content_stream, NotAPdf, "page 4: its content stream is damaged"),
    (contents_refer_to_themselves, NotAPdf, "page 1: its /Contents is not a content stream"),
    (contents_are_a_reference_to_themselves, NotAPdf, "page 1: its /Contents refers to itself"),
    (a_megabyte_line_of_garbage, NotAPdf, "structure is broken"),
    (no_page_prints_anything, NoTextLayer, "none of its 2 pages prints anything"),
]


@pytest.mark.parametrize(("make", "error", "words"), BROKEN, ids=[case[0].__name__ for case in BROKEN])
def test_a_broken_structure_is_refused(
    tmp_path: Path, make: Callable[[Path], Path], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=re.escape(words)) as raised:
        parse_document(make(tmp_path))
    assert "\n" not in str(raised.value)


def rotated(folder: Path) -> Path:
    writer = pypdf.PdfWriter(clone_from=FORM)
    for page in writer.pages:
        page.rotate(90)
    return _written(writer, folder, "rotated.pdf")


def media_box_refers_to_itself(folder: Path) -> Path:
    writer = pypdf.PdfWriter(clone_from=FORM)
    box = ArrayObject()
    reference = writer._add_object(box)
    box.extend([reference, NumberObject(0), NumberObject(842), NumberObject(595)])
    writer.pages[0][NameObject("/MediaBox")] = reference
    return _written(writer, folder, "mediabox_loop.pdf")


def overprinted_with_strokes(folder: Path) -> Path:
    """Page 1 overprinted with 388,000 tiny diagonal strokes (a damaged or hostile drawing)."""
    writer = pypdf.PdfWriter(clone_from=FORM)
    page = writer.pages[0]
    strokes = " ".join(
        f"{i * 7 % 800} {i * 13 % 580} m {i * 7 % 800 + 1} {i * 13 % 580 + 1} l S" for i in range(388_000)
    )
    content = ContentStream(None, writer)
    content.set_data(page.get_contents().get_data() + f"\nq 0.1 w {strokes} Q".encode())  # type: ignore[union-attr]
    page.replace_contents(content)
    return _written(writer, folder, "overprinted.pdf")


def only_an_owner_password(folder: Path) -> Path:
    """Encrypted with an empty user password: anyone opens it, printing or copying is restricted
    (common on government sites); its streams are stored encrypted."""
    writer = pypdf.PdfWriter(clone_from=FORM)
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    return _written(writer, folder, "owner_password.pdf")


def a_wrong_checksum(folder: Path) -> Path:
    """Page 1's content stream inflates whole, but its zlib checksum is wrong: a producer's slip
    that readers forgive."""
    data = bytearray(FORM.read_bytes())
    contents = pypdf.PdfReader(FORM).pages[0].raw_get("/Contents")
    start_of_object = re.search(rb"(?<![0-9])%d 0 obj" % contents.idnum, data)
    assert start_of_object is not None
    end = data.index(b"endstream", start_of_object.end())
    while data[end - 1] in b"\r\n":
        end -= 1
    data[end - 1] ^= 0xFF  # the last byte of the Adler-32 checksum
    path = folder / "2023" / "checksum.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(data))
    return path


def blank_sheet_in_front(folder: Path) -> Path:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.append(str(FORM))
    return _written(writer, folder, "blank_first.pdf")


def _records(document: ParsedDocument, page_shift: int = 0) -> dict[str, Any]:
    """Every record list and text of a document, its pages moved back by `page_shift`; the
    document's own identity (sha256, path, page count) left out."""

    def moved(record: Any) -> dict[str, Any]:
        fields = dataclasses.asdict(record)
        if "page" in fields:
            fields["page"] -= page_shift
        if "pages" in fields:
            fields["pages"] = tuple(page - page_shift for page in fields["pages"])
        return fields

    lists = ("budget_lines", "key_tasks", "indicators", "projects", "scores", "facts", "targets")
    records: dict[str, Any] = {name: [moved(record) for record in getattr(document, name)] for name in lists}
    records.update(
        department=document.header.department,
        year=document.header.year,
        doc_type=document.header.doc_type,
        overall_goal=document.overall_goal,
        other_tasks=document.other_tasks,
    )
    return records


INTACT: list[tuple[Callable[[Path], Path], int]] = [
    (rotated, 0),
    (media_box_refers_to_itself, 0),
    (overprinted_with_strokes, 0),
    (only_an_owner_password, 0),
    (a_wrong_checksum, 0),
    (blank_sheet_in_front, 1),
]


@pytest.mark.parametrize(("make", "page_shift"), INTACT, ids=[case[0].__name__ for case in INTACT])
def test_an_odd_but_intact_structure_gives_the_sample_records(
    tmp_path: Path, make: Callable[[Path], Path], page_shift: int
) -> None:
    expected = _records(parse_document(FORM))
    assert _records(parse_document(make(tmp_path)), page_shift) == expected
