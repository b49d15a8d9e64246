"""Turn a build's process into one that spends less on memory housekeeping: fewer
garbage collections while it builds, and freed memory handed back to the system.

CPython's cyclic collector runs after every 700 new container objects, and every
so often walks all of them, the unit's records and the loaded modules included. A build
makes millions (WeasyPrint's boxes, pypdf's objects), nearly all freed by reference
counting alone. Leaving what exists at the start out of the walks, and walking a little
less often, made the one-member rebuild of 1,000 members 5 % faster (benchmarks/
README.md, eighth session). Walking much less often (after 10,000 new objects) was no
faster and kept garbage longer: the 3,000-member build's tree peaked at 714 MiB, not
551."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
from collections.abc import Iterator

# Collect the youngest objects after this many new ones instead of 700; the older
# generations as CPython does, after 10 collections of the one below.
THRESHOLDS = (2_000, 10, 10)


@contextlib.contextmanager
def fewer_collections(collect: bool = True) -> Iterator[None]:
    """While the block runs, what exists already is left out of the collections (it
    lives as long as the build: modules, templates, fonts) and they run less often.
    The caller's settings come back after it, and what was set aside is collected again
    as usual: a long-lived caller (the web app, the tests) keeps nothing. A caller that
    collected garbage itself, while it had nothing else to do (pipeline/watch.py,
    between two builds: 24 ms of a 250 members' rebuild), says `collect=False`."""
    before = gc.get_threshold()
    if collect:
        gc.collect()  # what is garbage already is not set aside with the rest
    collect_less_from_now()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def collect_less_from_now() -> None:
    """For a process that only builds (a renderer): what it holds already (its modules
    and renderer, and what a forked renderer shares with its parent) is left out of the
    collections, which then run less often, for good. Nothing is collected first: that
    would write to every object shared with the parent, and so copy its pages."""
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
