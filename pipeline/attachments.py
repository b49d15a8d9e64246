"""Turn the files of `dinh-kem/` into validated Attachment records, and those into PDF pages.

Files are untrusted: each is size- and page-limited, must open as a PDF (not encrypted)
or as an image, and a broken one is reported with its name, never with a traceback.
Naming: `dinh-kem/<số mục>-<tên>.pdf` for an organisation item (`02-bao-cao.pdf`,
`muc-15-thong-ke.pdf`), and `dinh-kem/<mã đảng viên>/<số mục>-<tên>.jpg` for an item of a
leader's personal set. A list under `dinh_kem:` in don-vi.yaml may name files instead.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps
from pypdf import PageObject, PdfReader, Transformation
from pypdf.errors import PdfReadError

from pipeline.errors import Problem
from pipeline.model import Attachment

PDF_SUFFIXES = {".pdf"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PAGES = 300
MAX_IMAGE_PIXELS = 60_000_000  # about A4 at 900 dpi: larger is a mistake or an attack
A4 = (595.2756, 841.8898)
_NAME = re.compile(r"^(?:muc[-_ ]?)?\(?(\d{1,2})\)?(?:[-_ .].*)?$", re.IGNORECASE)


def gather(folder: Path, listed: Any, unit_file: str, members: set[str],
           problems: list[Problem]) -> tuple[Attachment, ...]:
    """Every attachment of the unit, validated; problems are appended."""
    found: list[Attachment] = []
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                _from_name(path, folder, members, problems, found)
    if listed is not None:
        _from_list(listed, folder.parent, unit_file, members, problems, found)
    return tuple(found)


def _from_name(path: Path, root: Path, members: set[str], problems: list[Problem],
               found: list[Attachment]) -> None:
    rel = path.relative_to(root)
    label = f"dinh-kem/{rel.as_posix()}"
    if len(rel.parts) > 2:
        problems.append(Problem(label, "", "chỉ được một cấp thư mục con (mã đảng viên)"))
        return
    person = rel.parts[0] if len(rel.parts) == 2 else None
    if person is not None and person not in members:
        problems.append(Problem(label, "", f"thư mục «{person}» không phải mã một đảng viên"))
        return
    match = _NAME.match(path.stem)
    if not match:
        problems.append(Problem(label, "", "tên tệp phải bắt đầu bằng số mục, ví dụ "
                                "«02-bao-cao-tong-ket.pdf»"))
        return
    _add(path, label, str(int(match.group(1))), person, problems, found)


def _from_list(listed: Any, base: Path, unit_file: str, members: set[str],
               problems: list[Problem], found: list[Attachment]) -> None:
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
             None if person is None else str(person), problems, found)


def _add(path: Path, label: str, item: str, person: str | None, problems: list[Problem],
         found: list[Attachment]) -> None:
    suffix = path.suffix.lower()
    if suffix not in PDF_SUFFIXES | IMAGE_SUFFIXES:
        problems.append(Problem(label, "", "chỉ nhận tệp PDF, JPEG hoặc PNG"))
        return
    if path.stat().st_size > MAX_FILE_BYTES:
        problems.append(Problem(label, "", "tệp quá lớn (trên 50 MB)"))
        return
    if suffix in PDF_SUFFIXES:
        pages, error = pdf_page_count(path.read_bytes())
        kind = "pdf"
    else:
        pages, error = 1, image_problem(path)
        kind = "image"
    if error:
        problems.append(Problem(label, "", error))
        return
    found.append(Attachment(path=path, item=item, person=person, kind=kind, pages=pages))


def pdf_page_count(data: bytes) -> tuple[int, str | None]:
    """Pages of an untrusted PDF, or a Vietnamese reason it cannot be used."""
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


def image_problem(path: Path) -> str | None:
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                return "ảnh quá lớn (quá nhiều điểm ảnh)"
            image.verify()
    except Exception:  # Pillow raises many kinds for broken images
        return "ảnh bị hỏng hoặc không phải JPEG/PNG"
    return None


def pdf_pages(attachment: Attachment) -> list[PageObject]:
    """The attachment as PDF pages: PDFs as they are, images as A4 pages."""
    if attachment.kind == "image":
        return [image_page(attachment.path)]
    reader = PdfReader(io.BytesIO(attachment.path.read_bytes()), strict=False)
    return list(reader.pages)


def image_page(path: Path) -> PageObject:
    """An A4 page with the image centred at its own aspect ratio, within 10 mm margins."""
    with Image.open(path) as original:
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
