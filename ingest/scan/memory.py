"""Memory a scanned page freed, handed back to the system once the page is read.

A page's images and the recogniser's buffers are freed when the page is done, but glibc keeps the
heap they were carved from: in a parse worker reading one scan after another, as the night's do,
resident memory grew from document to document, and its peak with it (docs/performance.md).
`malloc_trim` returns the free pages inside the heap as well as at its top. Elsewhere than glibc
there is nothing to call, and nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any


@functools.cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def give_back_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc's `malloc_trim(0)`)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
