"""`hoso serve` in a real browser: Debian's Chromium driven by Playwright (no download).

The clerk uploads the sample unit and its workbook, meets a bad row in the problem table,
fixes it, builds with a live progress bar and gets the PDF back; the receipt desk
registers three units, receives a complete, an incomplete and an altered dossier, and
sees a late flag once its (injected) clock passes the deadline; and the app refuses what
it must: strangers when bound beyond loopback, requests without a CSRF token, oversized
and disguised uploads.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader, PdfWriter

from pipeline.dossier import BuildResult
from pipeline.paths import FIXTURES
from pipeline.web.base import Settings
from pipeline.web.security import hash_password
from pipeline.web.store import Store
from tests.web_helpers import CHROMIUM, CHROMIUM_ARGS, Clock, running, zipped

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

VIETNAM = timezone(timedelta(hours=7))
BEFORE_DEADLINE = datetime(2025, 12, 10, 9, 0, tzinfo=VIETNAM)
AFTER_DEADLINE = datetime(2025, 12, 27, 9, 0, tzinfo=VIETNAM)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; "
                    ".ci/run installs it)")
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, locale="vi-VN")
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def upload(page: Any, form: str, name: str, data: bytes, mime: str) -> None:
    page.set_input_files(f"{form} input[type=file]",
                         files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.click(f"{form} button")


def bad_birthday(workbook: bytes) -> bytes:
    """The workbook with the third data row's birthday made impossible (31/02)."""
    book = load_workbook(io.BytesIO(workbook))
    sheet = book["dang-vien"]
    column = next(c.column for c in sheet[1] if c.value == "Ngày sinh")
    sheet.cell(4, column, "31/02/1990")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_clerk_fixes_a_bad_row_builds_and_downloads(page: Any, tmp_path: Path) -> None:
    with running(Settings(tmp_path / "data")) as url:
        page.goto(url)
        expect(page.locator("header .who")).to_contain_text("Chỉ máy này")  # no login
        upload(page, "#tai-zip", "don-vi.zip", zipped(FIXTURES / "chi-bo-qd366"),
               "application/zip")
        expect(page.locator("h1")).to_have_text("Chi bộ Trung tâm Công nghệ thông tin tỉnh")

        with page.expect_download() as fetched:
            page.click("text=Tải sổ Excel du-lieu.xlsx")
        workbook = Path(fetched.value.path()).read_bytes()
        assert "dang-vien" in load_workbook(io.BytesIO(workbook)).sheetnames

        upload(page, "#tai-so", "du-lieu.xlsx", bad_birthday(workbook), XLSX)
        problems = page.locator("table.problems tbody tr")
        expect(problems).to_have_count(1)
        row = [c.strip() for c in problems.first.locator("td").all_inner_texts()]
        assert row[0].startswith("du-lieu.xlsx") and "dang-vien" in row[0]
        assert row[1] == "dòng 4" and "Ngày sinh" in row[2] and row[3]
        expect(page.locator("#dung form.start button").first).to_be_disabled()

        upload(page, "#tai-so", "du-lieu.xlsx", workbook, XLSX)  # fixed
        expect(page.locator("#kiem-tra")).to_contain_text("không có lỗi")
        expect(page.locator("table.problems")).to_have_count(0)

        seen: list[dict[str, Any]] = []

        def polled(response: Any) -> None:  # what the progress bar was fed
            # the last one's body is gone: the page reloaded on it
            if "/tien-do/" in response.url:
                with contextlib.suppress(playwright_api.Error):
                    seen.append(response.json())

        page.on("response", polled)
        page.click("#dung form.start >> nth=0 >> button")
        expect(page.locator("#dung .job .state").first).to_have_text("xong", timeout=180_000)
        running_states = [s for s in seen if s["state"] == "running"]
        assert running_states, "the page never showed the build's progress"
        assert all(0 <= s["percent"] < 100 for s in running_states)
        expect(page.locator("#dung .job progress").first).to_have_attribute("value", "100")

        with page.expect_download() as fetched:
            page.click("#ket-qua a[href$='tai/ho-so.pdf']")
        reader = PdfReader(fetched.value.path())
        manifest = json.loads((tmp_path / "data" / "don-vi" / "1" / "ket-qua" / "ho-so.json")
                              .read_text(encoding="utf-8"))
        assert len(reader.pages) == manifest["pages"] > 20
        assert reader.outline and "Tờ trình" in "".join(
            getattr(o, "title", "") for o in reader.outline)
        with page.expect_download() as fetched:
            page.click("#ket-qua a[href$='mau-word.zip']")
        assert any(n.endswith(".docx") for n in zipfile.ZipFile(fetched.value.path()).namelist())
        # named after the unit, never by its number in the server's database
        assert fetched.value.suggested_filename == \
            "chi-bo-trung-tam-cong-nghe-thong-tin-tinh-mau-word.zip"

        page.click("#dung form.start >> nth=1 >> button")  # the handouts, in their own job
        expect(page.locator("#dung .job .state").nth(1)).to_have_text("xong", timeout=180_000)
        with page.expect_download() as fetched:
            page.click("#ket-qua a[href$='tai/chuan-bi.zip']")
        handouts = zipfile.ZipFile(fetched.value.path()).namelist()
        assert len([n for n in handouts if n.endswith(".docx")]) > 15  # one per member …
        assert all(not n.startswith(".") for n in handouts)  # … and no bookkeeping file

        page.click("text=Xem hồ sơ")
        expect(page.locator(".outline li.item")).to_have_count(len(manifest["items"]))
        # each item says its own "(1)": the list adds no "1." of its own
        assert page.locator(".outline ol").evaluate(
            "list => getComputedStyle(list).listStyleType") == "none"
        first = page.locator(".pages img").first
        expect(first).to_have_js_property("complete", True)
        assert first.evaluate("img => img.naturalWidth") > 500


