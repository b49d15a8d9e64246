"""Turn a clerk's "build" or "prepare" into a worker process whose progress is a job row.

Each job runs the library's `build` or `prepare` in its own process, never a fork of the
server, so a crash or a runaway render never touches it: on Linux a fork of
multiprocessing's fork server, which has loaded the library and WeasyPrint once
(`job_context`), elsewhere a spawned process. The process writes its progress to the
job's row, which the page polls. A thread of the server waits for the process and marks
the job failed if it died without saying so. The database refuses a second running job
of the same unit (store.Busy), so two builds of a unit never interleave.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.context import ForkServerContext, SpawnContext
from pathlib import Path

from pipeline.progress import Progress
from pipeline.web.store import Store

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class UnitPaths:
    """Where one unit's files live in the data folder."""

    root: Path

    @property
    def source(self) -> Path:  # the unit folder the library reads
        return self.root / "don-vi"

    @property
    def result(self) -> Path:  # `hoso build`'s output folder
        return self.root / "ket-qua"

    @property
    def handouts(self) -> Path:  # `hoso prepare`'s output folder
        return self.root / "chuan-bi"

    @property
    def pages(self) -> Path:  # page images of the last build, made on demand
        return self.root / "trang"


class JobRunner:
    """Starts jobs in worker processes and watches them."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.context = job_context()
        self.watchers: list[threading.Thread] = []
        self.processes: dict[int, multiprocessing.process.BaseProcess] = {}  # by job id

    def start(self, unit_id: int, kind: str, paths: UnitPaths) -> int:
        """The new job's id; store.Busy if this unit has one running."""
        job_id = self.store.start_job(unit_id, kind, self.clock())
        process = self.context.Process(
            target=work, args=(str(self.store.path), job_id, kind, str(paths.root),
                               dict(os.environ)),
            name=f"hoso-{kind}-{unit_id}")
        try:
            process.start()
        except BaseException:
            self.store.finish_job(job_id, "failed", self.clock(), None, None,
                                  ["Không khởi động được tiến trình dựng."])
            raise
        self.processes[job_id] = process
        watcher = threading.Thread(target=self._watch, args=(process, job_id), daemon=True)
        watcher.start()
        self.watchers.append(watcher)
        return job_id

    def _watch(self, process: multiprocessing.process.BaseProcess, job_id: int) -> None:
        process.join()
        self.processes.pop(job_id, None)
        if process.exitcode != 0:  # the worker died without recording its end
            self.store.finish_job(job_id, "failed", self.clock(), None, None, [
                f"Tiến trình dựng dừng bất thường (mã {process.exitcode}); máy chủ vẫn chạy, "
                "hãy thử dựng lại."])

    def wait_all(self, timeout: float = 60) -> None:
        for watcher in self.watchers:
            watcher.join(timeout)


# What a job's process would otherwise import first, each time: the library (0.26 s) and
# WeasyPrint (0.4 s, which the renderers' zygote, forked from the job, then has at once).
# A clerk's one-member rebuild of the đảng bộ sample, start to done: 1.25 -> 0.54 s
# (benchmarks/bench_web_job.py).
PRELOADED = ["pipeline.web.jobs", "pipeline.dossier", "pipeline.assemble", "pipeline.engine",
             "pipeline.word"]


def job_context() -> SpawnContext | ForkServerContext:
    """Where jobs' processes come from: the fork server, with `PRELOADED` loaded, where
    there is one (Linux); a fresh spawned interpreter elsewhere. A module that fails to
    load there (no Pango) is loaded by the job instead, and fails there with its message."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def work(database: str, job_id: int, kind: str, root: str,
         environment: dict[str, str]) -> None:
    """The worker process: run the job, record how it ended. `environment`: the server's
    when it started the job (the cache folder, HOSO_CACHE_DIR), which a process from the
    fork server would not see otherwise: it has the fork server's, from its start."""
    from pipeline.errors import HosoError

    os.environ.clear()
    os.environ.update(environment)

    store = Store(Path(database).parent)
    paths = UnitPaths(Path(root))
    reporter = _Reporter(store, job_id)
    try:
        if kind == "build":
            from pipeline.dossier import build

            result = build(paths.source, paths.result, progress=reporter, use_cache=True)
            shutil.rmtree(paths.pages, ignore_errors=True)
            store.finish_job(job_id, "done", datetime.now().astimezone(), result.exit_code,
                             result.pages, list(result.report))
        else:
            from pipeline.dossier import prepare

            prepared = prepare(paths.source, paths.handouts, progress=reporter, use_cache=True)
            store.finish_job(job_id, "done", datetime.now().astimezone(), 0, None,
                             [f"Đã in sẵn {len(prepared.files)} tệp."])
    except HosoError as error:
        store.finish_job(job_id, "failed", datetime.now().astimezone(), error.exit_code, None,
                         error.lines())
    except Exception as error:  # a bug in hoso: the job says so, the server goes on
        traceback.print_exc()
        store.finish_job(job_id, "failed", datetime.now().astimezone(), 3, None, [
            f"Lỗi trong hoso ({type(error).__name__}); hãy báo cho người phát triển."])
    finally:
        store.close()


class _Reporter:
    """The library's progress callback, written to the job's row at most 5 times a second."""

    def __init__(self, store: Store, job_id: int) -> None:
        self.store = store
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.last < 0.2 and progress.done not in {0, progress.total}:
            return
        self.last = now
        self.store.progress(self.job_id, progress.stage, progress.done, progress.total,
                            progress.label)
