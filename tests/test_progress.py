"""Progress: the library reports to a callback (never prints); the CLI draws a bar on a
terminal only, after a delay, and -q silences it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.dossier import prepare
from pipeline.progress import Progress, ProgressBar, format_seconds
from tests.conftest import CHI_BO


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def render(done: int, total: int = 10) -> Progress:
    return Progress("render", done, total, "Dựng mẫu")


def test_the_bar_waits_then_shows_done_total_and_time_left() -> None:
    screen, clock = Terminal(), Clock()
    bar = ProgressBar(screen, delay=2.0, clock=clock)
    bar(render(0))
    clock.now += 1.0
    bar(render(1))
    assert screen.getvalue() == ""  # a quick build stays silent
    clock.now += 3.0  # 4 s for 2 forms: 2 s a form, 8 left
    bar(render(2))
    line = screen.getvalue().split("\r")[-1]
    assert line.startswith("Dựng mẫu 2/10 [") and "còn khoảng 16 giây" in line
    bar.close()
    assert screen.getvalue().endswith("\r")  # cleared before the report is printed
    assert screen.getvalue().split("\r")[-2].strip() == ""


def test_the_bar_is_silent_when_stderr_is_not_a_terminal() -> None:
    log, clock = io.StringIO(), Clock()
    bar = ProgressBar(log, delay=0.0, clock=clock)
    for done in range(11):
        clock.now += 1
        bar(render(done))
    bar.close()
    assert log.getvalue() == ""


@given(st.floats(min_value=0, max_value=10_000))
def test_time_left_reads_in_seconds_or_minutes(seconds: float) -> None:
    text = format_seconds(seconds)
    assert text.endswith(" giây")
    parts = [int(word) for word in text.split() if word.isdigit()]
    total = parts[0] * 60 + parts[1] if "phút" in text else parts[0]
    assert total == max(1, round(seconds))


def test_a_caller_of_the_library_hears_every_form(tmp_path: Path) -> None:
    heard: list[Progress] = []
    result = prepare(CHI_BO, tmp_path / "out", jobs=2, progress=heard.append)
    rendered = [p for p in heard if p.stage == "render"]
    total = rendered[0].total
    assert [p.done for p in rendered] == list(range(total + 1))
    assert total == len([f for f in result.files if f.endswith(".pdf")])
    assert [p.stage for p in heard][-2:] == ["write", "write"] and heard[-1].fraction == 1


def test_the_cli_keeps_a_piped_stderr_clean(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(CHI_BO), "-o", str(tmp_path / "a")])
    assert result.exit_code == 0 and "Dựng mẫu" not in result.stderr
    quiet = runner.invoke(main, ["-q", "build", str(CHI_BO), "-o", str(tmp_path / "b")])
    assert quiet.exit_code == 0 and quiet.stdout == result.stdout.replace("/a/", "/b/")


def test_forms_are_heard_while_the_word_files_are_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The renderers' finished forms are reported between two Word files, not after
    the last one (a large unit spends many seconds on its Word files)."""
    import time

    from pipeline.dossier import build
    from pipeline.render import Renderer

    heard: list[str] = []
    real_docx = Renderer.docx

    def docx(self: Renderer, form: str, context: object) -> bytes:
        if not heard.count("docx"):
            time.sleep(2)  # the renderers meanwhile finish their first forms
        heard.append("docx")
        return real_docx(self, form, context)  # type: ignore[arg-type]

    monkeypatch.setattr(Renderer, "docx", docx)
    build(CHI_BO, tmp_path / "out", jobs=2,
          progress=lambda p: heard.append(f"{p.stage} {p.done}"))
    last_word_file = len(heard) - 1 - heard[::-1].index("docx")
    assert "render 1" in heard[:last_word_file]
