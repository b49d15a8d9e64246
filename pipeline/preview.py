"""Turn a bound dossier PDF into PNG pages and an `index.html` gallery, for review in CI.

With an earlier build (`changed_since`), only the pages whose picture differs are shown:
pages are compared as images with the stamped page-number band masked, so inserting one
page does not mark every later page as changed. Pages of a sensitive item (the asset
declaration, personal item (4)) are blurred beyond their first page (dossier.md §3).
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image, ImageDraw, ImageFilter

from pipeline.check import OutlineEntry, open_pdf, read_manifest, read_outline
from pipeline.errors import UnreadableDossierError
from pipeline.guard import run_guarded
from pipeline.output import claim, write_owned
from pipeline.paths import ROOT

DPI = 60
STAMP_BAND_MM = 17


@dataclass(frozen=True)
class PreviewResult:
    out: Path
    pages: int
    shown: int
    changed: int | None


@dataclass(frozen=True)
class OutlineNode:
    title: str
    page: int
    children: tuple[OutlineNode, ...]


def preview(pdf: Path, out: Path, changed_since: Path | None = None,
            dpi: int = DPI) -> PreviewResult:
    """Render in a guarded child (time and memory limits: the PDF is untrusted), then
    write the gallery into `out`."""
    out = claim(out)
    files, pages, shown, changed = run_guarded(_gallery_files, pdf, changed_since, dpi,
                                               name=pdf.name)
    write_owned(out, files, "preview")
    return PreviewResult(out, pages, shown, changed)


def _gallery_files(pdf: Path, changed_since: Path | None, dpi: int
                   ) -> tuple[dict[str, bytes], int, int, int | None]:
    reader, data = open_pdf(pdf)
    manifest, _ = read_manifest(reader)
    masked = sensitive_pages(manifest, len(reader.pages))
    labels = _labels(reader, len(reader.pages))
    changed: set[int] | None = None
    if changed_since is not None:
        _, old_data = open_pdf(changed_since)  # the same limits apply to the earlier build
        old = [page_fingerprint(image, dpi) for image in render_pages(old_data, dpi)]
        new = [page_fingerprint(image, dpi) for image in render_pages(data, dpi)]
        changed = changed_pages(old, new)
    files: dict[str, bytes] = {}
    shown = []
    count = 0
    for number, image in enumerate(render_pages(data, dpi), start=1):
        count += 1
        if changed is not None and number not in changed:
            continue
        if number in masked:
            image = blur(image)
        name = f"trang-{number:03d}.png"
        files[name] = _png(image)
        shown.append({"number": number, "label": labels[number - 1], "file": name,
                      "masked": number in masked})
    title = pdf.name
    unit = (manifest or {}).get("unit")
    if isinstance(unit, dict):
        title = f"{unit.get('name', pdf.name)} năm {unit.get('year', '')}"
    files["index.html"] = _gallery(title, count, shown, outline_tree(read_outline(reader)),
                                   None if changed is None else len(changed),
                                   changed_since.name if changed_since else "")
    return files, count, len(shown), None if changed is None else len(changed)


MAX_PAGE_PIXELS = 4_000_000  # a page picture of at most 4 megapixels, whatever its size


def render_pages(data: bytes, dpi: int) -> Iterator[Image.Image]:
    """Page pictures one at a time (memory stays that of one page); an oversized page is
    drawn smaller rather than as a picture of gigabytes."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except Exception as error:
        raise UnreadableDossierError(f"không dựng được hình trang PDF ({error})") from None
    try:
        for page in document:
            width, height = page.get_size()
            scale = dpi / 72
            area = max(width * height * scale * scale, 1.0)
            if area > MAX_PAGE_PIXELS:
                scale *= (MAX_PAGE_PIXELS / area) ** 0.5
            yield page.render(scale=scale).to_pil().convert("RGB")
            page.close()
    finally:
        document.close()


def sensitive_pages(manifest: dict[str, Any] | None, count: int) -> set[int]:
    """Pages after the first of every sensitive personal item (asset declarations). The
    manifest is data from a received file: page numbers are checked, never trusted."""
    pages: set[int] = set()
    items = (manifest or {}).get("items")
    for entry in items if isinstance(items, list) else []:
        if isinstance(entry, dict) and entry.get("section") == "personal" \
                and str(entry.get("item")) == "4" and entry.get("status") == "present":
            first, last = entry.get("first_page"), entry.get("last_page")
            if isinstance(first, int) and isinstance(last, int) and 1 <= first <= last:
                pages.update(range(first + 1, min(last, count) + 1))
    return pages


def blur(image: Image.Image) -> Image.Image:
    hidden = image.filter(ImageFilter.GaussianBlur(max(image.width // 40, 6)))
    draw = ImageDraw.Draw(hidden)
    draw.rectangle((0, hidden.height // 2 - 14, hidden.width, hidden.height // 2 + 14),
                   fill="white")
    draw.text((10, hidden.height // 2 - 6), "Đã che: kê khai tài sản, thu nhập", fill="black")
    return hidden


def page_fingerprint(image: Image.Image, dpi: int) -> str:
    """A digest of the page picture with the stamped-number band blanked out."""
    band = round(STAMP_BAND_MM / 25.4 * dpi)
    copy = image.copy()
    ImageDraw.Draw(copy).rectangle((0, 0, copy.width, band), fill="white")
    return hashlib.sha256(copy.tobytes() + repr(copy.size).encode()).hexdigest()


def changed_pages(old: list[str], new: list[str]) -> set[int]:
    """1-based numbers of the new pages whose picture (fingerprint) is not among the old."""
    remaining = Counter(old)
    changed = set()
    for number, fingerprint in enumerate(new, start=1):
        if remaining[fingerprint] > 0:
            remaining[fingerprint] -= 1
        else:
            changed.add(number)
    return changed


def outline_tree(entries: list[OutlineEntry]) -> list[OutlineNode]:
    def build(start: int, depth: int) -> tuple[list[OutlineNode], int]:
        nodes: list[OutlineNode] = []
        index = start
        while index < len(entries) and entries[index].depth >= depth:
            entry = entries[index]
            children, index = build(index + 1, depth + 1)
            nodes.append(OutlineNode(entry.title, entry.page, tuple(children)))
        return nodes, index

    return build(0, 0)[0]


def _labels(reader: Any, count: int) -> list[str]:
    """Page labels as text (at most 40 characters each), or the page numbers."""
    try:
        labels = [str(label)[:40] for label in reader.page_labels]
    except Exception:  # a bogus label tree is the file's problem, not a crash
        labels = []
    return labels if len(labels) == count else [str(n) for n in range(1, count + 1)]


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _gallery(title: str, pages: int, shown: list[dict[str, Any]], outline: list[OutlineNode],
             changed: int | None, old_name: str) -> bytes:
    env = Environment(loader=FileSystemLoader(str(ROOT / "templates" / "preview")),
                      autoescape=select_autoescape(["html"]))
    html = env.get_template("index.html").render(
        title=title, pages=pages, shown=shown, outline=outline, changed=changed,
        old_name=old_name)
    return html.encode("utf-8")
