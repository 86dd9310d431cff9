"""Hostile documents, small files built from real PDFs, for the bounds of a parse
(jixiao/runtime/limits.py): a content stream that inflates past the memory limit, and a document that
takes far longer to read than the time limit."""

from __future__ import annotations

import zlib
from pathlib import Path

import pypdf
from pypdf.generic import ArrayObject, NameObject, StreamObject

from tests.conftest import SAMPLE_FILES

# One drawn line per operator: pdfplumber keeps an object for each, so a page of them takes gigabytes.
LINES = b"0 0 m 1 1 l S\n"


def deflated(operator: bytes, inflated_mib: int) -> bytes:
    """`operator` repeated to `inflated_mib` MiB, deflated without ever holding it whole."""
    compressor = zlib.compressobj(9)
    unit = operator * ((1 << 20) // len(operator))
    return b"".join([*(compressor.compress(unit) for _ in range(inflated_mib)), compressor.flush()])


def memory_bomb(path: Path, inflated_mib: int = 600) -> Path:
    """A PDF of a few hundred KB whose one page draws `inflated_mib` MiB of lines: parsed whole,
    it takes gigabytes."""
    stream = deflated(LINES, inflated_mib)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    pdf, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(pdf))
    return path


def form_drawing_on_page_1(path: Path, operator: bytes, inflated_mib: int) -> Path:
    """The 黄埔 form whose page 1 also draws `inflated_mib` MiB of `operator`: a real document that
    reads correctly up to that stream."""
    writer = pypdf.PdfWriter(clone_from=SAMPLE_FILES["huangpu_2023_dept_target_form"])
    stream = StreamObject()
    stream.set_data(deflated(operator, inflated_mib))  # already deflated: the filter below says so
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    page = writer.pages[0]
    page[NameObject("/Contents")] = ArrayObject([page.raw_get("/Contents"), writer._add_object(stream)])
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(path)
    return path


def form_with_a_bomb_on_page_1(path: Path, inflated_mib: int = 600) -> Path:
    return form_drawing_on_page_1(path, LINES, inflated_mib)


def slow_form(path: Path, pages: int = 2000) -> Path:
    """The 黄埔 form with its first page printed again until it has `pages` pages, all sharing one
    content stream (a few hundred KB): at 10–50 ms a page it takes 20 s or more to read on any
    machine, a stand-in for a document that hangs the parser, where each sample takes under 0.5 s."""
    writer = pypdf.PdfWriter(clone_from=SAMPLE_FILES["huangpu_2023_dept_target_form"])
    first = writer.pages[0]
    for _ in range(pages - len(writer.pages)):
        writer.add_page(first)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.write(path)
    return path
