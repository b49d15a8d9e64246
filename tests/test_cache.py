"""The cache of rendered forms: a rebuild renders only what changed, its output is
byte-identical to a cold build, and a corrupt or foreign entry is never used."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipeline import assemble, attachments, chunks
from pipeline import cache as cache_module
from pipeline import render as render_module
from pipeline.cache import FormCache, engine_salt
from pipeline.check import check_pdf
from pipeline.chunks import ROW_ATTRIBUTE
from pipeline.dossier import BuildResult, build
from pipeline.render import Renderer
from tests.conftest import CHI_BO, DANG_BO, QD366
from tests.helpers import edit_csv, read_csv

Copy = Callable[..., Path]


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The HTML of every form rendered by WeasyPrint and put in the cache (the cover,
    contents and page numbers are not forms: they are not counted)."""
    monkeypatch.setenv("HOSO_CACHE_DIR", str(tmp_path / "cache"))
    seen: list[str] = []
    original_key, original_put = FormCache.key, FormCache.put
    html_of: dict[str, str] = {}

    def key(self: FormCache, html: str) -> str:
        html_of[result := original_key(self, html)] = html
        return result

    def put(self: FormCache, key: str, payload: bytes, kind: str = "pdf") -> None:
        if kind == "pdf":
            seen.append(html_of[key])
        original_put(self, key, payload, kind)

    monkeypatch.setattr(FormCache, "key", key)
    monkeypatch.setattr(FormCache, "put", put)
    return seen


def cached_build(unit: Path, out: Path) -> BuildResult:
    return build(unit, out, jobs=1, use_cache=True)


