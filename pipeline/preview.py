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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from PIL import Image, ImageDraw, ImageFilter

from pipeline.check import OutlineEntry, open_pdf, read_manifest, read_outline
from pipeline.errors import UnreadableDossierError
from pipeline.output import write_atomically
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
    reader, data = open_pdf(pdf)
    manifest, _ = read_manifest(reader)
    masked = sensitive_pages(manifest)
    images = render_pages(data, dpi)
    labels = _labels(reader, len(images))
    changed: set[int] | None = None
    if changed_since is not None:
        _, old_data = open_pdf(changed_since)  # the same limits apply to the earlier build
        old = render_pages(old_data, dpi)
        changed = changed_pages(old, images, dpi)
    files: dict[str, bytes] = {}
    shown = []
    for number, image in enumerate(images, start=1):
        if changed is not None and number not in changed:
            continue
        if number in masked:
            image = blur(image)
        name = f"trang-{number:03d}.png"
        files[name] = _png(image)
        shown.append({"number": number, "label": labels[number - 1], "file": name,
                      "masked": number in masked})
    title = pdf.name
    if manifest:
        unit = manifest.get("unit") or {}
        title = f"{unit.get('name', pdf.name)} năm {unit.get('year', '')}"
    files["index.html"] = _gallery(title, len(images), shown, outline_tree(read_outline(reader)),
                                   None if changed is None else len(changed),
                                   changed_since.name if changed_since else "")
    write_atomically(out, files)
    return PreviewResult(out, len(images), len(shown), None if changed is None else len(changed))


def render_pages(data: bytes, dpi: int) -> list[Image.Image]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except Exception as error:
        raise UnreadableDossierError(f"không dựng được hình trang PDF ({error})") from None
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("RGB") for page in document]
    finally:
        document.close()


def sensitive_pages(manifest: dict[str, Any] | None) -> set[int]:
    """Pages after the first of every sensitive personal item (asset declarations)."""
    pages: set[int] = set()
    for entry in (manifest or {}).get("items") or []:
        if isinstance(entry, dict) and entry.get("section") == "personal" \
                and str(entry.get("item")) == "4" and entry.get("status") == "present":
            pages.update(range(int(entry["first_page"]) + 1, int(entry["last_page"]) + 1))
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


def changed_pages(old: list[Image.Image], new: list[Image.Image], dpi: int) -> set[int]:
    """1-based numbers of the new pages whose picture is not among the old pages."""
    remaining = Counter(page_fingerprint(image, dpi) for image in old)
    changed = set()
    for number, image in enumerate(new, start=1):
        fingerprint = page_fingerprint(image, dpi)
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
    try:
        labels = list(reader.page_labels)
    except Exception:
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
