"""Turn a build's process into one that spends less on memory housekeeping: fewer
garbage collections while it builds, and freed memory handed back to the system.

CPython's cyclic collector runs after every 700 new container objects, and every
so often walks all of them. A build makes millions (WeasyPrint's boxes, pypdf's objects,
the unit's records), nearly all freed by reference counting alone: the collections were
5-10 % of a build (benchmarks/README.md, eighth session)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
from collections.abc import Iterator

# Collect the youngest objects after this many new ones instead of 700; the older
# generations after 50 and 100 of those (CPython's 10 and 10).
THRESHOLDS = (10_000, 50, 100)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """While the block runs, what exists already is left out of the collections (it
    lives as long as the build: modules, templates, fonts) and they run less often.
    The caller's settings come back after it, and what was set aside is collected again
    as usual: a long-lived caller (the web app, the tests) keeps nothing."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def collect_less_from_now() -> None:
    """For a process that only builds (a renderer): its modules and renderer, made
    already, are left out of the collections, which then run less often, for good."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


def return_freed_memory() -> None:
    """Hand the memory freed by a large document back to the system (glibc only).

    lxml and WeasyPrint free their trees, but glibc keeps the freed heap for the
    process: after the Word file of a 3,000-member list the main process stayed at
    390 MiB for the rest of the build, where 110 MiB were in use."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
