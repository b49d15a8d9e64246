"""Print how long the stages of `hoso build` take on the bundled samples.

Run: python benchmarks/bench_build.py [--repeat N]
Speed targets live here, never in timed tests. Figures are wall-clock seconds on this
machine; compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pipeline import assemble
from pipeline.dossier import build, plan_forms, render_forms
from pipeline.load import load_unit
from pipeline.paths import FIXTURES
from pipeline.profiles import load_profile
from pipeline.render import Renderer
from pipeline.rules import assess


def timed(action: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    print(f"{'sample':<16}{'stage':<28}{'seconds':>9}")
    for name in ("chi-bo-co-so", "dang-bo-co-so"):
        bench_sample(name, repeat)


def bench_sample(name: str, repeat: int) -> None:
    profile = load_profile()
    folder = FIXTURES / name
    unit = load_unit(folder)
    a = assess(unit, profile)
    renderer = Renderer()
    forms = plan_forms(unit, profile, a)
    rendered = render_forms(forms, renderer, 1)
    parts = assemble.plan_parts(unit, profile, a, {f.form.form: f.pdf for f in rendered})
    rows = [
        ("load + rules", lambda: assess(load_unit(folder), profile)),
        ("renderer setup", lambda: Renderer().engine),  # WeasyPrint's, made on first use
        (f"render {len(forms)} forms, 1 job", lambda: render_forms(forms, renderer, 1)),
        (f"render {len(forms)} forms, 2 jobs", lambda: render_forms(forms, renderer, 2)),
        ("bind (TOC, stamps, manifest)",
         lambda: assemble.bind(unit, profile, a, parts, renderer)),
    ]
    for label, action in rows:
        print(f"{name:<16}{label:<28}{timed(action, repeat):>9.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        total = timed(lambda: build(folder, Path(tmp) / "out"), repeat)
    print(f"{name:<16}{'whole build':<28}{total:>9.2f}")


if __name__ == "__main__":
    main()
