"""The web app's parts without a browser: migrations, uploads, jobs, hosts, registers."""

from __future__ import annotations

import http.client
import io
import os
import re
import shutil
import sqlite3
import stat
import sys
import time
import urllib.error
import urllib.request
import zipfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.paths import FIXTURES
from pipeline.web import register
from pipeline.web.app import served
from pipeline.web.base import Settings
from pipeline.web.files import BlobStore, UploadRefused, sniff, unpack_unit
from pipeline.web.jobs import PRELOADED, job_context
from pipeline.web.store import MIGRATIONS, Busy, Store, migrate
from tests.web_helpers import running, zipped

NOW = datetime(2025, 12, 10, 9, 0, tzinfo=timezone(timedelta(hours=7)))


def test_an_old_database_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "hoso.sqlite3", isolation_level=None)
    db.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    db.execute("INSERT INTO unit (name, kind, created_at) VALUES ('Chi bộ A', 'chi_bo_co_so', "
               "'2025-01-01')")
    db.close()
    store = Store(tmp_path)
    assert [u.name for u in store.units()] == ["Chi bộ A"]
    store.add_expected("Chi bộ A", "chi_bo_co_so", "", NOW)  # a table of migration 2
    assert store._all("PRAGMA user_version") == [(len(MIGRATIONS),)]
    store.close()


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="mới hơn"):
        migrate(db)


def test_one_running_job_per_unit(tmp_path: Path) -> None:
    store = Store(tmp_path)
    unit = store.add_unit("Chi bộ A", "chi_bo_co_so", None, NOW)
    first = store.start_job(unit, "build", NOW)
    with pytest.raises(Busy):
        store.start_job(unit, "prepare", NOW)
    other = store.add_unit("Chi bộ B", "chi_bo_co_so", None, NOW)
    store.start_job(other, "build", NOW)  # another unit is not blocked
    store.finish_job(first, "done", NOW, 0, 10, [])
    store.start_job(unit, "build", NOW)
    store.close()


def test_a_killed_build_fails_its_job_and_the_server_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A cache of its own: with the session's, every form is cached and the build ends
    # before the kill (under a second).
    monkeypatch.setenv("HOSO_CACHE_DIR", str(tmp_path / "cache"))
    with served(Settings(tmp_path / "data")) as (url, app):
        unit = app.store.add_unit("Chi bộ", "chi_bo_co_so", None, NOW)
        paths = app.unit_paths(unit)
        shutil.copytree(FIXTURES / "dang-bo-co-so", paths.source)
        job = app.jobs.start(unit, "build", paths)
        with pytest.raises(Busy):  # a second build of the same unit is refused
            app.jobs.start(unit, "build", paths)
        time.sleep(0.5)  # the job's process runs, building from cold
        app.jobs.processes[job].kill()
        deadline = time.monotonic() + 30
        while (found := app.store.job(job)) is not None and found.state == "running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert found is not None and found.state == "failed"
        assert "dừng bất thường" in found.messages[0]
        with urllib.request.urlopen(url + "/") as answer:  # the server still answers
            assert answer.status == 200
        again = app.jobs.start(unit, "build", paths)  # and the unit can be built again
        app.jobs.wait_all(120)
        assert app.store.job(again).state == "done"  # type: ignore[union-attr]


