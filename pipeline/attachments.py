"""Turn the files of `dinh-kem/` into validated Attachment records, and those into PDF pages.

Files are untrusted: each is size- and page-limited, must open as a PDF (not encrypted)
or as an image, and a broken one is reported with its name, never with a traceback.
Naming: `dinh-kem/<số mục>-<tên>.pdf` for an organisation item (`02-bao-cao.pdf`,
`muc-15-thong-ke.pdf`), and `dinh-kem/<mã đảng viên>/<số mục>-<tên>.jpg` for an item of a
leader's personal set. A list under `dinh_kem:` in don-vi.yaml may name files instead.
"""

from __future__ import annotations

import io
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, BinaryIO

import PIL
import pypdf
from PIL import (
    Image,
    ImageOps,
    PdfImagePlugin,  # noqa: F401  else saving a PDF loads every plugin (0.02 s)
)
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, NameObject

from pipeline.cache import INSPECTED_MAGIC, FormCache
from pipeline.errors import Problem, UnreadableDossierError
from pipeline.guard import run_guarded
from pipeline.model import Attachment

PDF_SUFFIXES = {".pdf"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
MAX_FILE_BYTES = 50 * 1024 * 1024
ATTACHMENT_SECONDS = 30.0
MAX_PAGES = 300
MAX_IMAGE_PIXELS = 60_000_000  # about A4 at 900 dpi: larger is a mistake or an attack
A4 = (595.2756, 841.8898)
ITEM_FILE = re.compile(r"^(?:muc[-_ ]?)?\(?(\d{1,2})\)?(?:[-_ .].*)?$", re.IGNORECASE)


class CachedInspections:
    """The pages and active content of PDFs that opened well, kept in the form cache
    under a key of their bytes: a rebuild does not parse a scan it has seen again, in a
    guarded child (about 8 ms each: 80 scans of leaders' personal sets, 0.6 s). A PDF
    that failed is always inspected again; an entry is signed like every entry of the
    cache, so data cannot plant one."""

    def __init__(self, store: FormCache) -> None:
        self.store = store

    def inspected(self, data: bytes) -> tuple[int, tuple[str, ...]] | None:
        entry = self.store.get(self._key(data), "inspected")
        if entry is None:
            return None
        try:
            known = json.loads(entry.removeprefix(INSPECTED_MAGIC))
            return int(known["pages"]), tuple(str(a) for a in known["active"])
        except (ValueError, KeyError, TypeError):
            return None

    def remember(self, data: bytes, pages: int, active: tuple[str, ...]) -> None:
        entry = json.dumps({"pages": pages, "active": list(active)}).encode("utf-8")
        self.store.put(self._key(data), INSPECTED_MAGIC + entry, "inspected")

    def _key(self, data: bytes) -> str:
        return self.store.derived_key(b"inspected PDF attachment", data)


def gather(folder: Path, listed: Any, unit_file: str, members: set[str],
           problems: list[Problem], inspections: CachedInspections | None = None
           ) -> tuple[Attachment, ...]:
    """Every attachment of the unit, validated; problems are appended. PDFs inspected
    before are taken from `inspections`."""
    found: list[Attachment] = []
    if folder.is_dir() and not folder.is_symlink():
        for path in sorted(walk_files(folder)):
            if not ignored(path.name):
                _from_name(path, folder, members, problems, found, inspections)
    if listed is not None:
        _from_list(listed, folder.parent, unit_file, members, problems, found, inspections)
    return tuple(found)


# Files Windows, macOS and Office leave behind; never a document of the dossier.
SYSTEM_FILES = {"thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"}


def ignored(name: str) -> bool:
    """Hidden and system files, and Office's lock files (~$bao-cao.docx)."""
    return name.startswith((".", "~$")) or name.lower() in SYSTEM_FILES


def walk_files(folder: Path) -> list[Path]:
    """Every regular file below `folder`, never following a link (links are refused by
    load.refuse_links before anything is read)."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not ignored(d) and not Path(root, d).is_symlink()]
        found.extend(Path(root, f) for f in files if not Path(root, f).is_symlink())
    return found


def _from_name(path: Path, root: Path, members: set[str], problems: list[Problem],
               found: list[Attachment], inspections: CachedInspections | None) -> None:
    rel = path.relative_to(root)
    label = f"dinh-kem/{rel.as_posix()}"
    if len(rel.parts) > 2:
        problems.append(Problem(label, "", "chỉ được một cấp thư mục con (mã đảng viên)"))
        return
    person = rel.parts[0] if len(rel.parts) == 2 else None
    if person is not None and person not in members:
        problems.append(Problem(label, "", f"thư mục «{person}» không phải mã một đảng viên"))
        return
    match = ITEM_FILE.match(path.stem)
    if not match:
        problems.append(Problem(label, "", "tên tệp phải bắt đầu bằng số mục, ví dụ "
                                "«02-bao-cao-tong-ket.pdf»"))
        return
    _add(path, label, str(int(match.group(1))), person, problems, found, inspections)


def _from_list(listed: Any, base: Path, unit_file: str, members: set[str],
               problems: list[Problem], found: list[Attachment],
               inspections: CachedInspections | None) -> None:
    if not isinstance(listed, list):
        problems.append(Problem(unit_file, "dinh_kem", "phải là danh sách {muc, tep}"))
        return
    for index, entry in enumerate(listed, start=1):
        where = f"dinh_kem[{index}]"
        if not isinstance(entry, dict) or "muc" not in entry or "tep" not in entry:
            problems.append(Problem(unit_file, where, "cần có «muc» và «tep»"))
            continue
        person = entry.get("ca_nhan")
        if person is not None and str(person) not in members:
            problems.append(Problem(unit_file, where, f"«{person}» không phải mã đảng viên"))
            continue
        path = (base / str(entry["tep"])).resolve()
        if not path.is_relative_to(base.resolve()) or not path.is_file():
            problems.append(Problem(unit_file, where, f"không có tệp «{entry['tep']}» trong "
                                    "thư mục đơn vị"))
            continue
        _add(path, f"{unit_file} {where}", str(entry["muc"]).strip("() "),
             None if person is None else str(person), problems, found, inspections)


def _add(path: Path, label: str, item: str, person: str | None, problems: list[Problem],
         found: list[Attachment], inspections: CachedInspections | None) -> None:
    suffix = path.suffix.lower()
    if suffix not in PDF_SUFFIXES | IMAGE_SUFFIXES:
        problems.append(Problem(label, "", "chỉ nhận tệp PDF, JPEG hoặc PNG"))
        return
    if path.stat().st_size > MAX_FILE_BYTES:
        problems.append(Problem(label, "", "tệp quá lớn (trên 50 MB)"))
        return
    active: tuple[str, ...] = ()
    landscape = False
    if suffix in PDF_SUFFIXES:
        pages, active, error = _inspected(path.read_bytes(), label, inspections)
        kind = "pdf"
    else:
        (error, landscape), pages = _image_facts(path), 1
        kind = "image"
    if error:
        problems.append(Problem(label, "", error))
        return
    found.append(Attachment(path=path, item=item, person=person, kind=kind, pages=pages,
                            label=label, active=active, landscape=landscape))


def _inspected(data: bytes, label: str, inspections: CachedInspections | None
               ) -> tuple[int, tuple[str, ...], str | None]:
    """`inspect_pdf` of an untrusted PDF, parsed in a child with a time and memory limit,
    or as inspected before."""
    known = inspections.inspected(data) if inspections else None
    if known is not None:
        return *known, None
    try:
        pages, active, error = run_guarded(inspect_pdf, data, name=label,
                                           timeout=ATTACHMENT_SECONDS)
    except UnreadableDossierError as refused:
        return 0, (), str(refused).removeprefix(f"{label}: ")
    if inspections and error is None:
        inspections.remember(data, pages, active)
    return pages, active, error


def inspect_pdf(data: bytes) -> tuple[int, tuple[str, ...], str | None]:
    """Pages and active content of an untrusted PDF, or why it cannot be used."""
    count, error = _count_pages(data)
    if error:
        return 0, (), error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            active = active_content(PdfReader(io.BytesIO(data), strict=False))
    except Exception:  # a file that opens but whose annotations are broken
        return 0, (), "PDF bị hỏng, không đọc được"
    return count, active, None


def _count_pages(data: bytes) -> tuple[int, str | None]:
    if not data.lstrip()[:5].startswith(b"%PDF"):
        return 0, "không phải tệp PDF"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return 0, "PDF có mật khẩu; hãy bỏ mật khẩu rồi đính kèm lại"
            count = len(reader.pages)
            if count > MAX_PAGES:
                return 0, f"quá nhiều trang ({count} > {MAX_PAGES})"
            for page in reader.pages:
                _ = page.mediabox.width, page.get("/Rotate", 0)
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return 0, "PDF bị hỏng, không đọc được"
    if count == 0:
        return 0, "PDF không có trang nào"
    return count, None


EXIF_ORIENTATION = 0x0112
TURNED = {5, 6, 7, 8}  # EXIF orientations that swap width and height


def _image_facts(path: Path) -> tuple[str | None, bool]:
    """Why the image cannot be used (or None), and whether it is wider than tall as it
    will be bound (image_page: after its EXIF orientation)."""
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return "ảnh quá lớn (quá nhiều điểm ảnh)", False
            image.verify()  # first, as Pillow asks: before anything else reads the file
        with Image.open(path) as image:
            turned = image.getexif().get(EXIF_ORIENTATION) in TURNED
            width, height = (image.height, image.width) if turned else image.size
    except Exception:  # Pillow raises many kinds for broken images
        return "ảnh bị hỏng hoặc không phải JPEG/PNG", False
    return None, width > height


# Active content never travels into the dossier: actions that run code, open programs or
# send data, and the annotations that carry files or media.
ACTIVE_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "lệnh mở chương trình (Launch)",
                  "/ImportData": "nhập dữ liệu", "/SubmitForm": "gửi biểu mẫu",
                  "/ResetForm": "xóa biểu mẫu", "/Rendition": "phát đa phương tiện",
                  "/GoToE": "mở tệp nhúng", "/GoToR": "mở tệp khác"}
ACTIVE_ANNOTATIONS = {"/FileAttachment": "tệp nhúng", "/Screen": "đa phương tiện",
                      "/Movie": "đa phương tiện", "/Sound": "âm thanh",
                      "/RichMedia": "đa phương tiện", "/3D": "mô hình 3D"}


def active_content(reader: PdfReader) -> tuple[str, ...]:
    """What active content an attachment holds (for the report), catalog and pages."""
    found: set[str] = set()
    root = reader.trailer.get("/Root")
    root = root.get_object() if root is not None else {}
    if "/OpenAction" in root or "/AA" in root:
        found.add("hành động tự chạy khi mở tệp")
        opening = root.get("/OpenAction")
        opening = opening.get_object() if opening is not None else None
        if isinstance(opening, DictionaryObject) and opening.get("/S") in ACTIVE_ACTIONS:
            found.add(ACTIVE_ACTIONS[str(opening["/S"])])
    names = root.get("/Names")
    names = names.get_object() if names is not None else {}
    if "/JavaScript" in names:
        found.add("JavaScript")
    if "/EmbeddedFiles" in names:
        found.add("tệp nhúng")
    for page in reader.pages:
        found.update(_strip(page, dry_run=True))
    return tuple(sorted(found))


def _strip(page: PageObject, dry_run: bool = False) -> set[str]:
    """Remove (or with dry_run only name) the active content of one page."""
    found: set[str] = set()
    if "/AA" in page:
        found.add("hành động tự chạy của trang")
        if not dry_run:
            del page[NameObject("/AA")]
    annotations = page.get("/Annots")
    if annotations is None:
        return found
    kept = ArrayObject()
    for reference in annotations.get_object():
        annotation = reference.get_object()
        if not isinstance(annotation, DictionaryObject):
            continue
        subtype = annotation.get("/Subtype")
        if subtype in ACTIVE_ANNOTATIONS:
            found.add(ACTIVE_ANNOTATIONS[subtype])
            continue
        for key in ("/A", "/AA"):
            action = annotation.get(key)
            action = action.get_object() if action is not None else None
            if key == "/AA" and action is not None:
                found.add("hành động tự chạy của chú thích")
            elif isinstance(action, DictionaryObject) and action.get("/S") in ACTIVE_ACTIONS:
                found.add(ACTIVE_ACTIONS[str(action["/S"])])
            else:
                continue
            if not dry_run:
                del annotation[NameObject(key)]
        kept.append(reference)
    if not dry_run:
        page[NameObject("/Annots")] = kept
    return found


class OpenedAttachment:
    """An attachment as PDF pages: PDFs without their active content, images as A4
    pages. Its page count is known once opened; the pages are made when asked for."""

    def __init__(self, attachment: Attachment, cache: FormCache | None = None) -> None:
        """`cache`: where an image's page, made before, is found (`image_pdf`)."""
        self.attachment = attachment
        self.cache = cache
        self.reader = None if attachment.kind == "image" else \
            PdfReader(io.BytesIO(attachment.path.read_bytes()), strict=False)

    @property
    def page_count(self) -> int:
        return 1 if self.reader is None else len(self.reader.pages)

    def pages(self) -> list[PageObject]:
        if self.reader is None:
            return [PdfReader(io.BytesIO(self._image_pdf())).pages[0]]
        pages = list(self.reader.pages)
        for page in pages:
            _strip(page)
        return pages

    def _image_pdf(self) -> bytes:
        data = self.attachment.path.read_bytes()
        if self.cache is None:
            return image_pdf(data)
        return self.cache.get_or_make(image_key(self.cache, data), lambda: image_pdf(data),
                                      "image")


def image_pdf(data: bytes) -> bytes:
    """The image on its A4 page (`image_page`), as a one-page PDF: what the dossier binds,
    so that a page taken from the cache is bound the same, byte for byte, as one made
    now. Making it costs about 5 ms an image, reading it back a tenth of that: 80 scans
    of leaders' personal sets, 0.4 s a rebuild."""
    writer = PdfWriter()
    writer.add_page(image_page(io.BytesIO(data)))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_key(cache: FormCache, data: bytes) -> str:
    """The cache key of an image's page: its bytes and what draws the page."""
    return cache.derived_key(IMAGE_PAGE_VERSION, PIL.__version__.encode(),
                             pypdf.__version__.encode(), data)


IMAGE_PAGE_VERSION = b"hoso image page 1"  # raised when image_page draws differently


def image_page(image_file: BinaryIO) -> PageObject:
    """An A4 page with the image centred at its own aspect ratio, within 10 mm margins."""
    with Image.open(image_file) as original:
        image = ImageOps.exif_transpose(original).convert("RGB")
    landscape = image.width > image.height
    width, height = (A4[1], A4[0]) if landscape else A4
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=72.0)
    source = PdfReader(buffer).pages[0]
    margin = 28.35
    scale = min((width - 2 * margin) / image.width, (height - 2 * margin) / image.height)
    x = (width - image.width * scale) / 2
    y = (height - image.height * scale) / 2
    page = PageObject.create_blank_page(width=width, height=height)
    page.merge_transformed_page(source, Transformation().scale(scale).translate(x, y))
    return page
