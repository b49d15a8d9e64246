"""Turn one process that has loaded the renderer into many renderers: a zygote forks them.

Each renderer of a pool loaded WeasyPrint and made its renderer itself, 0.28 s of CPU
apiece, while the main process read the unit on the same two cores: the đảng bộ sample's
first form was laid out 1 s into a 2.9 s build. A zygote is forked once from the main
process, loads all that once, and forks the renderers from itself, ready to lay out.

The pool (`dossier.RenderPool`) asks for a renderer as for any process; the process it
gets (`ZygoteChild`) is a stand-in whose end it can wait for (its `sentinel`), end
(`terminate`) and join, while the real one is the zygote's child. Linux only (fork).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import socket
import struct
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.context import Process
from typing import Any

PID = struct.Struct("=i")


class Zygote:
    """A process forked from this one that runs `prepare`, then forks a child that runs
    `child_main(zygote_pid)` for every `request`, until its socket is closed."""

    def __init__(self, prepare: Callable[[], None],
                 child_main: Callable[[int], None]) -> None:
        ours, theirs = socket.socketpair()
        context = multiprocessing.get_context("fork")
        self.process = context.Process(target=_serve, args=(theirs, ours, prepare, child_main),
                                       name="hoso-zygote")
        self.process.start()
        theirs.close()
        self.socket = ours
        self.lock = threading.Lock()
        self.pids: list[int | None] = []  # of the children, in the order asked for
        self.children: list[ZygotePopen] = []

    def request(self, child: ZygotePopen) -> tuple[int, int]:
        """Ask for a child: its index, and a file descriptor that becomes readable once
        the child has ended (as multiprocessing's `sentinel`; closed by `close`)."""
        ended, end = os.pipe()
        with self.lock:
            self.children.append(child)
            try:
                socket.send_fds(self.socket, [b"F"], [end])
            except OSError:
                pass  # the zygote is gone: the sentinel says so at once
            finally:
                os.close(end)
            return len(self.children) - 1, ended

    def pid(self, index: int) -> int | None:
        """The child's process id, once the zygote has forked it; None if it never will."""
        with self.lock:
            while len(self.pids) <= index:
                reply = _receive(self.socket, PID.size)
                self.pids.append(PID.unpack(reply)[0] if reply else None)
            return self.pids[index]

    def close(self) -> None:
        """No more children: the zygote forks those already asked for, then ends. Called
        once the pool has ended its processes."""
        with contextlib.suppress(OSError):
            # Shut down, not only closed: a process forked from this one meanwhile
            # (a guarded attachment reader) holds a copy of the socket.
            self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()
        self.process.join(CLOSE_SECONDS)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        for child in self.children:
            child.forget()


CLOSE_SECONDS = 10  # a zygote still loading finishes, forks and ends in well under 1 s


def _receive(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = sock.recv(size - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def _serve(sock: socket.socket, parents: socket.socket, prepare: Callable[[], None],
           child_main: Callable[[int], None]) -> None:
    """The zygote: prepare, then fork a child per request. Ctrl-C is the main process's
    to handle (it ends the pool); the children are reaped by the kernel."""
    parents.close()  # else the zygote would never see the main process end
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    with contextlib.suppress(Exception):  # each child meets it again, and reports it
        prepare()
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 1, 1)
        except OSError:
            return
        if not message or not fds:
            return
        pid = os.fork()
        if pid == 0:
            _child(sock, fds[0], child_main, os.getppid())
        os.close(fds[0])
        try:
            sock.sendall(PID.pack(pid))
        except OSError:
            return


def _child(sock: socket.socket, ended: int, child_main: Callable[[int], None],
           zygote: int) -> None:
    """A child of the zygote: run, write the exit code to the sentinel, never return."""
    code = 1
    try:
        sock.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        child_main(zygote)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # as multiprocessing's own children report it
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            os.write(ended, bytes([code & 0xFF]))
        finally:
            os._exit(code)


class ZygotePopen:
    """multiprocessing's handle of a started process, for a child of the zygote."""

    method = "fork"

    def __init__(self, zygote: Zygote) -> None:
        self.zygote = zygote
        self.returncode: int | None = None
        self.sent = 0  # the signal this process sent it, if any
        self.index, self.sentinel = zygote.request(self)

    @property
    def pid(self) -> int | None:
        return self.zygote.pid(self.index)

    def poll(self, flag: int = os.WNOHANG) -> int | None:
        if self.returncode is None:
            timeout = 0 if flag & os.WNOHANG else None
            if multiprocessing.connection.wait([self.sentinel], timeout):
                code = os.read(self.sentinel, 1)
                # Nothing written: ended by a signal, ours or another's.
                self.returncode = code[0] if code else -(self.sent or signal.SIGKILL)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is None and \
                not multiprocessing.connection.wait([self.sentinel], timeout):
            return None
        return self.poll()

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, number: int) -> None:
        if self.poll() is None and (pid := self.pid) is not None:
            self.sent = number
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, number)

    def close(self) -> None:
        """The sentinel is the zygote's to close (`Zygote.close`)."""

    def forget(self) -> None:
        """Close the sentinel, the child's end known or not: an orphan ends itself
        (dossier._end_when_orphaned). Its exit code stays what it was, or -SIGKILL."""
        self.poll()
        if self.returncode is None:
            self.returncode = -signal.SIGKILL
        os.close(self.sentinel)

    def duplicate_for_child(self, fd: int) -> int:
        return fd


class ZygoteChild(Process):
    """A process of a pool, forked by the zygote rather than by this process. What it
    runs is the zygote's `child_main`, fixed when the zygote was forked."""

    _start_method = "fork"

    def __init__(self, zygote: Zygote) -> None:
        super().__init__(name="hoso-renderer")
        self.zygote = zygote

    @staticmethod
    def _Popen(process_obj: Any) -> Any:  # multiprocessing's name
        return ZygotePopen(process_obj.zygote)


def available() -> bool:
    """Whether renderers can come from a zygote here: fork is safe on Linux only."""
    return sys.platform.startswith("linux") and hasattr(socket, "send_fds")