def test_loopback_app_refuses_other_host_names(tmp_path: Path) -> None:
    """A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) gets
    nothing: on loopback only this machine's names are served."""
    with running(Settings(tmp_path / "data")) as url:
        port = int(url.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", "/", headers={"Host": "ke-xau.example"})
        assert connection.getresponse().status == 400


def test_pages_say_no_sniffing_and_no_foreign_scripts(tmp_path: Path) -> None:
    with running(Settings(tmp_path / "data")) as url, urllib.request.urlopen(url + "/") as answer:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_sniff_goes_by_content_not_name() -> None:
    assert sniff(b"%PDF-1.7\n...").kind == "pdf"  # type: ignore[union-attr]
    assert sniff(b"\xff\xd8\xff\xe0 jpeg").kind == "jpg"  # type: ignore[union-attr]
    assert sniff(b"<html><script>alert(1)</script>") is None
    assert sniff(b"MZ\x90\x00 an exe") is None
    assert sniff(zipped(FIXTURES / "chi-bo-qd366")).kind == "zip"  # type: ignore[union-attr]
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("[Content_Types].xml", "")
        z.writestr("xl/workbook.xml", "")
    assert sniff(book.getvalue()).kind == "xlsx"  # type: ignore[union-attr]


def _zip(members: dict[str, bytes], link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


@pytest.mark.parametrize("members,link,message", [
    ({"don-vi.yaml": b"", "../thoat.txt": b"x"}, None, "không hợp lệ"),
    ({"don-vi.yaml": b"", "/etc/cron.d/x": b"x"}, None, "không hợp lệ"),
    ({"don-vi.yaml": b""}, "dinh-kem/lien-ket.pdf", "không phải tệp thường"),
    ({"dang-vien.csv": b"x"}, None, "không có don-vi.yaml"),
    ({"don-vi.yaml": b"", "a/b/c/d/e.pdf": b"x"}, None, "không hợp lệ"),
])
def test_hostile_zips_are_refused_whole(tmp_path: Path, members: dict[str, bytes],
                                        link: str | None, message: str) -> None:
    with pytest.raises(UploadRefused, match=message):
        unpack_unit(_zip(members, link), tmp_path / "don-vi")
    assert not (tmp_path / "thoat.txt").exists()


def test_a_zipped_unit_folder_unpacks_without_its_top_folder(tmp_path: Path) -> None:
    written = unpack_unit(zipped(FIXTURES / "chi-bo-qd366"), tmp_path / "don-vi")
    assert "don-vi.yaml" in written and "dinh-kem/DV01/4-ke-khai-tai-san.pdf" in written
    assert (tmp_path / "don-vi" / "dang-vien.csv").read_bytes() == \
        (FIXTURES / "chi-bo-qd366" / "dang-vien.csv").read_bytes()


def test_received_files_are_content_addressed_and_read_only(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    digest = blobs.put(b"%PDF-1.7 one")
    assert blobs.put(b"%PDF-1.7 one") == digest
    path = blobs.path(digest)
    assert path.read_bytes() == b"%PDF-1.7 one" and not path.stat().st_mode & stat.S_IWUSR
    with pytest.raises(ValueError):
        blobs.path("../../etc/passwd")


def test_deadlines_come_from_the_profile_and_the_desk_may_change_them(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert register.deadlines(store, 2025) == {"chi_bo_co_so": date(2025, 12, 15),
                                               "dang_bo_co_so": date(2025, 12, 25)}
    store.set_deadline("chi_bo_co_so", date(2025, 12, 20))
    assert register.deadlines(store, 2025)["chi_bo_co_so"] == date(2025, 12, 20)
    store.close()


def test_late_is_judged_by_the_first_submission_and_the_clock(tmp_path: Path) -> None:
    store = Store(tmp_path)
    on_time = store.add_expected("Chi bộ A", "chi_bo_co_so", "", NOW)
    late = store.add_expected("Chi bộ B", "chi_bo_co_so", "", NOW)
    store.add_expected("Đảng bộ C", "dang_bo_co_so", "", NOW)
    store.add_submission(on_time, "0" * 64, 1, "x", NOW.replace(day=15, hour=23), "complete",
                         [], "")
    store.add_submission(late, "1" * 64, 1, "x", NOW.replace(day=16), "incomplete", ["(8)"], "")
    rows = {r.unit.name: r for r in register.board(store, NOW.replace(day=20))}
    assert not rows["Chi bộ A"].late and rows["Chi bộ B"].late
    assert not rows["Đảng bộ C"].late  # its deadline (25/12) has not passed
    rows = {r.unit.name: r for r in register.board(store, NOW.replace(day=26))}
    assert rows["Đảng bộ C"].late and rows["Đảng bộ C"].status == "expected"
    store.close()


def test_register_workbook_rows_are_read_with_their_problems() -> None:
    from openpyxl import Workbook

    book = Workbook()
    for row in (("Tên đơn vị", "Loại", "Liên hệ"), ("Chi bộ A", "chi bộ cơ sở", "0909"),
                ("", "Đảng bộ cơ sở", ""), ("Chi bộ C", "Chi đoàn", ""),
                ("Đảng bộ D", "dang_bo_co_so", None)):
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    rows, problems = register.read_register(data.getvalue(), "so.xlsx")
    assert rows == [("Chi bộ A", "chi_bo_co_so", "0909"), ("Đảng bộ D", "dang_bo_co_so", "")]
    assert [str(p) for p in problems] == [
        "so.xlsx, dòng 3: thiếu tên đơn vị",
        "so.xlsx, dòng 4, cột Loại: «Chi đoàn» không phải Chi bộ cơ sở hay Đảng bộ cơ sở"]


def test_register_export_is_deterministic(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.add_expected("Chi bộ A", "chi_bo_co_so", "", NOW)
    rows = register.board(store, NOW)
    assert register.register_workbook(rows) == register.register_workbook(rows)
    store.close()


@given(st.text(min_size=1, max_size=60))
def test_kind_names_parse_only_to_known_types(text: str) -> None:
    assert register.parse_kind(text) in {None, "chi_bo_co_so", "dang_bo_co_so"}


def test_serve_beyond_loopback_needs_an_account_first(tmp_path: Path) -> None:
    import subprocess
    import sys

    hoso = [sys.executable, "-m", "pipeline.cli"]
    data = str(tmp_path / "data")
    refused = subprocess.run([*hoso, "serve", "--data", data, "--host", "0.0.0.0"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "hoso account add" in refused.stderr
    env = {**os.environ, "HOSO_MAT_KHAU_TAI_KHOAN": "ngan"}
    short = subprocess.run([*hoso, "account", "add", "vp", "--role", "clerk", "--data", data],
                           capture_output=True, text=True, timeout=60, env=env)
    assert short.returncode == 2 and "ít nhất 8 ký tự" in short.stderr
    env["HOSO_MAT_KHAU_TAI_KHOAN"] = "mat-khau-du-dai"
    for expected in (0, 2):  # the second time: the name is taken
        made = subprocess.run([*hoso, "account", "add", "vp", "--role", "clerk",
                               "--data", data], capture_output=True, text=True, timeout=60,
                              env=env)
        assert made.returncode == expected, made.stderr
    store = Store(tmp_path / "data")
    account = store.account(username="vp")
    assert account is not None and account.role == "clerk"
    assert account.password_hash.startswith("$argon2") and "mat-khau" not in \
        account.password_hash
    store.close()


def test_hoso_serve_answers_on_loopback(tmp_path: Path) -> None:
    import subprocess
    import sys

    from pipeline.web.app import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "serve", "--data",
                               str(tmp_path / "data"), "--port", str(port)],
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/nhan") as answer:
                    assert answer.status == 200 and "Sổ nhận hồ sơ" in answer.read().decode()
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        assert (tmp_path / "data" / "hoso.sqlite3").exists()
    finally:
        server.terminate()
        server.wait(10)


def test_login_guessing_is_throttled_per_name() -> None:
    from pipeline.web.security import Throttle

    now = [0.0]
    throttle = Throttle(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert not throttle.blocked("vanphong")
        throttle.failed("vanphong")
    assert throttle.blocked("vanphong") and not throttle.blocked("bantochuc")
    now[0] = 61
    assert not throttle.blocked("vanphong")  # the window passed
    throttle.failed("vanphong")
    throttle.succeeded("vanphong")
    assert throttle.failures == {}


def _exit_with_what_was_loaded() -> None:
    sys.exit(0 if all(name in sys.modules for name in ("weasyprint", *PRELOADED)) else 7)


def test_a_jobs_process_starts_with_the_library_and_weasyprint_loaded() -> None:
    """Jobs come from a fork server that loaded them once (jobs.job_context): a clerk's
    rebuild does not wait for the imports (the đảng bộ sample 1.25 -> 0.54 s)."""
    process = job_context().Process(target=_exit_with_what_was_loaded)
    process.start()
    process.join(60)
    assert process.exitcode == 0


def test_a_removed_scan_is_kept_in_history_with_its_folder(tmp_path: Path) -> None:
    """«bỏ» on a scan of dinh-kem/ (or a leader's dinh-kem/DV01/) moves it to cu/<n>/, as
    it was; the unit folder no longer has it."""
    from pipeline.web.clerk import keep_old
    from pipeline.web.jobs import UnitPaths

    paths = UnitPaths(tmp_path / "1")
    for name in ("dinh-kem/13-sai.pdf", "dinh-kem/DV01/4-ke-khai.pdf"):
        (paths.source / name).parent.mkdir(parents=True, exist_ok=True)
        (paths.source / name).write_bytes(b"%PDF " + name.encode())
    keep_old(paths, ["dinh-kem/13-sai.pdf"])
    keep_old(paths, ["dinh-kem/DV01/4-ke-khai.pdf"])
    assert (paths.root / "cu/1/dinh-kem/13-sai.pdf").read_bytes() == b"%PDF dinh-kem/13-sai.pdf"
    assert (paths.root / "cu/2/dinh-kem/DV01/4-ke-khai.pdf").is_file()
    assert not (paths.source / "dinh-kem/13-sai.pdf").exists()
    assert sorted(p.name for p in (paths.root / "cu").iterdir()) == ["1", "2"]


def test_an_unexpected_error_is_a_page_in_vietnamese(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Never Starlette's "Internal Server Error" or a traceback; the log names the error's
    kind and the path, not what the clerk typed."""
    from pipeline.web import clerk

    async def broken(request: object) -> None:
        raise FileNotFoundError("/data/don-vi/1/cu/7/dinh-kem/13-Nguyễn Văn A.pdf")

    monkeypatch.setattr(clerk, "home", broken)
    with running(Settings(tmp_path / "data")) as url, \
            pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url + "/")
    assert refused.value.code == 500
    page = refused.value.read().decode("utf-8")
    assert "Có lỗi trong chương trình" in page and "không bị mất" in page
    assert "Internal Server Error" not in page and "Traceback" not in page
    assert "FileNotFoundError" in caplog.text and "Nguyễn" not in caplog.text


def test_the_regimes_are_offered_by_their_documents_newest_first(tmp_path: Path) -> None:
    with running(Settings(tmp_path / "data")) as url, urllib.request.urlopen(url + "/") as answer:
        page = answer.read().decode("utf-8")
    options = re.findall(r'<option value="(qd[\w-]+)"[^>]*>([^<]+)</option>', page)
    assert options[0] == ("qd366", "Quy định 366-QĐ/TW, Hướng dẫn 43-HD/BTCTW (từ năm 2025)")
    assert [code for code, _ in options] == ["qd366", "qd124", "qd132-2022"]
    assert all(label != code for code, label in options)
