"""Turn the clerk's clicks into unit folders, validations, builds and downloads.

A unit lives in `<data>/don-vi/<id>/don-vi/`, an ordinary unit folder the library reads.
Whatever the clerk replaces (the workbook, don-vi.yaml) is first moved to
`<data>/don-vi/<id>/cu/`, so nothing they typed is ever lost. Scans are named by the
checklist item they belong to, never by the uploaded name.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from pipeline import load
from pipeline.attachments import ITEM_FILE, ignored
from pipeline.dossier import Validation, unit_profile, validate
from pipeline.load import regime_hint
from pipeline.model import UnitType
from pipeline.profiles import (
    ChecklistItem,
    Profile,
    available_profiles,
    load_profile,
    profile_for_year,
)
from pipeline.tables import WORKBOOK
from pipeline.vntext import fold
from pipeline.web.base import (
    App,
    attachment,
    flash,
    form,
    owned_unit,
    redirect,
    refused,
    text_field,
    upload,
    zip_folder,
)
from pipeline.web.files import UploadRefused, expect, unpack_unit, write_atomic
from pipeline.web.jobs import UnitPaths
from pipeline.web.register import KIND_NAMES

SCAN_KINDS = {"pdf", "jpg", "png"}
_PDFIUM = threading.Lock()  # pdfium is not thread-safe


@dataclass(frozen=True)
class ChecklistRow:
    """One item of the checklist that takes scans, with the scans it has."""

    section: str
    item: str
    title: str
    person: str  # member code, "" for the organisation
    person_name: str
    files: tuple[str, ...]  # dinh-kem/… names
    generated: bool  # the program makes it; a scan replaces it


async def home(request: Request) -> Response:
    app: App = request.app.state.hoso
    user = request.state.user
    units = app.store.units(None if user.account is None else user.account.id)
    year = app.settings.clock().year
    return app.page(request, "home.html", units=units, kinds=KIND_NAMES, year=year,
                    regimes=regime_choices(), regime=profile_for_year(year))


def regime_choices() -> list[tuple[str, str]]:
    """(code, what the clerk reads) of each bundled regime, its documents and years, the
    newest first."""
    profiles = [load_profile(code) for code in available_profiles()]
    choices = []
    for profile in sorted(profiles, key=lambda p: -p.years[0]):
        code, (first, last) = profile.id, profile.years
        years = f"từ năm {first}" if last >= 2100 else f"năm {first}–{last}"
        choices.append((code, f"{profile.title} ({years})" if first else profile.title))
    return choices


async def create_unit(request: Request) -> Response:
    app: App = request.app.state.hoso
    data = await form(request)
    name = unicodedata.normalize("NFC", text_field(data.get("ten"), 200))
    kind = text_field(data.get("loai"))
    year_text = text_field(data.get("nam"))
    regime = text_field(data.get("quy_dinh")) or None
    problems = []
    if not name or "\n" in name:
        problems.append("hãy ghi tên đơn vị")
    if kind not in KIND_NAMES:
        problems.append("hãy chọn loại tổ chức cơ sở đảng")
    if not re.fullmatch(r"20\d\d", year_text):
        problems.append("năm đánh giá phải là năm có 4 chữ số, ví dụ 2025")
    if regime is not None and regime not in available_profiles():
        problems.append("bộ quy định không có")
    if problems:
        flash(request, "Chưa tạo được đơn vị: " + "; ".join(problems) + ".", "error")
        return redirect("/")
    owner = request.state.user.account
    unit_id = app.store.add_unit(name, kind, owner.id if owner else None, app.settings.clock())
    paths = app.unit_paths(unit_id)
    from pipeline.scaffold import init_unit

    await run_in_threadpool(init_unit, paths.source, UnitType(kind), int(year_text), regime)
    _set_name(paths.source / load.UNIT_FILE, name)
    flash(request, f"Đã tạo đơn vị «{name}». Tải sổ Excel về, điền rồi tải lên.")
    return redirect(f"/don-vi/{unit_id}")


def _set_name(path: Path, name: str) -> None:
    """Put the unit's name into the fresh don-vi.yaml (quoted: any text is valid YAML)."""
    text = path.read_text(encoding="utf-8")
    line = "ten: " + json.dumps(name, ensure_ascii=False)
    path.write_text(re.sub(r"(?m)^ten: [^#\n]*?(\s*#)", lambda m: line + m.group(1), text,
                           count=1), encoding="utf-8")


