"""Turn a parse of an untrusted file into its result or a one-line refusal, never a hang.

A received dossier or an attachment may be crafted to hang a parser or eat the memory of
the machine. `run_guarded` runs the work in a forked child with a limit on the address
space it may add to what it inherited (resource.RLIMIT_AS) and a wall-clock limit; past
either, or on any failure of the parser, the caller gets UnreadableDossierError with a
Vietnamese message, and the child is killed.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing
import os
import resource
from collections.abc import Callable
from typing import Any, TypeVar

from pipeline.errors import HosoError, UnreadableDossierError

T = TypeVar("T")

TIMEOUT_SECONDS = 60.0
MEMORY_LIMIT = 1024 * 1024 * 1024  # 1 GiB of address space for the parsing child


def run_guarded(function: Callable[..., T], *args: Any, name: str,
                timeout: float = TIMEOUT_SECONDS, memory: int = MEMORY_LIMIT) -> T:
    """`function(*args)` in a child process within `timeout` seconds and `memory` bytes."""
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(function, args, memory, name, child),
                              daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise UnreadableDossierError(f"{name}: đọc quá {int(timeout)} giây, tệp có thể bị "
                                         "hỏng hoặc cố ý làm hỏng; không xử lý được")
        try:
            kind, payload = parent.recv()
        except (EOFError, OSError):
            raise UnreadableDossierError(
                f"{name}: tiến trình đọc tệp dừng giữa chừng (có thể vượt giới hạn bộ nhớ "
                f"{memory // 2**20} MB); không xử lý được") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        parent.close()
    if kind == "error":
        raise UnreadableDossierError(payload)
    return payload


def _child(function: Callable[..., Any], args: tuple[Any, ...], memory: int, name: str,
           connection: Any) -> None:
    # A C library that runs out of memory aborts with a dump on stderr: the parent says
    # what happened in one line, so the child's stderr goes nowhere.
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit may be in force
        limit = _address_space() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        connection.send(("ok", function(*args)))
    except HosoError as error:
        connection.send(("error", str(error)))
    except MemoryError:
        connection.send(("error", f"{name}: cần quá {memory // 2**20} MB bộ nhớ để đọc, tệp "
                                  "có thể cố ý làm hỏng; không xử lý được"))
    except RecursionError:
        connection.send(("error", f"{name}: PDF lồng nhau quá sâu, không đọc được"))
    except Exception as error:  # hostile input: any failure is "unreadable", never a crash
        connection.send(("error", f"{name}: tệp bị hỏng, không đọc được "
                                  f"({type(error).__name__})"))
    finally:
        connection.close()


def _address_space() -> int:
    """Bytes of address space this process has mapped (what it inherited from its
    parent), so that the limit is `memory` more than that: a long-running parent (the
    web app, with its threads' malloc arenas of 64 MiB each) may map more than 1 GiB
    before the child parses a byte."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
