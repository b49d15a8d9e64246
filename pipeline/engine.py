"""Turn HTML into laid-out pages and PDF bytes with WeasyPrint: the one module that
imports it.

Importing WeasyPrint costs about 0.2 s (its Pango bindings are declared at import), and
a rebuild whose forms all come from the cache never lays out a page: the Renderer
(pipeline/render.py) loads this module on its first layout only. WeasyPrint may only read
the bundled templates and fonts, and the fonts it embeds carry no timestamp.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlparse

from pipeline.libfind import loader_cache_only
from pipeline.paths import FONTS, ROOT, TEMPLATES

with loader_cache_only():  # 0.17 s of the import, in each renderer (pipeline/libfind.py)
    from weasyprint import CSS, HTML
    from weasyprint import html as weasy_html
    from weasyprint.pdf import fonts as weasy_fonts
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

ALLOWED_ROOTS = (FONTS.resolve(), TEMPLATES.resolve())
T = TypeVar("T")


class BundledOnlyFetcher(URLFetcher):
    """A URL fetcher that serves only files of the bundled templates and fonts."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise ValueError(f"blocked non-file URL: {parsed.scheme}")
        path = Path(unquote(parsed.path)).resolve()
        if not any(path.is_relative_to(root) for root in ALLOWED_ROOTS):
            raise ValueError("blocked file outside the bundled templates and fonts")
        return super().fetch(url, headers)


def freeze_font_timestamp(font: bytes) -> bytes:
    """Set a TrueType font's `head.modified` to its `created` date, fixing the checksums.

    HarfBuzz's subsetter stamps the current time into `head.modified`, so two renders of
    the same document a second apart embed different font bytes. Reviewers diff outputs,
    so the embedded subset must depend on the input only.
    """
    if len(font) < 12 or font[:4] not in {b"\x00\x01\x00\x00", b"true"}:
        return font
    data = bytearray(font)
    (tables,) = struct.unpack(">H", data[4:6])
    for index in range(tables):
        record = 12 + 16 * index
        tag, _, offset, length = struct.unpack(">4sLLL", data[record:record + 16])
        if tag != b"head" or offset + 36 > len(data):
            continue
        data[offset + 28:offset + 36] = data[offset + 20:offset + 28]  # modified = created
        data[offset + 8:offset + 12] = b"\0\0\0\0"  # checkSumAdjustment, recomputed below
        struct.pack_into(">L", data, record + 4, _checksum(data[offset:offset + length]))
        adjustment = (0xB1B0AFBA - _checksum(data)) & 0xFFFFFFFF
        struct.pack_into(">L", data, offset + 8, adjustment)
        return bytes(data)
    return font


def _checksum(block: bytes | bytearray) -> int:
    padded = bytes(block) + b"\0" * (-len(block) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}L", padded)) & 0xFFFFFFFF


def _deterministic_subset() -> None:
    original = weasy_fonts.Font.subset
    if getattr(original, "_hoso_frozen", False):
        return

    def subset(self: Any, to_unicode: Any, hinting: Any) -> None:
        original(self, to_unicode, hinting)
        self.file_content = freeze_font_timestamp(self.file_content)

    subset._hoso_frozen = True  # type: ignore[attr-defined]
    weasy_fonts.Font.subset = subset


_deterministic_subset()


class OpenArrays:
    """WeasyPrint's cffi handle for its font subsetter, with one change: an array of
    glyph ids is declared `hb_codepoint_t[]`, its length taken from its values.

    cffi parses every C type string it has not seen with pycparser (7–9 ms) and keeps it
    by the string. The subsetter writes the array's length into the type
    (`hb_codepoint_t[57]`), so each new glyph count of each form cost one parse: 0.2 s
    of a đảng bộ build's CPU, in every rendering process. The arrays are the same."""

    SIZED = re.compile(r"hb_codepoint_t\[(\d+)\]")

    def __init__(self, ffi: Any) -> None:
        self.ffi = ffi

    def new(self, cdecl: str, init: Any = None) -> Any:
        sized = self.SIZED.fullmatch(cdecl)
        if sized and init is not None and len(init) == int(sized[1]):
            cdecl = "hb_codepoint_t[]"
        return self.ffi.new(cdecl, init)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ffi, name)


if not isinstance(weasy_fonts.ffi, OpenArrays):
    weasy_fonts.ffi = OpenArrays(weasy_fonts.ffi)


def print_user_agent_stylesheet(ua: str) -> str:
    """WeasyPrint's default HTML stylesheet without the rules for what a form never has:
    footnotes and notes (`float: footnote`), and markers of elements that are not list
    items.

    Those rules match every element, so the cascade computed six pseudo-element styles
    for each element of every form, that nothing ever used: 11 % of laying out and
    writing the đảng bộ sample's forms, whose PDFs are byte for byte the same without
    them (tests/test_forms.py). Should WeasyPrint's stylesheet change shape, it is kept
    whole."""
    kept = [line for line in ua.splitlines() if not UNUSED_UA_RULE.match(line)]
    if len(ua.splitlines()) - len(kept) != len(UNUSED_UA_PSEUDOS) or \
            ua.count("\n::marker {") != 1:
        return ua
    return "\n".join(kept).replace("\n::marker {", "\nli::marker, summary::marker {")


UNUSED_UA_PSEUDOS = ("footnote-call", "footnote-marker", "note-call", "note-marker",
                     "note-callback")
UNUSED_UA_RULE = re.compile(rf"::({'|'.join(UNUSED_UA_PSEUDOS)}) {{[^}}]*}}$")


class FormHtml(HTML):
    """A document laid out with the print user-agent stylesheet (forms never have HTML
    form fields)."""

    stylesheet = CSS(string=print_user_agent_stylesheet(weasy_html.UA),
                     counter_style=weasy_html.UA_COUNTER_STYLE)

    def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
        return [self.stylesheet]


class Engine:
    """One parsed stylesheet and one font configuration, reused for every document."""

    def __init__(self, css: str) -> None:
        self.fetcher = BundledOnlyFetcher(allowed_protocols=("file",), fail_on_errors=False)
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(string=css, base_url=f"{ROOT.as_uri()}/",
                              url_fetcher=self.fetcher, font_config=self.font_config)

    def lay_out(self, html: str) -> Any:
        """The document's pages, laid out (weasyprint.Document)."""
        document = FormHtml(string=html, base_url=f"{TEMPLATES.as_uri()}/",
                            url_fetcher=self.fetcher)
        return with_room(lambda: document.render(stylesheets=[self.stylesheet],
                                                 font_config=self.font_config))

    @staticmethod
    def write(document: Any) -> bytes:
        data = with_room(lambda: document.write_pdf(pdf_identifier=b"hoso",
                                                    uncompressed_pdf=False))
        assert isinstance(data, bytes)
        return data


def with_room(call: Callable[[], T]) -> T:
    """`call()`, its frames on a stack chunk of their own, large enough for them all.

    CPython 3.11+ keeps Python frames in 16 KiB chunks, mapped when a call does not fit
    in the current one and unmapped when it returns. WeasyPrint's layout and drawing
    recurse deep and back again across a chunk's end thousands of times per form:
    20,000 mmap/munmap pairs (and their page faults) per renderer in a đảng bộ build.
    This frame declares a value stack of 128 KiB it never uses (`ROOM`), so it starts a
    chunk of 256 KiB, and what it calls runs in the rest."""
    return call()


ROOM = 16_384  # value-stack slots declared by with_room's frame (8 bytes each)
with_room.__code__ = with_room.__code__.replace(co_stacksize=ROOM)
