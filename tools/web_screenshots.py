"""Take the README's screenshots of `hoso serve` (docs/web/*.png) in Debian's Chromium.

    python tools/web_screenshots.py

Runs the app on the bundled samples in a temporary data folder: the clerk's page with a
bad workbook row, after a build, the dossier browser, and the receipt desk's board with
a complete, an incomplete and an altered dossier, one of them late.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.dossier import build  # noqa: E402
from pipeline.paths import FIXTURES  # noqa: E402
from pipeline.web.app import served  # noqa: E402
from pipeline.web.base import Settings  # noqa: E402
from tests.test_web import altered, bad_birthday  # noqa: E402
from tests.web_helpers import CHROMIUM, CHROMIUM_ARGS, Clock, zipped  # noqa: E402

OUT = ROOT / "docs" / "web"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="hoso-anh-"))
    complete = build(FIXTURES / "chi-bo-qd366", work / "a", use_cache=True)
    incomplete = build(FIXTURES / "dang-bo-co-so", work / "b", use_cache=True)
    clock = Clock(datetime(2025, 12, 12, 9, 0, tzinfo=timezone(timedelta(hours=7))))
    with served(Settings(work / "data", clock=clock)) as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--lang=vi"])
        page = browser.new_page(viewport={"width": 1280, "height": 860}, accept_downloads=True,
                                locale="vi-VN")
        page.goto(url)
        send(page, "#tai-zip", "don-vi.zip", zipped(FIXTURES / "chi-bo-qd366"), "application/zip")
        with page.expect_download() as fetched:
            page.click("text=Tải sổ Excel du-lieu.xlsx")
        workbook = Path(fetched.value.path()).read_bytes()
        send(page, "#tai-so", "du-lieu.xlsx", bad_birthday(workbook), XLSX)
        page.locator("#kiem-tra").scroll_into_view_if_needed()
        page.screenshot(path=OUT / "1-kiem-tra.png")
        send(page, "#tai-so", "du-lieu.xlsx", workbook, XLSX)
        page.click("#dung form.start >> nth=0 >> button")
        page.wait_for_selector("#dung .job .state:text('xong')", timeout=180_000)
        page.locator("#dung").scroll_into_view_if_needed()
        page.screenshot(path=OUT / "2-dung.png")
        page.click("text=Xem hồ sơ")
        expect(page.locator(".pages img").first).to_have_js_property("complete", True)
        page.screenshot(path=OUT / "3-xem-ho-so.png")
        page.goto(url + "/nhan")
        for name, kind in (("Chi bộ Trung tâm Công nghệ thông tin tỉnh", "chi_bo_co_so"),
                           ("Đảng bộ Sở Kế hoạch và Đầu tư", "dang_bo_co_so"),
                           ("Chi bộ Trường THPT Nguyễn Huệ", "chi_bo_co_so"),
                           ("Chi bộ Bệnh viện Mắt", "chi_bo_co_so")):
            page.fill("#them-don-vi input[name=ten]", name)
            page.select_option("#them-don-vi select", kind)
            page.click("#them-don-vi button")
        receive(page, url, "Chi bộ Trung tâm Công nghệ thông tin tỉnh",
                (complete.out / "ho-so.pdf").read_bytes())
        receive(page, url, "Đảng bộ Sở Kế hoạch và Đầu tư",
                (incomplete.out / "ho-so.pdf").read_bytes())
        clock.now += timedelta(days=5)
        receive(page, url, "Chi bộ Trường THPT Nguyễn Huệ", altered(complete))
        page.goto(url + "/nhan")
        page.screenshot(path=OUT / "4-so-nhan.png", full_page=True)
        browser.close()
    for image in sorted(OUT.glob("*.png")):
        print(image.relative_to(ROOT))


def send(page: object, form: str, name: str, data: bytes, mime: str) -> None:
    page.set_input_files(f"{form} input[type=file]",  # type: ignore[attr-defined]
                         files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.click(f"{form} button")  # type: ignore[attr-defined]


def receive(page: object, url: str, unit: str, data: bytes) -> None:
    page.goto(url + "/nhan")  # type: ignore[attr-defined]
    page.select_option("#nhan-ho-so select", label=unit)  # type: ignore[attr-defined]
    send(page, "#nhan-ho-so", "ho-so.pdf", data, "application/pdf")


if __name__ == "__main__":
    main()
