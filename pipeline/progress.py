"""Turn the steps of a build into progress reports for whoever watches.

The library never prints: `build` and `prepare` call a `ProgressCallback` with a frozen
`Progress` after each rendered form and at each later stage. The CLI draws a bar on a
terminal (`ProgressBar`); the web app forwards the same records to the browser.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class Progress:
    stage: str  # "render", "bind", "write"
    done: int
    total: int
    label: str  # what is being done, in Vietnamese, for a person to read

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


ProgressCallback = Callable[[Progress], None]


def silent(_: Progress) -> None:
    """No one is watching."""


STAGE_LABELS = {"render": "Dựng mẫu", "bind": "Đóng tập hồ sơ", "write": "Ghi tệp"}


def notify(callback: ProgressCallback, stage: str, done: int, total: int) -> None:
    callback(Progress(stage, done, total, STAGE_LABELS[stage]))


class Monotonic:
    """One count of rendered forms over several `render_forms` calls (the batches of
    `prepare`): each call's counts are shifted by the forms before it, and a count
    already heard is not repeated."""

    def __init__(self, callback: ProgressCallback, total: int) -> None:
        self.callback = callback
        self.total = total
        self.heard = -1

    def after(self, before: int) -> ProgressCallback:
        def shifted(progress: Progress) -> None:
            self(Progress(progress.stage, before + progress.done, self.total,
                          progress.label))
        return shifted

    def __call__(self, progress: Progress) -> None:
        if progress.done > self.heard:
            self.heard = progress.done
            self.callback(progress)


class ProgressBar:
    """A one-line bar on a terminal: forms rendered / total and the time left.

    Drawn only on a terminal, and only once the work has run `delay` seconds: a quick
    build, or output piped to a file or CI log, stays silent."""

    WIDTH = 24

    def __init__(self, stream: TextIO, delay: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.start = clock()
        self.enabled = stream.isatty()
        self.drawn = 0  # length of the line on screen
        self.render_start = self.start

    def __call__(self, progress: Progress) -> None:
        now = self.clock()
        if progress.stage == "render" and progress.done == 0:
            self.render_start = now  # the rate counts rendering only, not the loading
        elapsed = now - self.start
        if not self.enabled or elapsed < self.delay:
            return
        filled = round(self.WIDTH * progress.fraction)
        line = (f"{progress.label} {progress.done}/{progress.total} "
                f"[{'#' * filled}{'.' * (self.WIDTH - filled)}]")
        if progress.stage == "render" and 0 < progress.done < progress.total:
            rate = (now - self.render_start) / progress.done
            left = rate * (progress.total - progress.done)
            line += f" còn khoảng {format_seconds(left)}"
        self.stream.write("\r" + line.ljust(self.drawn))
        self.stream.flush()
        self.drawn = len(line)

    def close(self) -> None:
        """Clear the bar, so the report that follows starts on a clean line."""
        if self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.stream.flush()
            self.drawn = 0


def format_seconds(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 60:
        return f"{seconds} giây"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} phút {rest:02d} giây"