async def create_from_zip(request: Request) -> Response:
    app: App = request.app.state.hoso
    try:
        data = await upload(request, "zip")
        expect(data, "zip", {"zip"}, "một tệp nén .zip")
        staging = Path(tempfile.mkdtemp(dir=app.settings.data, prefix=".zip-"))
        try:
            await run_in_threadpool(unpack_unit, data, staging / "don-vi")
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    except UploadRefused as error:
        return refused(request, error, "/")
    found = await run_in_threadpool(validate, staging / "don-vi")
    name = found.unit.name if found.unit else "Đơn vị tải lên (chưa đọc được tên)"
    kind = found.unit.kind.value if found.unit else UnitType.CHI_BO_CO_SO.value
    owner = request.state.user.account
    unit_id = app.store.add_unit(name, kind, owner.id if owner else None, app.settings.clock())
    paths = app.unit_paths(unit_id)
    paths.root.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(paths.root)
    flash(request, f"Đã nhận thư mục đơn vị «{name}».")
    return redirect(f"/don-vi/{unit_id}")


async def unit_page(request: Request) -> Response:
    app: App = request.app.state.hoso
    unit, paths = owned_unit(request)
    checked = await run_in_threadpool(validate, paths.source)
    if checked.unit is not None and (checked.unit.name, checked.unit.kind.value) != \
            (unit.name, unit.kind):
        app.store.rename_unit(unit.id, checked.unit.name, checked.unit.kind.value)
    manifest = _manifest(paths)
    return app.page(
        request, "unit.html", unit=unit, checked=checked,
        checklist=checklist(checked, paths, unit.kind),
        build=app.store.last_job(unit.id, "build"),
        prepare=app.store.last_job(unit.id, "prepare"),
        result=manifest, handouts=(paths.handouts / ".hoso-ban-ke.json").exists(),
        yaml_text=_read(paths.source / load.UNIT_FILE), kinds=KIND_NAMES)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _manifest(paths: UnitPaths) -> dict[str, object] | None:
    try:
        return json.loads((paths.result / "ho-so.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def checklist(checked: Validation, paths: UnitPaths, kind: str) -> list[ChecklistRow]:
    """The items that take scans, the organisation's then each leader's."""
    profile = checked.profile or load_profile(profile_for_year(date.today().year))
    unit = checked.unit
    year = unit.year if unit else regime_hint(paths.source)[1] or date.today().year
    rows = [_row(item, "", "", paths, year)
            for item in profile.organisation
            if "attachment" in item.sources and (not item.applies_to or kind in item.applies_to)]
    if unit is not None:
        names = {m.code: m.name for m in unit.members}
        for code in unit.leaders:
            rows += [_row(item, code, names.get(code, code), paths, year)
                     for item in profile.personal if "attachment" in item.sources]
    return rows


def _row(item: ChecklistItem, person: str, person_name: str, paths: UnitPaths,
         year: int) -> ChecklistRow:
    return ChecklistRow(item.section, item.item, item.title_for(year), person,
                        person_name, tuple(_scans(paths.source, item.item, person)),
                        "generated" in item.sources)


def _scans(source: Path, item: str, person: str) -> list[str]:
    folder = source / "dinh-kem" / person if person else source / "dinh-kem"
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        match = ITEM_FILE.match(path.stem)
        if path.is_file() and not path.is_symlink() and not ignored(path.name) and match \
                and str(int(match.group(1))) == item:
            found.append(path.relative_to(source).as_posix())
    return found


def _profile_of(paths: UnitPaths) -> Profile:
    return unit_profile(paths.source, None)


async def workbook(request: Request) -> Response:
    unit, paths = owned_unit(request)
    from pipeline.scaffold import INIT
    from pipeline.workbook import unit_workbook

    profile = await run_in_threadpool(_profile_of, paths)
    guide = (INIT / "HUONG-DAN.txt").read_text(encoding="utf-8")
    data = await run_in_threadpool(unit_workbook, paths.source, UnitType(unit.kind),
                                   profile.rules.scored, guide)
    return attachment(data, WORKBOOK,
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def keep_old(paths: UnitPaths, names: list[str]) -> None:
    """Move the files about to be replaced into cu/<n>/: the clerk can always go back."""
    present = [n for n in names if (paths.source / n).exists()]
    if not present:
        return
    old = paths.root / "cu"
    old.mkdir(exist_ok=True)
    number = 1 + max((int(p.name) for p in old.iterdir() if p.name.isdigit()), default=0)
    target = old / str(number)
    target.mkdir()
    for name in present:  # a scan keeps its folder (dinh-kem/, dinh-kem/DV01/) in cu/<n>/
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(paths.source / name), target / name)


async def upload_workbook(request: Request) -> Response:
    unit, paths = owned_unit(request)
    back = f"/don-vi/{unit.id}#du-lieu"
    try:
        data = await upload(request, "workbook")
        expect(data, "workbook", {"xlsx"}, "một sổ Excel .xlsx")
    except UploadRefused as error:
        return refused(request, error, back)
    tables = [f"{stem}{suffix}" for stem in load.TABLES for suffix in (".csv", ".xlsx")]
    keep_old(paths, [*tables, WORKBOOK])
    write_atomic(paths.source / WORKBOOK, data)
    flash(request, "Đã nhận sổ Excel du-lieu.xlsx; kết quả kiểm tra ở dưới.")
    return redirect(f"/don-vi/{unit.id}#kiem-tra")


async def save_yaml(request: Request) -> Response:
    unit, paths = owned_unit(request)
    text = (await form(request)).get("noi_dung")
    limit = request.app.state.hoso.settings.limits["yaml"]
    if not isinstance(text, str) or len(text.encode("utf-8")) > limit:
        flash(request, "Không lưu được don-vi.yaml: nội dung trống hoặc quá dài.", "error")
        return redirect(f"/don-vi/{unit.id}#don-vi")
    keep_old(paths, [load.UNIT_FILE])
    write_atomic(paths.source / load.UNIT_FILE,
                 unicodedata.normalize("NFC", text.replace("\r\n", "\n")).encode("utf-8"))
    flash(request, "Đã lưu don-vi.yaml (bản cũ được giữ lại).")
    return redirect(f"/don-vi/{unit.id}#kiem-tra")


async def add_scan(request: Request) -> Response:
    unit, paths = owned_unit(request)
    fields = await form(request)
    item, person = text_field(fields.get("muc")), text_field(fields.get("ca_nhan"))
    checked = await run_in_threadpool(validate, paths.source)
    rows = {(r.item, r.person) for r in checklist(checked, paths, unit.kind)}
    if (item, person) not in rows:
        raise HTTPException(400, "Mục hồ sơ không có trong danh mục.")
    try:
        data = await upload(request, "scan")
        found = expect(data, "scan", SCAN_KINDS, "bản quét PDF, JPEG hoặc PNG")
    except UploadRefused as error:
        if request.headers.get("x-csrf-token"):
            raise HTTPException(400, f"Không nhận tệp: {error}") from None
        return refused(request, error, f"/don-vi/{unit.id}#dinh-kem")
    folder = paths.source / "dinh-kem" / person if person else paths.source / "dinh-kem"
    number = f"{int(item):02d}" if not person else item
    index = 1 + len(_scans(paths.source, item, person))
    while any(folder.glob(f"{number}-ban-quet-{index:02d}.*")):
        index += 1
    write_atomic(folder / f"{number}-ban-quet-{index:02d}{found.suffix}", data)
    flash(request, f"Đã thêm bản quét vào mục ({item}).")
    return redirect(f"/don-vi/{unit.id}#dinh-kem")


async def remove_scan(request: Request) -> Response:
    unit, paths = owned_unit(request)
    name = text_field((await form(request)).get("tep"))
    checked = await run_in_threadpool(validate, paths.source)
    listed = {f for row in checklist(checked, paths, unit.kind) for f in row.files}
    if name not in listed:  # only a file the page listed, never a path from the form
        raise HTTPException(400, "Không có bản quét này.")
    keep_old(paths, [name])
    flash(request, f"Đã bỏ {name} (giữ bản cũ).")
    return redirect(f"/don-vi/{unit.id}#dinh-kem")


async def browse(request: Request) -> Response:
    app: App = request.app.state.hoso
    unit, paths = owned_unit(request)
    manifest = _manifest(paths)
    if manifest is None:
        flash(request, "Chưa có hồ sơ: hãy dựng trước.", "error")
        return redirect(f"/don-vi/{unit.id}")
    pages = manifest.get("pages")
    return app.page(request, "browse.html", unit=unit, manifest=manifest,
                    pages=range(1, (pages if isinstance(pages, int) else 0) + 1))


async def page_image(request: Request) -> Response:
    _, paths = owned_unit(request)
    number = int(request.path_params["page"])
    image = await run_in_threadpool(_page_png, paths, number)
    if image is None:
        raise HTTPException(404)
    return Response(image, media_type="image/png",
                    headers={"cache-control": "private, max-age=60"})


def _page_png(paths: UnitPaths, number: int) -> bytes | None:
    """One page of the built dossier as a PNG (asset declarations past their first page
    blurred, as in `hoso preview`), kept until the next build."""
    cached = paths.pages / f"{number}.png"
    if cached.exists():
        return cached.read_bytes()
    manifest = _manifest(paths)
    pdf = paths.result / "ho-so.pdf"
    count = manifest.get("pages") if manifest else None
    if not isinstance(count, int) or not 1 <= number <= count or not pdf.exists():
        return None
    import io

    import pypdfium2 as pdfium

    from pipeline.preview import blur, sensitive_pages

    with _PDFIUM:  # pdfium is not thread-safe
        document = pdfium.PdfDocument(pdf)
        try:
            page = document[number - 1]
            image = page.render(scale=80 / 72).to_pil().convert("RGB")
            page.close()
        finally:
            document.close()
    if number in sensitive_pages(manifest, count):
        image = blur(image)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    write_atomic(cached, buffer.getvalue())
    return buffer.getvalue()



DOWNLOADS = {
    "ho-so.pdf": ("result", "ho-so.pdf", "application/pdf"),
    "ho-so.json": ("result", "ho-so.json", "application/json"),
    "bao-cao.txt": ("result", "bao-cao.txt", "text/plain; charset=utf-8"),
    "mau-word.zip": ("result", "mau/*.docx", "application/zip"),
    "mau-pdf.zip": ("result", "mau/*.pdf", "application/zip"),
    "chuan-bi.zip": ("handouts", "*", "application/zip"),
}


async def download(request: Request) -> Response:
    unit, paths = owned_unit(request)
    entry = DOWNLOADS.get(request.path_params["name"])
    if entry is None:
        raise HTTPException(404)
    folder_name, pattern, media = entry
    folder: Path = getattr(paths, folder_name)
    name = request.path_params["name"]
    if "*" in pattern:
        if not folder.is_dir():
            raise HTTPException(404, "Chưa có tệp này: hãy dựng trước.")
        data = await run_in_threadpool(_zip, folder, pattern)
        return attachment(data, f"{_file_name(unit.name)}-{name}", media)
    path = folder / pattern
    if not path.is_file():
        raise HTTPException(404, "Chưa có tệp này: hãy dựng trước.")
    return attachment(path, name, media)


def _file_name(unit_name: str) -> str:
    """The unit's name as the clerk reads it in a file name (chi-bo-truong-thpt-…): the
    downloads of several units never look alike."""
    return re.sub(r"[^a-z0-9]+", "-", fold(unit_name).lower()).strip("-")[:60] or "don-vi"


def _zip(folder: Path, pattern: str) -> bytes:
    if "/" in pattern:
        sub, glob = pattern.split("/", 1)
        return zip_folder(folder / sub, glob)
    return zip_folder(folder, pattern)

