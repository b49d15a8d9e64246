"""Turn a unit folder that a clerk keeps editing into its dossier, rebuilt after each
saved change by one process that stays up (`hoso build --theo-doi`).

A one-off `hoso build` pays every time for starting Python, loading WeasyPrint in its
renderers and warming their fonts and styles: most of a one-member rebuild of a small
unit (benchmarks/README.md). A `Workshop` keeps its renderers between builds, so a
rebuild pays only for reading the unit and for the forms that changed; its output is
the same, byte for byte, as a one-off build's. `changes` watches the folder by polling
its files' sizes and times (no extra library, the same on Windows, and a folder on a
network share works too) and yields once a change has settled. The library never
prints: the CLI reports each build.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType

from pipeline.attachments import ignored as not_read
from pipeline.dossier import (
    AUTO_PARALLEL_FORMS,
    BuildResult,
    Kept,
    RenderPool,
    build,
    form_cache,
    pool_size,
    renderers,
)
from pipeline.errors import HosoError
from pipeline.progress import ProgressCallback, silent
from pipeline.render import Renderer

# How often the folder is looked at. A change is built once the folder looked the same
# twice in a row: an editor's save (Excel writes a temporary file, then renames it) is
# then complete. 0.1 s costs about 1 ms of CPU a poll for a folder of 300 files.
POLL_SECONDS = 0.1

# Editors' backups and swap files: besides what the unit never reads anyway
# (attachments.ignored), files whose coming and going must not rebuild it.
EDITOR_LEFTOVERS = ("~", ".tmp", ".swp", ".swx", ".bak")


class Workshop:
    """Builds that share rendering processes, started with the first build and kept
    until `close` (or the end of a `with` block). `jobs` and `use_cache` as for
    `dossier.build`; the cache is what lets a rebuild lay out only the changed forms."""

    def __init__(self, jobs: int = 0, use_cache: bool = True) -> None:
        self.jobs = jobs
        self.use_cache = use_cache
        self._kept = ExitStack()
        self._pool: RenderPool | None = None
        self._renderer = Renderer(keep_compiled=True)
        self._tidy = False

    def build(self, unit_dir: Path, out: Path | None = None,
              profile_name: str | None = None,
              progress: ProgressCallback = silent) -> BuildResult:
        """`dossier.build` with this workshop's renderers. An error in the input leaves
        them running; anything else (Ctrl-C, a bug) ends them, and the next build starts
        new ones. A renderer that died while the workshop waited (killed, or out of
        memory) only costs the build new renderers: it is built again once with them."""
        try:
            return self._build(unit_dir, out, profile_name, progress)
        except BrokenProcessPool:
            return self._build(unit_dir, out, profile_name, progress)

    def _build(self, unit_dir: Path, out: Path | None, profile_name: str | None,
               progress: ProgressCallback) -> BuildResult:
        kept = Kept(self._renderer, self._renderers(), self._tidy)
        self._tidy = False
        try:
            return build(unit_dir, out, profile_name, self.jobs, None, progress,
                         self.use_cache, kept=kept)
        except HosoError:
            raise
        except BaseException as error:
            self._end_renderers(error)
            raise

    def tidy(self) -> None:
        """Collect the garbage of the builds so far, and load the Word libraries if no
        build has yet: for when nothing else is waiting (between two saves), so that the
        next build need not do it first (a first build from a warm cache writes no Word
        file, and the first save then waited 0.08 s for docxtpl)."""
        import pipeline.word  # noqa: F401

        gc.collect()
        self._tidy = True

    def close(self) -> None:
        self._end_renderers(None)

    def __enter__(self) -> Workshop:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._end_renderers(error)

    def _renderers(self) -> RenderPool | None:
        """The kept renderers, started now if there are none; none with one job (this
        process then lays out everything itself, as `dossier.build` does)."""
        size = pool_size(self.jobs, AUTO_PARALLEL_FORMS)
        if self._pool is None and size > 1:
            cache = form_cache(self._renderer, self.use_cache)
            self._pool = self._kept.enter_context(
                renderers(self._renderer, size, cache, warm=True, kept=True))
        return self._pool

    def _end_renderers(self, error: BaseException | None) -> None:
        kept, self._kept, self._pool = self._kept, ExitStack(), None
        self._renderer = Renderer(keep_compiled=True)  # nothing half-made kept either
        if error is None:
            kept.close()
        else:  # as `renderers` ends them when its own block fails: queued work dropped
            kept.__exit__(type(error), error, error.__traceback__)


Snapshot = dict[str, tuple[int, int]]  # file (relative, "/"-separated) → (mtime ns, size)


def snapshot(unit_dir: Path) -> Snapshot:
    """Every file of the unit folder that a clerk may edit, with its time and size. A
    folder that cannot be read (removed while watched) counts as empty: the build then
    says what is missing."""
    files: Snapshot = {}
    for folder, subfolders, names in os.walk(unit_dir):
        subfolders[:] = sorted(name for name in subfolders if not ignored(name))
        for name in names:
            if ignored(name):
                continue
            path = os.path.join(folder, name)
            try:
                status = os.stat(path)
            except OSError:  # removed between the listing and now
                continue
            relative = os.path.relpath(path, unit_dir).replace(os.sep, "/")
            files[relative] = (status.st_mtime_ns, status.st_size)
    return files


def ignored(name: str) -> bool:
    """Hidden files and folders (.git, LibreOffice's .~lock…#), system files, Office's
    lock files (~$…) and editors' leftovers."""
    return not_read(name) or name.endswith(EDITOR_LEFTOVERS)


def changed_files(before: Snapshot, after: Snapshot) -> tuple[str, ...]:
    """The files added, removed or edited between two snapshots, sorted."""
    return tuple(sorted(name for name in before.keys() | after.keys()
                        if before.get(name) != after.get(name)))


def changes(unit_dir: Path, stop: threading.Event | None = None,
            interval: float = POLL_SECONDS, since: Snapshot | None = None
            ) -> Iterator[tuple[str, ...]]:
    """Each change of the unit folder since the snapshot `since` (by default, the first
    look), once it has settled, as the files it touched; ends when `stop` is set. A
    change made while the caller works on the one before is yielded next; one that
    undoes itself before it settles is not yielded. A caller that builds first takes
    `since` before that build, so that a file saved during it is built next."""
    stop = stop or threading.Event()
    seen = snapshot(unit_dir) if since is None else since
    while not stop.wait(interval):
        now = snapshot(unit_dir)
        if now == seen:
            continue
        while not stop.wait(interval):
            later = snapshot(unit_dir)
            if later == now:
                break
            now = later
        else:
            return
        touched = changed_files(seen, now)
        seen = now
        if touched:
            yield touched
