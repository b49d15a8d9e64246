"""`hoso build --theo-doi`: the folder's changes as they settle, and builds by renderers
kept between them that give the bytes of a one-off build."""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from pipeline import assemble, dossier
from pipeline.assemble import Opened, _opened
from pipeline.check import check_pdf
from pipeline.dossier import BuildResult, build
from pipeline.errors import InputError
from pipeline.pdfcopy import FormObjects
from pipeline.render import Renderer
from pipeline.watch import Workshop, changed_files, changes, snapshot
from tests.conftest import CHI_BO
from tests.helpers import edit_csv

Copy = Callable[[Path], Path]


def collect_changes(folder: Path, edit: Callable[[], None], seconds: float = 1.0
                    ) -> list[tuple[str, ...]]:
    """What `changes` yields while `edit` runs in a thread, `seconds` long."""
    stop = threading.Event()
    heard: list[tuple[str, ...]] = []
    watching = changes(folder, stop, interval=0.05)

    def later() -> None:
        time.sleep(0.2)  # after the first snapshot
        edit()
        time.sleep(seconds)
        stop.set()

    editor = threading.Thread(target=later)
    editor.start()
    heard.extend(watching)
    editor.join()
    return heard


def test_a_saved_file_is_one_change(tmp_path: Path) -> None:
    (tmp_path / "dang-vien.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / "dinh-kem").mkdir()

    def edit() -> None:
        (tmp_path / "dang-vien.csv").write_text("a,b\n", encoding="utf-8")
        (tmp_path / "dinh-kem" / "01-bao-cao.pdf").write_bytes(b"%PDF-1.4\n")

    assert collect_changes(tmp_path, edit) == [("dang-vien.csv", "dinh-kem/01-bao-cao.pdf")]


def test_lock_files_hidden_files_and_backups_are_not_changes(tmp_path: Path) -> None:
    (tmp_path / "dang-vien.xlsx").write_bytes(b"x")

    def edit() -> None:  # Excel and LibreOffice opening the workbook, an editor, git
        for name in ("~$dang-vien.xlsx", ".~lock.dang-vien.xlsx#", "dang-vien.csv~",
                     ".dang-vien.csv.swp", ".hidden"):
            (tmp_path / name).write_bytes(b"lock")
        (tmp_path / ".git").mkdir()
        (tmp_path / ".git" / "index").write_bytes(b"git")

    assert collect_changes(tmp_path, edit) == []


def test_a_change_undone_before_it_settles_is_not_a_change(tmp_path: Path) -> None:
    path = tmp_path / "don-vi.yaml"
    path.write_text("ten: A\n", encoding="utf-8")
    before = snapshot(tmp_path)
    path.write_text("ten: B\n", encoding="utf-8")
    assert changed_files(before, snapshot(tmp_path)) == ("don-vi.yaml",)
    os.utime(path, ns=(before["don-vi.yaml"][0], before["don-vi.yaml"][0]))
    path.write_text("ten: A\n", encoding="utf-8")
    os.utime(path, ns=(before["don-vi.yaml"][0], before["don-vi.yaml"][0]))
    assert changed_files(before, snapshot(tmp_path)) == ()


def renderer_pids(shop: Workshop) -> set[int]:
    assert shop._pool is not None
    return {process.pid for process in shop._pool._processes.values()  # type: ignore
            if process.pid is not None}


@contextmanager
def built_once(unit: Path, out: Path) -> Iterator[tuple[Workshop, set[int]]]:
    """A workshop with two renderers that has built the unit, and their pids."""
    with Workshop(jobs=2) as shop:
        shop.build(unit, out)
        yield shop, renderer_pids(shop)


def same_as_cold(unit: Path, out: Path, names: tuple[str, ...] = ("ho-so.pdf",)) -> bool:
    """Whether these files in `out` are those of a one-off build without the cache."""
    cold = build(unit, out.with_name(out.name + "-cold"), use_cache=False)
    return all((out / name).read_bytes() == (cold.out / name).read_bytes() for name in names)


def test_kept_renderers_rebuild_with_the_bytes_of_a_one_off_build(
        tmp_path: Path, unit_copy: Copy) -> None:
    unit = unit_copy(CHI_BO)
    with built_once(unit, tmp_path / "out") as (shop, first):
        assert first and all(Path(f"/proc/{pid}").exists() for pid in first)
        before = (tmp_path / "out" / "ho-so.pdf").read_bytes()
        edit_csv(unit / "dang-vien.csv", 13, "Chức vụ", "Kỹ thuật viên chính")
        shop.build(unit, tmp_path / "out")
        assert renderer_pids(shop) == first  # the same processes: nothing started again
    assert (tmp_path / "out" / "ho-so.pdf").read_bytes() != before
    time.sleep(0.2)
    assert not any(alive(pid) for pid in first)  # ended with the workshop
    assert same_as_cold(unit, tmp_path / "out", ("ho-so.pdf", "ho-so.json",
                                                 "mau/muc-09-qd-xep-loai-dang-vien.docx"))


def test_a_rebuild_takes_the_digests_of_forms_bound_at_the_same_pages(
        tmp_path: Path, unit_copy: Copy, monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest's digest of a form comes from the last binding when the form is
    bound at the same page (assemble._with_digests); every form after an attachment
    that grew a page moved, and the check of the file finds each digest right. (A cache
    of its own: the session's may hold the digests of forms at the pages they move to.)"""
    monkeypatch.setenv("HOSO_CACHE_DIR", str(tmp_path / "cache"))
    unit = unit_copy(CHI_BO)
    report = unit / "dinh-kem" / "02-bao-cao-tong-ket.pdf"
    writer = PdfWriter(clone_from=PdfReader(report))
    writer.add_blank_page()
    with built_once(unit, tmp_path / "out") as (shop, _):
        digested: list[int] = []
        real = assemble.pages_digest
        monkeypatch.setattr(assemble, "pages_digest",
                            lambda pages: digested.append(len(pages)) or real(pages))
        edit_csv(unit / "dang-vien.csv", 13, "Chức vụ", "Kỹ thuật viên (trang cũ)")
        shop.build(unit, tmp_path / "out")
        manifest = json.loads((tmp_path / "out" / "ho-so.json").read_text(encoding="utf-8"))
        parts = [i for i in manifest["items"] if i["status"] == "present"]
        scans = [i for i in parts if i["source"] == "attachment"]
        assert len(parts) == 20 and len(scans) == 10
        assert len(digested) == len(scans) + 1  # the decision (9) changed; 9 forms taken
        assert check_pdf(tmp_path / "out" / "ho-so.pdf").complete
        with report.open("wb") as grown:
            writer.write(grown)  # a page more: every part after (2) moves
        digested.clear()
        shop.build(unit, tmp_path / "out")
        assert len(digested) == len(parts) - 1  # all but the form (1) before it
        assert check_pdf(tmp_path / "out" / "ho-so.pdf").complete
    assert same_as_cold(unit, tmp_path / "out", ("ho-so.pdf", "ho-so.json"))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_only_renderers_kept_between_builds_rehearse(monkeypatch: pytest.MonkeyPatch) -> None:
    """A watch's renderers (kept=True, pipeline/watch.py) start their rehearsal, which waits
    for a first form (the next test); a build's own renderers never rehearse."""
    rehearsed = threading.Event()
    monkeypatch.setattr(dossier, "_prepare_worker", lambda cache, load_engine: None)
    monkeypatch.setattr(dossier, "_end_when_orphaned", lambda parent: None)
    monkeypatch.setattr(dossier, "_rehearse_when_idle", rehearsed.set)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        dossier._start_worker(None, False, os.getpid(), kept=False)
        assert "hoso-rehearsal" not in {thread.name for thread in threading.enumerate()}
        assert not rehearsed.is_set()
        dossier._start_worker(None, False, os.getpid(), kept=True)
        assert rehearsed.wait(timeout=30)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)


def test_the_rehearsal_is_a_portrait_and_a_landscape_page_and_waits_for_no_form(
        monkeypatch: pytest.MonkeyPatch) -> None:
    laid_out: list[str] = []
    renderer = Renderer()
    monkeypatch.setattr(dossier, "_WORKER", renderer)
    monkeypatch.setattr(dossier, "_GIVEN_WORK", threading.Event())
    monkeypatch.setattr(dossier, "REHEARSE_AFTER_SECONDS", 0.01)
    joined: list[list[bytes]] = []
    monkeypatch.setattr(Renderer, "pdf", lambda self, html: laid_out.append(html) or b"%")
    monkeypatch.setattr(dossier, "join_pdfs", lambda pdfs: joined.append(pdfs) or b"")
    dossier._rehearse_when_idle()
    assert len(laid_out) == 1 and "Tập dượt" in laid_out[0]
    assert joined == [[b"%", b"%"]]  # and joined, as a list's windows are
    pages = PdfReader(io.BytesIO(renderer._write(renderer._lay_out(laid_out[0])))).pages
    assert [page.mediabox.width > page.mediabox.height for page in pages] == [False, True]
    dossier._GIVEN_WORK.set()  # a form came first: no rehearsal
    dossier._rehearse_when_idle()
    assert len(laid_out) == 1


def test_a_workshop_loads_the_word_libraries_while_it_waits() -> None:
    """A first build from a warm cache writes no Word file; the first save would then
    wait for docxtpl to load."""
    code = ("import sys; from pipeline.watch import Workshop; shop = Workshop(jobs=1); "
            "before = 'docxtpl' in sys.modules; shop.tidy(); "
            "print(before, 'docxtpl' in sys.modules)")
    said = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parent.parent)
    assert said.stdout.split() == ["False", "True"]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_an_input_error_keeps_the_renderers_for_the_next_save(
        tmp_path: Path, unit_copy: Copy) -> None:
    unit = unit_copy(CHI_BO)
    with built_once(unit, tmp_path / "out") as (shop, first):
        good = (unit / "dang-vien.csv").read_text(encoding="utf-8")
        edit_csv(unit / "dang-vien.csv", 2, "Ngày sinh", "31/02/1980")
        with pytest.raises(InputError):
            shop.build(unit, tmp_path / "out")
        assert renderer_pids(shop) == first
        (unit / "dang-vien.csv").write_text(good, encoding="utf-8")
        assert shop.build(unit, tmp_path / "out").pages > 0
        assert renderer_pids(shop) == first


class Lines:
    """A process's stderr, line by line, read by a thread (a pipe read with a timeout)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.lines.put(line)

    def until(self, text: str, seconds: float = 60) -> str:
        """The lines up to the first that holds `text`."""
        seen = ""
        deadline = time.monotonic() + seconds
        while text not in seen:
            try:
                seen += self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {text!r} in: {seen}") from None
        return seen

    def rest(self) -> str:
        self.thread.join(timeout=30)
        return "".join(self.lines.get() for _ in range(self.lines.qsize()))


def test_hoso_build_theo_doi_rebuilds_on_save_and_stops_on_ctrl_c(
        tmp_path: Path, unit_copy: Copy) -> None:
    unit = unit_copy(CHI_BO)
    out = tmp_path / "out"
    process = watching(unit, out)
    try:
        stderr = Lines(process)
        stderr.until("Đang theo dõi")
        first = (out / "ho-so.pdf").read_bytes()
        edit_csv(unit / "dang-vien.csv", 13, "Chức vụ", "Kỹ thuật viên chính")
        said = stderr.until("Đang theo dõi")
        assert "Có thay đổi: dang-vien.csv" in said and "Dựng trong" in said
        assert (out / "ho-so.pdf").read_bytes() != first
        edit_csv(unit / "dang-vien.csv", 2, "Ngày sinh", "31/02/1980")
        said = stderr.until("Đang theo dõi")
        assert any(line.startswith("Lỗi: ") and "dang-vien.csv" in line
                   for line in said.splitlines())  # the file named, and still watching
        assert "Sửa xong" in said
        assert len(processes_of(unit)) >= 3  # the command, its zygote and renderers
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert "Đã dừng theo dõi." in stderr.rest()
        deadline = time.monotonic() + 10
        while processes_of(unit) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not processes_of(unit)  # no renderer left behind
    finally:
        process.kill()
        process.wait()


def watching(unit: Path, out: Path) -> subprocess.Popen[str]:
    """`hoso build UNIT -o OUT --theo-doi`, its stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "build", str(unit), "-o", str(out),
         "--theo-doi"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        encoding="utf-8")


