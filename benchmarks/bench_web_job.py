"""Print how long a clerk waits for a build started in the web app (`hoso serve`): from
starting the job to its row saying done, as the page polling it would see, for a first
build and then for rebuilds after one member's row changed.

Each job runs in its own process (pipeline/web/jobs.py), so this includes starting it.
Run: python benchmarks/bench_web_job.py [UNIT_DIR] [--repeat N] (default: the đảng bộ
sample, 5 rebuilds), with a private cache folder.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_rebuild import change_one_member  # noqa: E402
from pipeline.web.jobs import JobRunner, UnitPaths  # noqa: E402
from pipeline.web.store import Store  # noqa: E402


def job_seconds(runner: JobRunner, store: Store, unit: int, paths: UnitPaths) -> float:
    start = time.perf_counter()
    job = runner.start(unit, "build", paths)
    runner.wait_all(600)
    while (found := store.job(job)) is not None and found.state == "running":
        time.sleep(0.005)
    assert found is not None and found.state == "done", found
    return time.perf_counter() - start


def main() -> None:
    args = sys.argv[1:]
    repeat = 5
    if "--repeat" in args:
        at = args.index("--repeat")
        repeat = int(args[at + 1])
        del args[at:at + 2]
    source = Path(args[0]) if args else ROOT / "fixtures" / "dang-bo-co-so"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["HOSO_CACHE_DIR"] = str(work / "cache")
        (work / "data").mkdir()
        store = Store(work / "data")
        runner = JobRunner(store, lambda: datetime.now(UTC))
        unit = store.add_unit(source.name, "dang_bo_co_so", None, datetime.now(UTC))
        paths = UnitPaths(work / "unit")
        shutil.copytree(source, paths.source)
        first = job_seconds(runner, store, unit, paths)
        rebuilds = []
        for run in range(repeat):
            change_one_member(paths.source, run)
            rebuilds.append(job_seconds(runner, store, unit, paths))
        store.close()
    print(f"{'unit':<16}{'first s':>8}{'1 member s':>11}")
    print(f"{source.name:<16}{first:>8.2f}{statistics.median(rebuilds):>11.2f}")


if __name__ == "__main__":
    main()