def test_clerk_creates_a_unit_and_drops_scans(page: Any, tmp_path: Path) -> None:
    with running(Settings(tmp_path / "data")) as url:
        page.goto(url)
        page.fill("#tao-don-vi input[name=ten]", "Chi bộ Trường THPT Nguyễn Huệ")
        page.select_option("#tao-don-vi select[name=loai]", "chi_bo_co_so")
        page.fill("#tao-don-vi input[name=nam]", "2025")
        page.click("#tao-don-vi button")
        expect(page.locator("h1")).to_have_text("Chi bộ Trường THPT Nguyễn Huệ")
        assert "ten: \"Chi bộ Trường THPT Nguyễn Huệ\"" in page.locator(
            "#don-vi textarea").input_value()

        png = (FIXTURES / "chi-bo-qd366" / "dinh-kem" / "07-qd-xep-loai-ccvc.jpg").read_bytes()
        drop = page.locator("form.drop[data-item='7']")
        transfer = page.evaluate_handle(
            "bytes => { const t = new DataTransfer(); t.items.add(new File("
            "[new Uint8Array(bytes)], 'anh chup.jpg', {type: 'image/jpeg'})); return t; }",
            list(png))
        with page.expect_navigation():
            drop.dispatch_event("drop", {"dataTransfer": transfer})
        scans = page.locator("#dinh-kem tr:has(form.drop[data-item='7']) code")
        expect(scans).to_have_text(["dinh-kem/07-ban-quet-01.jpg"])  # named by the item

        upload(page, "form.drop[data-item='2']", "bao-cao.pdf", b"<html>not a pdf</html>",
               "application/pdf")
        refusal = page.locator(".flash.error", has_text="Không nhận tệp")
        expect(refusal).to_contain_text("không phải bản quét PDF, JPEG hoặc PNG")
        assert not list((tmp_path / "data").glob("don-vi/1/don-vi/dinh-kem/02*"))


def dossier_bytes(result: BuildResult) -> bytes:
    return (result.out / "ho-so.pdf").read_bytes()