def entries(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").glob("*/*.pdf"))


def test_a_cached_rebuild_renders_nothing_and_gives_the_same_bytes(
        renders: list[str], tmp_path: Path, built_chi_bo: BuildResult) -> None:
    cached_build(CHI_BO, tmp_path / "a")
    first = len(renders)
    # every form, then the binding's own pages: cover, contents, page-number overlays
    assert first > len(list((tmp_path / "a" / "mau").glob("*.pdf")))
    cached_build(CHI_BO, tmp_path / "b")
    assert len(renders) == first  # nothing rendered again, not even the cover
    assert list((tmp_path / "cache").glob("*/*.docx"))  # the Word files are kept too
    assert list((tmp_path / "cache").glob("*/*.numbered"))  # and the numbered forms
    for name in ("ho-so.pdf", "ho-so.json", "mau/muc-09-qd-xep-loai-dang-vien.docx",
                 "mau/muc-09-qd-xep-loai-dang-vien.pdf"):
        cold = (built_chi_bo.out / name).read_bytes()  # built without the cache
        assert (tmp_path / "a" / name).read_bytes() == cold
        assert (tmp_path / "b" / name).read_bytes() == cold


def test_the_bindings_pages_laid_out_ahead_are_cached_too(
        renders: list[str], tmp_path: Path, built_chi_bo: BuildResult) -> None:
    """With renderers, the page numbers and the missing items' pages are laid out with
    the forms (assemble.early_pages), and kept like them."""
    build(CHI_BO, tmp_path / "a", jobs=2, use_cache=True)
    first = len(renders)
    assert any("Số trang" in html for html in renders)  # the overlays, laid out ahead
    build(CHI_BO, tmp_path / "b", jobs=2, use_cache=True)
    assert len(renders) == first
    for out in ("a", "b"):
        assert (tmp_path / out / "ho-so.pdf").read_bytes() == \
            (built_chi_bo.out / "ho-so.pdf").read_bytes()


def test_one_members_change_renders_only_the_forms_that_show_them(
        renders: list[str], tmp_path: Path, unit_copy: Copy) -> None:
    unit = unit_copy(CHI_BO)
    cached_build(unit, tmp_path / "a")
    before = len(renders)
    edit_csv(unit / "dang-vien.csv", 13, "Chức vụ", "Kỹ thuật viên chính")  # DV13
    cached_build(unit, tmp_path / "b")
    again = renders[before:]
    assert 0 < len(again) < before
    assert all("Kỹ thuật viên chính" in html for html in again)


def test_a_long_list_lays_out_again_only_the_window_that_shows_the_change(
        renders: list[str], tmp_path: Path, unit_copy: Copy,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_module, "WINDOW_ROWS", 15)
    monkeypatch.setattr(chunks, "WINDOW_PAGES", 1)  # 64 members: a window a page
    unit = unit_copy(DANG_BO)
    cached_build(unit, tmp_path / "a")
    decision = "<title>Quyết định về việc xếp loại chất lượng đảng viên"
    windows = [html for html in renders if ROW_ATTRIBUTE in html and decision in html]
    assert len(windows) >= 4
    before = len(renders)
    members = unit / "dang-vien.csv"
    edit_csv(members, len(read_csv(members)) - 1, "Chức vụ", "Thủ quỹ")
    cached_build(unit, tmp_path / "b")
    again = [html for html in renders[before:] if ROW_ATTRIBUTE in html and decision in html]
    assert len(again) == 1 and "Thủ quỹ" in again[0]
    cold = build(unit, tmp_path / "c", jobs=1)  # without the cache
    for name in ("ho-so.pdf", "mau/muc-09-qd-xep-loai-dang-vien.pdf"):
        assert (tmp_path / "b" / name).read_bytes() == (cold.out / name).read_bytes()


def test_a_corrupt_entry_is_discarded_and_rendered_again(
        renders: list[str], tmp_path: Path, built_chi_bo: BuildResult) -> None:
    cached_build(CHI_BO, tmp_path / "a")
    before = len(renders)
    # a form laid out whole (the pieces of a form cut in sections or windows are only
    # read when the form has changed)
    form = next(html for html in renders if "<title>Tờ trình đề nghị xếp loại" in html)
    cache = FormCache(tmp_path / "cache", engine_salt(Renderer().css_text))
    victim = cache._path(cache.key(form))
    data = bytearray(victim.read_bytes())
    data[-10] ^= 0xFF
    victim.write_bytes(bytes(data))
    cached_build(CHI_BO, tmp_path / "b")
    assert len(renders) == before + 1
    assert (tmp_path / "b" / "ho-so.pdf").read_bytes() == \
        (built_chi_bo.out / "ho-so.pdf").read_bytes()


def test_a_foreign_entry_is_never_trusted(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    ours = FormCache(folder, b"salt")
    ours.put(ours.key("<p>a</p>"), b"%PDF-1.7 a")
    assert ours.get(ours.key("<p>a</p>")) == b"%PDF-1.7 a"
    # the same file under another key (a planted entry), or from another cache
    planted = ours._path(ours.key("<p>b</p>"))
    planted.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ours._path(ours.key("<p>a</p>")), planted)
    assert ours.get(ours.key("<p>b</p>")) is None and not planted.exists()
    other = FormCache(tmp_path / "elsewhere", b"salt")
    other.folder.mkdir()
    target = other._path(other.key("<p>a</p>"))
    target.parent.mkdir(parents=True)
    shutil.copy(ours._path(ours.key("<p>a</p>")), target)
    assert other.get(other.key("<p>a</p>")) is None


def test_the_key_changes_with_template_stylesheet_font_and_engine(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    css = Renderer().css_text
    salt = engine_salt(css)
    cache = FormCache(tmp_path, salt)
    assert cache.key("<p>Mẫu 2A</p>") != cache.key("<p>Mẫu 2B</p>")  # data, profile, template
    assert engine_salt(css + "p { color: red }") != salt  # stylesheet
    with monkeypatch.context() as patch:
        patch.setattr(cache_module, "__version__", "99.0")
        assert engine_salt(css) != salt  # hoso's version (WeasyPrint's likewise)
    with monkeypatch.context() as patch:
        patch.setattr(chunks, "WINDOW_PAGES", chunks.WINDOW_PAGES + 1)
        assert engine_salt(css) != salt  # how long lists are cut
    fonts = tmp_path / "fonts"
    shutil.copytree(cache_module.FONTS, fonts)
    monkeypatch.setattr(cache_module, "FONTS", fonts)
    assert engine_salt(css) == salt
    font = next(fonts.glob("*.ttf"))
    font.write_bytes(font.read_bytes() + b"\0")
    assert engine_salt(css) != salt  # a font


def test_the_cache_stays_within_its_limit(tmp_path: Path) -> None:
    cache = FormCache(tmp_path / "cache", b"salt", limit=3000)
    for n in range(10):
        cache.put(cache.key(str(n)), b"%PDF-" + bytes(995))
    cache.prune()
    kept = list((tmp_path / "cache").glob("*/*.pdf"))
    assert 0 < len(kept) <= 3 and sum(p.stat().st_size for p in kept) <= 3000


def aged(folder: Path, only: str | None = None) -> None:
    """Its subfolders' times (or one's) an hour back: changed long before the prune."""
    hour_ago = time.time_ns() - 3600 * 10**9
    for sub in folder.iterdir():
        if sub.is_dir() and only in (None, sub.name):
            os.utime(sub, ns=(hour_ago, hour_ago))


def test_a_prune_lists_only_the_folders_whose_entries_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = FormCache(tmp_path / "cache", b"salt", limit=10**6)
    for n in range(40):
        cache.put(cache.key(str(n)), b"%PDF-" + bytes(95))
    aged(tmp_path / "cache")
    listed: list[str] = []
    entries = FormCache._entries

    def listing(folders: Any) -> list[Path]:
        folders = list(folders)
        listed.extend(folder.name for folder in folders)
        return entries(folders)

    monkeypatch.setattr(FormCache, "_entries", staticmethod(listing))
    cache.prune()
    folders = {p.parent.name for p in (tmp_path / "cache").glob("*/*.pdf")}
    assert set(listed) == folders  # no ledger yet: every folder
    sizes = cache.folder_sizes()
    assert sum(size for _, size in sizes.values()) == 40 * (32 + 100)  # tag and entry
    listed.clear()
    cache.prune()
    assert listed == []  # nothing changed
    other = FormCache(tmp_path / "cache", b"salt")  # another process, a renderer
    key = other.key("new")
    other.put(key, b"%PDF-" + bytes(195))
    cache.prune()
    assert listed == [key[:2]]  # only where the entry went
    assert sum(size for _, size in cache.folder_sizes().values()) == 40 * 132 + 232
    listed.clear()
    cache.prune()
    assert listed == [key[:2]]  # changed just now: its time is not trusted yet
    aged(tmp_path / "cache", only=key[:2])
    listed.clear()
    cache.prune()
    cache.prune()
    assert listed == [key[:2]]  # once more with its new time, then no more


def test_a_damaged_ledger_is_listed_again_and_the_limit_holds(tmp_path: Path) -> None:
    cache = FormCache(tmp_path / "cache", b"salt", limit=5000)
    for n in range(20):
        cache.put(cache.key(str(n)), b"%PDF-" + bytes(995))
        aged(tmp_path / "cache")
        cache.prune()  # the ledger follows the puts, by this process and others
    kept = list((tmp_path / "cache").glob("*/*.pdf"))
    assert len(kept) > 0 and sum(p.stat().st_size for p in kept) <= 5000
    (tmp_path / "cache" / "kich-thuoc").write_text("00 xyz\n", encoding="ascii")
    assert sum(size for _, size in cache.folder_sizes().values()) == \
        sum(p.stat().st_size for p in kept)


def test_one_or_many_workers_give_the_same_bytes(tmp_path: Path,
                                                 built_chi_bo: BuildResult) -> None:
    one = build(CHI_BO, tmp_path / "one", jobs=1)
    two = build(CHI_BO, tmp_path / "two", jobs=2)
    for name in ("ho-so.pdf", "mau/muc-09-qd-xep-loai-dang-vien.pdf"):
        assert (one.out / name).read_bytes() == (two.out / name).read_bytes() \
            == (built_chi_bo.out / name).read_bytes()


def test_the_renderers_started_first_lay_out_everything(
        tmp_path: Path, unit_copy: Copy) -> None:
    """A build starts its renderers before the unit is read; they load WeasyPrint
    meanwhile and lay out the forms and the binding's pages (a rebuild: one renderer,
    for the changed forms), so the main process never loads it, and the output is the
    cold build's."""
    import os
    import subprocess
    import sys

    unit = unit_copy(CHI_BO)
    env = dict(os.environ, HOSO_CACHE_DIR=str(tmp_path / "cache"))
    script = ("import sys; from pathlib import Path; from pipeline.dossier import build; "
              "build(Path(sys.argv[1]), Path(sys.argv[2]), jobs=2, use_cache=True); "
              "print('weasyprint' in sys.modules)")

    def rebuild(out: str) -> str:
        done = subprocess.run([sys.executable, "-c", script, str(unit), str(tmp_path / out)],
                              env=env, capture_output=True, text=True, check=True)
        assert done.stderr == ""
        return done.stdout.strip()

    assert rebuild("a") == "False"  # the first build: every form, contents and cover
    edit_csv(unit / "dang-vien.csv", 13, "Chức vụ", "Kỹ thuật viên chính")
    assert rebuild("b") == "False"
    cold = build(unit, tmp_path / "c")
    for name in ("ho-so.pdf", "mau/muc-09-qd-xep-loai-dang-vien.pdf"):
        assert (tmp_path / "b" / name).read_bytes() == (cold.out / name).read_bytes()


def test_pages_laid_out_ahead_elsewhere_are_taken_once(tmp_path: Path) -> None:
    """The binding's guesses (the contents on one page and on two, and their covers)
    go to the lent renderers together, and `pdf` takes each result from there; a
    rebuild that has one of them cached sends none (they would only wait in line)."""
    from concurrent.futures import Future

    renderer = Renderer()
    sent: list[str] = []

    def elsewhere(html: str) -> Future[bytes]:
        sent.append(html)
        future: Future[bytes] = Future()
        future.set_result(f"pdf of {html}".encode())
        return future

    renderer.lay_out_ahead(["<p>a</p>"])  # no renderers lent: nothing to do
    assert renderer.ahead == {}
    renderer.elsewhere = elsewhere
    renderer.lay_out_ahead(["<p>a</p>", "<p>b</p>"])
    assert sent == ["<p>a</p>", "<p>b</p>"]
    assert renderer.pdf("<p>b</p>") == b"pdf of <p>b</p>"
    assert list(renderer.ahead) == ["<p>a</p>"]

    cache = FormCache(tmp_path / "cache", b"salt")
    renderer.cache = cache
    cache.put(cache.key("<p>c</p>"), b"%PDF- cached")
    renderer.lay_out_ahead(["<p>c</p>", "<p>d</p>"])
    assert sent == ["<p>a</p>", "<p>b</p>"]
    assert renderer.cached_pdf("<p>c</p>") == b"%PDF- cached"


def _build_in_a_job(unit: str, out: str) -> None:
    build(Path(unit), Path(out), use_cache=True)


def test_a_build_in_a_spawned_process_ends_with_its_renderers(
        tmp_path: Path, unit_copy: Copy, monkeypatch: pytest.MonkeyPatch) -> None:
    """The web app builds in spawned processes (Windows has nothing else): their
    renderers are spawned too, and must end with the build, also when the rebuild's
    renderer is still starting as the build finishes (pool.shutdown forgot its
    processes before they were told to stop, and the job never exited)."""
    import multiprocessing

    unit = unit_copy(CHI_BO)
    monkeypatch.setenv("HOSO_CACHE_DIR", str(tmp_path / "cache"))
    spawn = multiprocessing.get_context("spawn")
    for out in ("a", "b"):  # the second is a rebuild: one renderer, every form cached
        job = spawn.Process(target=_build_in_a_job, args=(str(unit), str(tmp_path / out)))
        job.start()
        job.join(120)
        alive = job.is_alive()
        if alive:
            job.kill()
        assert not alive and job.exitcode == 0
    first, again = ((tmp_path / out / "ho-so.pdf").read_bytes() for out in ("a", "b"))
    assert again == first


def _renderers_then_wait() -> None:
    from pipeline.dossier import renderers

    with renderers(Renderer(), 2, None, warm=True):
        time.sleep(120)  # killed meanwhile


@pytest.mark.parametrize(("start", "processes"), [("spawn", 1), ("fork", 3)])
def test_renderers_of_a_killed_job_end_themselves(start: str, processes: int) -> None:
    """A web job killed with SIGKILL cannot stop its renderers; they see their parent
    gone and end, instead of sleeping on forever. Spawned (the web app), the pool spawns
    a renderer as tasks come; forked (a `hoso build` killed), a zygote forks two
    renderers (pipeline/zygote.py), and it and they end."""
    import multiprocessing
    import os
    import signal

    job = multiprocessing.get_context(start).Process(target=_renderers_then_wait)
    job.start()
    workers: list[int] = []
    deadline = time.monotonic() + 60
    while len(workers) < processes and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = [pid for pid in _descendants(job.pid)  # not spawn's resource tracker
                   if "resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_text()]
    assert len(workers) >= processes  # spawned, the second may have come already
    os.kill(job.pid, signal.SIGKILL)
    job.join()
    deadline = time.monotonic() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def _descendants(pid: int) -> list[int]:
    """The processes forked from `pid`, and from them, and so on (Linux)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue  # ended meanwhile
        for child in children:
            found += [child, *_descendants(child)]
    return found


@pytest.mark.parametrize("interrupted", [False, True])
def test_renderers_end_with_their_pool_thread(interrupted: bool) -> None:
    """Leaving `renderers`, finished or interrupted, nothing of the pool runs on: its
    thread, left running, closed its wake-up pipe while the interpreter's exit wrote to
    it, and an interrupted build printed a traceback after "Đã dừng" (1 Ctrl-C in 20)."""
    import contextlib
    import threading

    from pipeline.dossier import _ready, renderers

    before = set(threading.enumerate())
    with contextlib.suppress(KeyboardInterrupt), \
            renderers(Renderer(), 2, None, warm=True) as pool:
        pool.submit(_ready).result()
        assert pool.zygote is not None  # two renderers forked by a zygote (pipeline/zygote.py)
        zygote = pool.zygote.process.pid
        started = [pool.zygote.pid(index) for index in range(2)]
        assert sorted(started) == sorted(_descendants(zygote))
        if interrupted:
            raise KeyboardInterrupt
    assert {t for t in threading.enumerate() if not t.daemon} <= before
    assert not [pid for pid in [zygote, *started] if _running(pid)]
    assert all(child.returncode is not None for child in pool.zygote.children)


def _running(pid: int | None) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class _HeldPool:
    """A pool of renderers laying out in this process, all at once, except the last
    form: that one is held back until `release`."""

    size = 2

    def __init__(self, renderer: Renderer, last: str) -> None:
        from concurrent.futures import Future

        self.renderer, self.last = renderer, last
        self.held: Future[bytes] = Future()

    def submit(self, _call: object, html: str) -> object:
        from concurrent.futures import Future

        if html == self.last:
            return self.held
        done: Future[bytes] = Future()
        done.set_result(self.renderer.pdf(html))
        return done


def test_forms_are_numbered_while_the_last_is_still_laid_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each form's standalone PDF is numbered as soon as the form is in, not after the
    last one: only the binding is then left when the renderers finish."""
    import threading

    from pipeline import dossier
    from pipeline.rules import assess

    profile = dossier.unit_profile(QD366, None)
    unit = dossier.load_for(QD366, profile)
    plan = dossier.plan_forms(unit, profile, assess(unit, profile))
    renderer = Renderer()
    last = renderer.html(plan[-1].template, **plan[-1].context)
    pool = _HeldPool(Renderer(), last)
    events: list[str] = []
    real_standalone = dossier.standalone_pdf

    others_numbered = threading.Event()

    def standalone(pdf: bytes, r: Renderer) -> bytes:
        events.append("numbered")
        if events.count("numbered") == len(plan) - 1:
            others_numbered.set()
        return real_standalone(pdf, r)

    def release() -> None:
        # Released once the other forms are numbered; a build that numbered nothing
        # before the last form is released by the deadline, and fails the order below.
        others_numbered.wait(timeout=60)
        events.append("last form in")
        pool.held.set_result(pool.renderer.pdf(last))

    monkeypatch.setattr(dossier, "standalone_pdf", standalone)
    releaser = threading.Thread(target=release)
    releaser.start()
    try:
        forms = dossier.render_forms(plan, renderer, 2, pool=pool)  # type: ignore[arg-type]
    finally:
        others_numbered.set()
        releaser.join()
    assert events == ["numbered"] * (len(plan) - 1) + ["last form in", "numbered"]
    assert [f.numbered for f in forms] == [real_standalone(f.pdf, renderer) for f in forms]


def test_compiled_templates_are_kept_between_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A template is compiled once, not at every run (0.19 s of a build); a changed
    source, other compiler options or a corrupt entry is compiled anew, and what is
    rendered is the same either way."""
    from jinja2 import Environment

    from pipeline.cache import CompiledTemplates
    from pipeline.render import CompiledOnce
    from pipeline.typography import TYPOGRAPHY

    monkeypatch.setenv("HOSO_CACHE_DIR", str(tmp_path))
    compiled: list[str] = []
    original = Environment.compile

    def compile_counted(self: Environment, source: str, *args: object) -> object:
        compiled.append(source)
        return original(self, source, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Environment, "compile", compile_counted)
    word_part = "<w:t>{{ name }}</w:t>"

    def run() -> tuple[str, str]:
        renderer = Renderer(keep_compiled=True)
        return (renderer.html("_stamp.html", numbers=[7], t=TYPOGRAPHY),
                renderer.docx_env.from_string(word_part).render(name="A & B"))

    first = run()
    assert compiled and first[1] == "<w:t>A &amp; B</w:t>"
    compiled.clear()
    assert run() == first
    assert compiled == []  # every template from the cache folder

    changed = Renderer(keep_compiled=True).docx_env.from_string(word_part + "<w:br/>")
    assert compiled == [word_part + "<w:br/>"]
    assert changed.render(name="x") == "<w:t>x</w:t><w:br/>"

    compiled.clear()
    plain = CompiledOnce(bytecode_cache=CompiledTemplates("autoescape: none"))
    assert plain.from_string(word_part).render(name="A & B") == "<w:t>A & B</w:t>"
    assert compiled == [word_part]  # the autoescaped code is not taken for it

    for entry in tmp_path.glob("*/*.code"):
        data = bytearray(entry.read_bytes())
        data[-1] ^= 0xFF
        entry.write_bytes(bytes(data))
    compiled.clear()
    assert run() == first
    assert word_part in compiled  # the corrupt entries discarded, compiled again


def test_a_rebuild_does_not_parse_the_pdf_attachments_it_has_seen_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSO_CACHE_DIR", str(tmp_path / "cache"))
    parsed: list[str] = []
    guarded = attachments.run_guarded

    def counting(work: Any, data: bytes, **options: Any) -> Any:
        parsed.append(options["name"])
        return guarded(work, data, **options)

    monkeypatch.setattr(attachments, "run_guarded", counting)
    first = cached_build(CHI_BO, tmp_path / "a")
    pdfs = [a.label for a in first.unit.attachments if a.kind == "pdf"]
    assert pdfs and sorted(parsed) == sorted(pdfs)
    cached_build(CHI_BO, tmp_path / "b")
    assert len(parsed) == len(pdfs)  # none parsed again
    tamper(tmp_path / "cache", "inspected")  # discarded, and the PDF parsed again
    again = cached_build(CHI_BO, tmp_path / "c")
    assert sorted(parsed[len(pdfs):]) == sorted(pdfs)
    assert again.unit.attachments == first.unit.attachments
    assert (tmp_path / "c" / "ho-so.pdf").read_bytes() == \
        (tmp_path / "a" / "ho-so.pdf").read_bytes()


def test_a_rebuild_takes_the_pages_of_attached_images_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_dang_bo: BuildResult) -> None:
    monkeypatch.setenv("HOSO_CACHE_DIR", str(tmp_path / "cache"))
    drawn: list[int] = []
    draw = attachments.image_page

    def counting(image: Any) -> Any:
        drawn.append(1)
        return draw(image)

    monkeypatch.setattr(attachments, "image_page", counting)
    first = cached_build(DANG_BO, tmp_path / "a")
    images = [a for a in first.unit.attachments if a.kind == "image"]
    assert images and len(drawn) == len(images)
    assert len(list((tmp_path / "cache").glob("*/*.image"))) == len(images)
    cached_build(DANG_BO, tmp_path / "b")
    assert len(drawn) == len(images)  # none drawn again
    tamper(tmp_path / "cache", "image")  # discarded, and the page drawn again
    cached_build(DANG_BO, tmp_path / "c")
    assert len(drawn) == 2 * len(images)
    for out in ("a", "b", "c"):  # the same bytes as a build without the cache
        assert (tmp_path / out / "ho-so.pdf").read_bytes() == \
            (built_dang_bo.out / "ho-so.pdf").read_bytes()


def tamper(cache: Path, kind: str) -> None:
    """Flip a byte near the end of every entry of this kind."""
    for entry in cache.glob(f"*/*.{kind}"):
        data = bytearray(entry.read_bytes())
        data[-2] ^= 0xFF
        entry.write_bytes(bytes(data))


def test_a_rebuild_takes_the_digests_of_forms_bound_at_the_same_page_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_chi_bo: BuildResult) -> None:
    """assemble._form_digest: a form's digest follows from its PDF, its first page and
    the overlays; `hoso check` confirms every digest of a build that took them."""
    monkeypatch.setenv("HOSO_CACHE_DIR", str(tmp_path / "cache"))
    digested: list[int] = []
    digest = assemble.pages_digest

    def counting(pages: Any) -> str:
        digested.append(len(pages))
        return digest(pages)

    monkeypatch.setattr(assemble, "pages_digest", counting)
    cached_build(CHI_BO, tmp_path / "a")
    manifest = json.loads((tmp_path / "a" / "ho-so.json").read_text(encoding="utf-8"))
    forms = [i for i in manifest["items"] if i.get("source") == "generated"]
    assert forms and len(digested) > len(forms)  # the scans' too
    assert len(list((tmp_path / "cache").glob("*/*.digest"))) == len(forms)
    computed = len(digested)
    cached_build(CHI_BO, tmp_path / "b")
    assert len(digested) == computed + (computed - len(forms))  # the scans' only
    tamper(tmp_path / "cache", "digest")  # discarded, and computed again
    cached_build(CHI_BO, tmp_path / "c")
    assert len(digested) == 3 * computed - len(forms)
    for out in ("a", "b", "c"):
        assert (tmp_path / out / "ho-so.pdf").read_bytes() == \
            (built_chi_bo.out / "ho-so.pdf").read_bytes()
        assert check_pdf(tmp_path / out / "ho-so.pdf").complete
