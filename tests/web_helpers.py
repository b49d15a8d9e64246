"""Running `hoso serve`'s app in the test process and driving Debian's Chromium at it."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pipeline.web.app import served
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


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    """The app served on a free loopback port, in a thread; yields its URL."""
    with served(settings) as (url, _):
        yield url


def zipped(folder: Path) -> bytes:
    """A unit folder as a clerk zips it on Windows: one top folder holding everything."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()
