"""One document's parse inside bounds: a time limit and a memory limit, the same for `jixiao parse`
and the nightly parse workers (JIXIAO_PARSE_TIMEOUT_SECONDS, JIXIAO_PARSE_MEMORY_MB).

A scanned document takes seconds a page where a printed one takes milliseconds: each parse is first
asked without OCR, and one that meets a scanned page (NeedsOcr) is asked again with OCR and a time
limit grown by JIXIAO_OCR_PAGE_SECONDS for each of its pages (`scan_time_limit`).

A hostile PDF can make a parser spin (a page tree that refers to itself) or inflate a small stream
into gigabytes. The parse runs in a child process: past the time limit the child is killed
(`ParseTimeout`); its address space may grow by the memory limit past what it started with, and an
allocation beyond fails inside it (`TooLarge`), so the machine never swaps and the night goes on.

OCR is bounded by what it really uses instead: ONNX Runtime reserves far more address space than it
touches (a colour scan at 300 dpi reserved past 1 GiB while its resident memory stayed near 550 MiB),
so with OCR the resident memory is watched (`resident_bound`), and the address space only kept under
a loose ceiling against runaway reservations.
"""

from __future__ import annotations

import os
import resource
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path

from pebble import ProcessExpired, ProcessPool

from ingest.departments import DepartmentDirectory
from ingest.document import parse_document
from ingest.errors import NeedsOcr, ParserFailure, ParseTimeout, TooLarge
from ingest.records import ParsedDocument

MIB = 1 << 20


def _address_space() -> int:
    """The bytes this process has mapped now (VmSize): a forked child starts with its parent's."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[0])
    return pages * resource.getpagesize()


@contextmanager
def memory_bound(megabytes: int) -> Iterator[None]:
    """Within the block, this process may map at most `megabytes` more than it has now; the limit
    is lifted after. Only around the parse itself: Arrow, which writes the raw zone afterwards,
    reserves address space in large blocks of its own and would fail under the same limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + megabytes * MIB
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _resident() -> int:
    """The bytes of this process in memory now (VmRSS)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize()


# How often the resident memory of an OCR parse is looked at: touching memory runs at a few GB/s,
# so a look every 10 ms lets it past the bound by some tens of MB at most.
RESIDENT_LOOK_SECONDS = 0.01
# The address space an OCR parse may reserve, in multiples of its memory bound.
OCR_ADDRESS_SPACE_FACTOR = 8


@contextmanager
def resident_bound(megabytes: int) -> Iterator[None]:
    """Within the block, this process may hold at most `megabytes` more in memory than it holds now;
    past it the process kills itself (SIGKILL, which the parent reads as TooLarge). Its address space
    may grow by OCR_ADDRESS_SPACE_FACTOR times as much. Only in a parse process of its own."""
    limit = _resident() + megabytes * MIB
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(RESIDENT_LOOK_SECONDS):
            if _resident() > limit:
                os.kill(os.getpid(), signal.SIGKILL)

    watcher = threading.Thread(target=watch, name="jixiao-resident-bound", daemon=True)
    with memory_bound(megabytes * OCR_ADDRESS_SPACE_FACTOR):
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join()


def scan_time_limit(timeout_seconds: float, page_seconds: float, pages: int) -> float:
    """The seconds a scanned document of `pages` pages may take to parse."""
    return timeout_seconds + page_seconds * pages


def timed_out(path: Path, seconds: float, scanned_pages: int | None = None) -> ParseTimeout:
    detail = f"parsing took longer than {seconds:g} s"
    if scanned_pages is not None:
        detail += (
            f" (a scan: JIXIAO_PARSE_TIMEOUT_SECONDS and JIXIAO_OCR_PAGE_SECONDS for each of its"
            f" {scanned_pages} pages)"
        )
    return ParseTimeout(path, detail)


def too_large(path: Path, megabytes: int) -> TooLarge:
    return TooLarge(path, f"parsing needed more than {megabytes} MB (JIXIAO_PARSE_MEMORY_MB)")


# How a bounded parse process ends when an allocation fails in native code (PDFium aborts) or the
# kernel kills it: past its memory limit, as far as anyone can tell from outside.
OUT_OF_MEMORY_SIGNALS = {-signal.SIGABRT, -signal.SIGKILL}
NATIVE_OUT_OF_MEMORY = "std::bad_alloc"


def died(path: Path, exc: BaseException, megabytes: int) -> TooLarge | ParserFailure:
    """What a parse process that died took its document for."""
    code = getattr(exc, "exitcode", None)
    if isinstance(exc, ProcessExpired) and code in OUT_OF_MEMORY_SIGNALS:
        name = signal.Signals(-code).name
        return TooLarge(
            path, f"the parse process was stopped ({name}) past {megabytes} MB (JIXIAO_PARSE_MEMORY_MB)"
        )
    return ParserFailure(path, f"the parse process died ({type(exc).__name__}: {exc})")


def parse_within_memory(
    path: Path,
    *,
    seed: Path,
    megabytes: int,
    ocr: bool,
    year: int | None = None,
    source_path: str | None = None,
) -> ParsedDocument:
    """parse_document under the memory bound, in this (parse) process: TooLarge past it. The one
    body of a bounded parse, for `jixiao parse`'s child and the nightly workers alike."""
    departments = DepartmentDirectory.from_seed(seed)
    bound = resident_bound if ocr else memory_bound
    try:
        with bound(megabytes):
            return parse_document(path, year=year, source_path=source_path, departments=departments, ocr=ocr)
    except MemoryError:
        raise too_large(path, megabytes) from None
    except Exception as exc:
        # A native library's allocation failing under the bound, raised as its own exception type
        # (ONNX Runtime's RuntimeException: std::bad_alloc).
        if NATIVE_OUT_OF_MEMORY in str(exc):
            raise too_large(path, megabytes) from None
        raise


def _parse(path: str, year: int | None, seed: str, megabytes: int, ocr: bool) -> ParsedDocument:
    return parse_within_memory(Path(path), seed=Path(seed), megabytes=megabytes, ocr=ocr, year=year)


def parse_bounded(
    path: Path,
    *,
    year: int | None,
    departments_seed: Path,
    timeout_seconds: float,
    ocr_page_seconds: float,
    memory_mb: int,
) -> ParsedDocument:
    """parse_document in a child process under both limits; DocumentError subclasses as it raises
    them, ParseTimeout past the time limit, TooLarge or ParserFailure when the child dies."""
    with ProcessPool(max_workers=1) as pool:

        def parse(ocr: bool, seconds: float, scanned_pages: int | None) -> ParsedDocument:
            future = pool.schedule(
                _parse, args=(str(path), year, str(departments_seed), memory_mb, ocr), timeout=seconds
            )
            try:
                result: ParsedDocument = future.result()
            except FutureTimeout:
                raise timed_out(path, seconds, scanned_pages) from None
            except MemoryError:
                raise too_large(path, memory_mb) from None
            except ProcessExpired as exc:  # the child died: killed, or a native allocation failed
                raise died(path, exc, memory_mb) from None
            return result

        try:
            return parse(False, timeout_seconds, None)
        except NeedsOcr as scan:
            return parse(True, scan_time_limit(timeout_seconds, ocr_page_seconds, scan.pages), scan.pages)