def processes_of(unit: Path) -> list[int]:
    """Live processes whose command line names the unit folder: the command, and the
    processes it forked (a zygote, renderers), which keep its command line."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(unit).encode() in \
                    (entry / "cmdline").read_bytes().split(b"\0") and alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_sigterm_between_builds_ends_the_watch(tmp_path: Path, unit_copy: Copy) -> None:
    unit = unit_copy(CHI_BO)
    process = watching(unit, tmp_path / "out")
    try:
        stderr = Lines(process)
        stderr.until("Đang theo dõi")
        process.terminate()
        assert process.wait(timeout=30) == 143
        assert "Đã dừng theo dõi (SIGTERM)." in stderr.rest()
    finally:
        process.kill()
        process.wait()


def test_theo_doi_does_not_sign(tmp_path: Path) -> None:
    p12 = tmp_path / "don-vi.p12"
    p12.write_bytes(b"x")
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", str(CHI_BO),
                           "-o", str(tmp_path / "out"), "--theo-doi", "--ky", str(p12)],
                          capture_output=True, text=True, encoding="utf-8", check=False)
    assert done.returncode == 2
    assert "--theo-doi không dùng cùng --ky" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_kept_renderer_reopens_only_the_forms_that_changed(built_chi_bo: BuildResult
                                                             ) -> None:
    """assemble._opened: the objects the last binding made for the same bytes (read and
    serialised once, pdfcopy.FormObjects), for as many placements as the binding has."""
    pdf = (built_chi_bo.out / "mau" / "muc-09-qd-xep-loai-dang-vien.pdf").read_bytes()
    before: dict[bytes, Opened] = {}
    first = _opened(pdf, {}, before)
    assert isinstance(first, FormObjects)
    now: dict[bytes, Opened] = {}
    assert _opened(pdf, before, now) is first
    assert _opened(pdf, before, now) is first
    assert now == {pdf: first}


def test_a_renderer_killed_between_builds_is_replaced(tmp_path: Path, unit_copy: Copy
                                                      ) -> None:
    unit = unit_copy(CHI_BO)
    with built_once(unit, tmp_path / "out") as (shop, first):
        os.kill(min(first), signal.SIGKILL)  # the out-of-memory killer, or a clerk
        time.sleep(0.5)
        # a change no other test makes: its forms are in no cache, the renderers lay out
        edit_csv(unit / "dang-vien.csv", 13, "Chức vụ", "Kỹ thuật viên (thay người dựng)")
        shop.build(unit, tmp_path / "out")
        assert not renderer_pids(shop) & first  # new renderers
    assert same_as_cold(unit, tmp_path / "out")


def test_a_file_saved_while_the_first_build_runs_is_a_change(tmp_path: Path) -> None:
    path = tmp_path / "dang-vien.csv"
    path.write_text("a\n", encoding="utf-8")
    before = snapshot(tmp_path)  # taken before building
    path.write_text("a,b\n", encoding="utf-8")  # saved during the build
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    assert list(changes(tmp_path, stop, interval=0.05, since=before)) == [("dang-vien.csv",)]


@pytest.mark.parametrize("case", ["no folder", "output refused"])
def test_what_no_save_would_fix_ends_the_watch_at_once(tmp_path: Path, case: str) -> None:
    unit, out = CHI_BO, tmp_path / "out"
    if case == "no folder":
        unit = tmp_path / "khong-co"
    else:  # a folder with the user's own files, which hoso never writes into
        out.mkdir()
        (out / "ghi-chu.txt").write_text("của tôi", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "build", str(unit),
                           "-o", str(out), "--theo-doi"], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("Lỗi: ") and str(unit if case == "no folder" else out) \
        in done.stderr
    assert "Đang theo dõi" not in done.stderr
