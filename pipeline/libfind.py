"""Turn WeasyPrint's search for its C libraries (Pango, HarfBuzz, fontconfig) into one
answered from the system loader's cache, without probing with a compiler.

WeasyPrint tries each library under every platform's name (`libgobject-2.0-0`, then
`gobject-2.0-0`, then `gobject-2.0`, …). On Linux, ctypes' find_library answers a name
from `ldconfig -p`, and when that fails runs gcc, then ld, to look further: 9–21 ms for
each Windows-style name that cannot exist, 0.17 s of WeasyPrint's 0.36 s import, paid by
every rendering process. While WeasyPrint loads, a name absent from the loader's cache
is reported absent at once; WeasyPrint then tries its next name, and its last ones are
the Linux file names (`libgobject-2.0.so.0`), which the loader opens itself.
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager

PROBES = ("_findLib_gcc", "_findLib_ld")  # ctypes.util's fallbacks after ldconfig


@contextmanager
def loader_cache_only() -> Iterator[None]:
    """Within the block, find_library asks only the loader's cache (Linux)."""
    saved = {name: getattr(ctypes.util, name) for name in PROBES
             if hasattr(ctypes.util, name)}
    if not sys.platform.startswith("linux") or len(saved) != len(PROBES):
        yield
        return
    for name in PROBES:
        setattr(ctypes.util, name, _not_found)
    try:
        yield
    finally:
        for name, probe in saved.items():
            setattr(ctypes.util, name, probe)


def _not_found(name: str) -> None:
    return None
