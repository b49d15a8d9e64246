"""Running `hoso serve`'s app in the test process and driving Debian's Chromium at it."""

from __future__ import annotations

import io
import shutil
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import uvicorn

from pipeline.web.app import create_app
from pipeline.web.base import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's own probe runs it: no sandbox as root, no GPU, nothing that phones
# Google (the network is closed; those connections only slow the start).
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class Clock:
    """The app's clock, set by the test: late or not is a matter of the date."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread; yields its URL."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.hoso.jobs.wait_all()
        app.state.hoso.store.close()


def zipped(folder: Path) -> bytes:
    """A unit folder as a clerk zips it on Windows: one top folder holding everything."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()