def altered(result: BuildResult) -> bytes:
    """The complete dossier with one page of item (2) replaced by a blank page."""
    manifest = json.loads((result.out / "ho-so.json").read_text(encoding="utf-8"))
    first = next(i["first_page"] for i in manifest["items"] if i["item"] == "2")
    writer = PdfWriter(clone_from=PdfReader(result.out / "ho-so.pdf"))
    box = writer.pages[first - 1].mediabox
    writer.insert_blank_page(box.width, box.height, first - 1)
    del writer.pages[first]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def register_workbook(rows: list[tuple[str, str, str]]) -> bytes:
    book = Workbook()
    book.active.append(("Tên đơn vị", "Loại", "Liên hệ"))
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def board(page: Any) -> dict[str, tuple[str, str]]:
    """Unit name → (status, late) as the board's rows carry them."""
    rows = page.locator("#so-nhan tbody tr[data-status]")
    found = {}
    for index in range(rows.count()):
        row = rows.nth(index)
        found[row.locator("td a").first.inner_text()] = (row.get_attribute("data-status"),
                                                         row.get_attribute("data-late"))
    return found


def receive(page: Any, unit: str, data: bytes) -> None:
    page.goto(page.url.split("/nhan")[0] + "/nhan")
    page.select_option("#nhan-ho-so select", label=unit)
    upload(page, "#nhan-ho-so", "ho-so.pdf", data, "application/pdf")


