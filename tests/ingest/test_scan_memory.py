"""A scanned page's freed memory goes back to the system (`ingest/scan/memory.py`): the night's parse
workers read one scan after another, and glibc would keep the heap each page's images were carved
from."""

from __future__ import annotations

from ingest.scan.memory import give_back_freed_memory
from jixiao.runtime.limits import MIB, _resident


def test_heap_memory_freed_under_live_memory_goes_back_to_the_system() -> None:
    # Blocks under glibc's mmap threshold come from the heap; one allocated after them keeps the
    # heap's top in use, so that freeing them cannot shrink the heap from its end.
    blocks = [bytearray(60 * 1024) for _ in range(3000)]
    after = bytearray(60 * 1024)
    del blocks
    freed = _resident()
    give_back_freed_memory()
    assert _resident() < freed - 120 * MIB
    assert len(after) == 60 * 1024
