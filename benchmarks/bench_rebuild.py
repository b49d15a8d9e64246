"""Print, side by side, what a clerk waits for: a cold build, a rebuild with nothing
changed, a rebuild after one member's row changed, and one LibreOffice call converting
the same Word forms to PDF (skipped, with a note, where soffice is absent).

Run: python benchmarks/bench_rebuild.py [UNIT_DIR …]   (default: the bundled samples)
Each build is a fresh `hoso build` process with a private cache folder; memory is the
largest resident set of any process of the build (the main process or a renderer).
Figures are wall-clock seconds on this machine; compare runs on the same machine only.
"""

from __future__ import annotations

import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = [ROOT / "fixtures" / name for name in ("chi-bo-qd366", "chi-bo-co-so",
                                                  "dang-bo-co-so")]
HOSO = [sys.executable, "-m", "pipeline.cli"]


def run(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds, and the peak resident set (MiB) of the command's processes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024


def change_one_member(unit: Path) -> None:
    members = unit / "dang-vien.csv"
    with members.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    column = rows[0].index("Chức vụ")
    rows[-1][column] += " (kiêm nhiệm)"
    with members.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def soffice_seconds(forms: Path, work: Path) -> float | None:
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    documents = sorted(str(p) for p in forms.glob("*.docx"))
    start = time.perf_counter()
    subprocess.run([soffice, f"-env:UserInstallation={(work / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work / "lo-pdf"), *documents],
                   check=False, capture_output=True)
    return time.perf_counter() - start


def bench(unit_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = dict(os.environ, HOSO_CACHE_DIR=str(work / "cache"))
        unit = work / unit_dir.name
        shutil.copytree(unit_dir, unit)
        out = work / "out"
        build = [*HOSO, "-q", "build", str(unit), "-o", str(out)]
        cold, memory = run([*build, "--no-cache"], env)
        forms = sorted((out / "mau").glob("*.pdf"))
        pages = sum(len(PdfReader(p).pages) for p in forms)
        run(build, env)  # fill the cache
        cached, _ = run(build, env)
        change_one_member(unit)
        one, _ = run(build, env)
        office = soffice_seconds(out / "mau", work)
    office_text = f"{office:8.1f}" if office is not None else "  (không có soffice)"
    print(f"{unit_dir.name:<16}{len(forms):>6}{pages:>7}{cold:>8.1f}{cached:>8.1f}{one:>10.1f}"
          f"{one / cold:>7.0%}{pages / cold:>8.1f}{memory:>8}{office_text}")


def main() -> None:
    units = [Path(a) for a in sys.argv[1:]] or SAMPLES
    print(f"{'unit':<16}{'forms':>6}{'pages':>7}{'cold':>8}{'cached':>8}{'1 member':>10}"
          f"{'ratio':>7}{'pages/s':>8}{'MiB':>8}{'soffice':>8}")
    for unit in units:
        bench(unit)


if __name__ == "__main__":
    main()