def test_receipt_desk_statuses_and_late_flag(page: Any, tmp_path: Path,
                                             built_qd366: BuildResult,
                                             built_dang_bo: BuildResult) -> None:
    clock = Clock(BEFORE_DEADLINE)
    with running(Settings(tmp_path / "data", clock=clock)) as url:
        page.goto(url + "/nhan")
        for name, kind in (("Chi bộ A", "chi_bo_co_so"), ("Đảng bộ B", "dang_bo_co_so")):
            page.fill("#them-don-vi input[name=ten]", name)
            page.select_option("#them-don-vi select", kind)
            page.fill("#them-don-vi input[name=lien_he]", "0234 3822 000")
            page.click("#them-don-vi button")
        upload(page, "#nhap-so", "so.xlsx",
               register_workbook([("Chi bộ C", "Chi bộ cơ sở", "")]), XLSX)
        expect(page.locator(".flash")).to_contain_text("Đã nhập 1 đơn vị")
        assert board(page) == {"Chi bộ A": ("expected", "no"), "Đảng bộ B": ("expected", "no"),
                               "Chi bộ C": ("expected", "no")}
        assert page.locator("#han-nop input[name=chi_bo_co_so]").input_value() == "2025-12-15"
        assert page.locator("#han-nop input[name=dang_bo_co_so]").input_value() == "2025-12-25"

        receive(page, "Chi bộ A", dossier_bytes(built_qd366))
        expect(page.locator(".flash")).to_contain_text("Đủ, nhất quán")
        receive(page, "Đảng bộ B", dossier_bytes(built_dang_bo))
        expect(page.locator(".submission h2").first).to_contain_text("Còn thiếu")
        expect(page.locator(".submission").first).to_contain_text("(8)")  # what is missing

        clock.now = AFTER_DEADLINE
        receive(page, "Chi bộ C", altered(built_qd366))
        expect(page.locator(".submission h2").first).to_contain_text("Không đạt kiểm tra")

        page.goto(url + "/nhan")
        assert board(page) == {"Chi bộ A": ("complete", "no"), "Đảng bộ B": ("incomplete", "no"),
                               "Chi bộ C": ("failed", "yes")}
        page.select_option("#loc select", "late")
        page.click("#loc button")
        assert list(board(page)) == ["Chi bộ C"]
        page.goto(url + "/nhan?xep=trang-thai")
        assert list(board(page)) == ["Chi bộ A", "Đảng bộ B", "Chi bộ C"]

        receive(page, "Chi bộ C", dossier_bytes(built_qd366))  # a re-submission
        expect(page.locator(".submission")).to_have_count(2)  # history kept, newest first
        expect(page.locator(".submission h2").first).to_contain_text("Đủ")

        with page.expect_download() as fetched:
            page.goto(url + "/nhan")
            page.click("text=Xuất sổ ra Excel")
        sheet = load_workbook(io.BytesIO(Path(fetched.value.path()).read_bytes())).active
        rows = {r[1]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert rows["Chi bộ C"][5] == "Đủ" and rows["Chi bộ C"][6] == "Có"
        assert rows["Đảng bộ B"][5] == "Còn thiếu" and rows["Đảng bộ B"][10]


def accounts_settings(tmp_path: Path, **extra: Any) -> Settings:
    data = tmp_path / "data"
    data.mkdir()
    store = Store(data)
    now = datetime(2025, 12, 1, tzinfo=VIETNAM)
    for name, role in (("vanphong", "clerk"), ("vanphong2", "clerk"), ("bantochuc", "receiver")):
        store.add_account(name, hash_password("mat-khau-" + name), role, now)
    store.close()
    return Settings(data, host="0.0.0.0", **extra)


def login(page: Any, url: str, name: str, password: str) -> None:
    page.goto(url + "/dang-nhap")
    page.fill("input[name=ten]", name)
    page.fill("input[name=mat_khau]", password)
    page.click("form button")


def test_accounts_are_required_beyond_loopback(page: Any, tmp_path: Path) -> None:
    with running(accounts_settings(tmp_path)) as url:
        page.goto(url + "/nhan")
        assert "/dang-nhap" in page.url  # a stranger gets the login page, nothing else
        login(page, url, "vanphong", "sai-mat-khau")
        expect(page.locator(".flash.error")).to_contain_text("Sai tên đăng nhập")
        login(page, url, "vanphong", "mat-khau-vanphong")
        expect(page.locator("header .who")).to_contain_text("vanphong")
        cookie = next(c for c in page.context.cookies() if c["name"] == "hoso_phien")
        assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
        page.fill("#tao-don-vi input[name=ten]", "Chi bộ của văn phòng 1")
        page.click("#tao-don-vi button")
        own = page.url
        assert page.goto(url + "/nhan").status == 403  # a clerk is not the receipt desk

        page.click("header form button")  # log out
        login(page, url, "vanphong2", "mat-khau-vanphong2")
        assert page.goto(own).status == 404  # another clerk's unit does not exist for them
        page.goto(url + "/")
        expect(page.locator("body")).not_to_contain_text("Chi bộ của văn phòng 1")

        page.click("header form button")
        login(page, url, "bantochuc", "mat-khau-bantochuc")
        assert page.url.endswith("/nhan")
        assert page.goto(own).status == 403

        page.goto(url + "/nhan")
        page.click("header form button")
        for _ in range(5):
            login(page, url, "vanphong2", "doan-mo")
        login(page, url, "vanphong2", "mat-khau-vanphong2")  # right, but too late
        expect(page.locator(".flash.error")).to_contain_text("sai quá nhiều lần")


def test_csrf_oversized_and_disguised_uploads_are_refused(page: Any, tmp_path: Path) -> None:
    limits = {**Settings(tmp_path).limits, "dossier": 64 * 1024}
    with running(Settings(tmp_path / "data", limits=limits)) as url:
        page.goto(url + "/nhan")
        page.fill("#them-don-vi input[name=ten]", "Chi bộ A")
        page.click("#them-don-vi button")
        status = page.evaluate(
            "async () => (await fetch('/nhan/don-vi', {method: 'POST', body: new URLSearchParams("
            "{ten: 'Giả mạo', loai: 'chi_bo_co_so'})})).status")
        assert status == 403
        page.evaluate("() => document.querySelector('#them-don-vi input[name=csrf]').value = 'x'")
        page.fill("#them-don-vi input[name=ten]", "Giả mạo 2")
        page.click("#them-don-vi button")
        expect(page.locator(".flash.error")).to_contain_text("CSRF")
        page.goto(url + "/nhan")
        assert list(board(page)) == ["Chi bộ A"]

        receive(page, "Chi bộ A", b"%PDF-1.7\n" + b"0" * 70 * 1024)
        expect(page.locator(".flash.error")).to_contain_text("tệp quá lớn")
        receive(page, "Chi bộ A", b"<!doctype html><script>alert(1)</script>")
        expect(page.locator(".flash.error")).to_contain_text("không phải một tệp PDF")
        assert board(page) == {"Chi bộ A": ("expected", "no")}
        assert not list((tmp_path / "data" / "nhan").glob("*/*"))  # nothing was kept
