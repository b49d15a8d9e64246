"""Turn a form's context into PDF bytes (HTML template → WeasyPrint) and DOCX bytes
(Word template → docxtpl).

Every form has both templates, templates/mau/<form>.html and templates/mau/docx/<form>.docx,
filled from the one context its builder in pipeline/forms.py made. One `Renderer` holds
the Jinja environments (autoescape on in both) and, once a page is to be laid out, one
WeasyPrint engine (pipeline/engine.py: one parsed stylesheet, one font configuration,
only the bundled templates and fonts readable), reused for every document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from functools import cached_property
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pipeline.cache import CUT_MAGIC, CompiledTemplates, FormCache, compiled
from pipeline.chunks import (
    NO_CUT,
    SHORT_LIST_WINDOWS,
    WINDOW_ROWS,
    Window,
    join_pdfs,
    lay_out_in_windows,
    lay_out_then_cut,
    split_rows,
    split_sections,
)
from pipeline.content import GRADES
from pipeline.levels import LEVELS
from pipeline.memory import return_freed_memory
from pipeline.paths import TEMPLATES
from pipeline.scoring import points
from pipeline.typography import COLUMNS, TYPOGRAPHY
from pipeline.vntext import number, upper

if TYPE_CHECKING:
    from pipeline.engine import Engine
    from pipeline.stamps import Stamps

# A line to write on by hand, as wide as a portrait page's text (14 pt "…" are 1 em):
# the same characters in PDF and Word, so both break lines and pages alike.
DOTS = "…" * 33
DOTS_SHORT = "…" * 20


# The four columns a score takes where a vote takes four levels (Quy định 366, Điều 11).
SCORE_HEADS = ("Tự chấm (100)", "Tiêu chí chung (30)", "Kết quả nhiệm vụ (70)", "Tổng (100)")


def pct(value: float) -> str:
    return number(value, 2) + "%"


DOCX_TEMPLATES = TEMPLATES / "docx"

# Word never breaks a line inside "366-QĐ/TW" or "07/14/15" (after the number's hyphen or an
# inner slash); Pango may. A word joiner there keeps the PDF's lines (and so its pages) those
# of the Word file.
_INNER_SLASH = re.compile(r"(?<=\w)/(?=\w)|(?<=\d)-(?=[^\W\d_])")
WORD_JOINER = "\u2060"


def join_at_slashes(value: Any) -> Any:
    """Every printed value of an HTML template: plain text gets its word joiners; markup
    (already HTML) is left as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return _INNER_SLASH.sub(lambda found: found.group() + WORD_JOINER, value)
    return value


def _share_vocabulary(env: Environment) -> Environment:
    """The filters and names both kinds of template may use."""
    env.filters["vn_upper"] = upper
    env.globals.update(levels=LEVELS, pct=pct, grade_names=GRADES, dots=DOTS,
                       dots_short=DOTS_SHORT, points=points, score_heads=SCORE_HEADS,
                       columns=COLUMNS)
    return env


class CompiledOnce(Environment):
    """docxtpl compiles a template's XML parts with `from_string` at every render; the
    XML of a template is the same every time, so each source is compiled once
    (benchmarks: 40 % of the Word files' time went to compiling), and with a
    `bytecode_cache`, once for every run (pipeline/cache.py, CompiledTemplates)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.compiled: dict[str, Any] = {}

    def from_string(self, source: Any, globals: Any = None,
                    template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        if source not in self.compiled:
            self.compiled[source] = self.template_class.from_code(
                self, compiled(self, source), self.make_globals(None), None)
        return self.compiled[source]


class CachedWindows:
    """The windows of long lists (pipeline/chunks.py), kept in the form cache: the
    window's PDF under its HTML's key, where the next window starts and its rows beside it."""

    def __init__(self, cache: FormCache) -> None:
        self.cache = cache

    def get_window(self, html: str) -> Window | None:
        key = self.cache.key(html)
        cut = self.cache.get(key, "cut")
        if cut is None:
            return None
        if cut == CUT_MAGIC + NO_CUT_NOTE:
            return NO_CUT
        pdf = self.cache.get(key)
        if pdf is None:
            return None
        resume, _, next_rows = cut.removeprefix(CUT_MAGIC).partition(b",")
        if not next_rows.isdigit():
            return None
        return Window(pdf, int(resume) if resume.isdigit() else None, int(next_rows))

    def put_window(self, html: str, window: Window) -> None:
        key = self.cache.key(html)
        if window is NO_CUT:  # only the note: there are no pages to keep
            self.cache.put(key, CUT_MAGIC + NO_CUT_NOTE, "cut")
            return
        if not self.cache.has(key):  # else the same pages, with another note (chunks.py)
            self.cache.put(key, window.pdf)
        resume = "" if window.resume is None else str(window.resume)
        self.cache.put(key, CUT_MAGIC + f"{resume},{window.next_rows}".encode("ascii"), "cut")

    def page_index(self, head: str) -> dict[int, int]:
        """The rows of each piece's HTML by its first row, as the last build of the short
        list with this head cut it (chunks.lay_out_then_cut); empty if none did."""
        note = self.cache.get(self._index_key(head), "cut")
        pairs = note.removeprefix(CUT_MAGIC + INDEX_NOTE).split(b",") if note else []
        index: dict[int, int] = {}
        for pair in pairs:
            start, _, rows = pair.partition(b":")
            if not (start.isdigit() and rows.isdigit()):
                return {}
            index[int(start)] = int(rows)
        return index

    def put_page_index(self, head: str, index: dict[int, int]) -> None:
        pairs = b",".join(b"%d:%d" % item for item in sorted(index.items()))
        self.cache.put(self._index_key(head), CUT_MAGIC + INDEX_NOTE + pairs, "cut")

    def _index_key(self, head: str) -> str:
        return self.cache.key("hoso:page index of\0" + head)


NO_CUT_NOTE = b"widen"  # the cut entry of a window without a clean cut (chunks.NO_CUT)
INDEX_NOTE = b"pages:"  # a short list's page index: first row:rows of each piece


class Renderer:
    """A form's context → HTML → PDF, and → DOCX, with shared styles and fonts."""

    def __init__(self, keep_compiled: bool = False) -> None:
        """`keep_compiled`: the templates' compiled code is kept in the cache folder
        between runs (pipeline/cache.py, CompiledTemplates)."""
        self.env = _share_vocabulary(Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html", "j2"], default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=join_at_slashes,
            bytecode_cache=CompiledTemplates("autoescape: html, j2 and strings; finalize: "
                                             "join_at_slashes")
            if keep_compiled else None,
        ))
        # docxtpl compiles each template's XML with from_string; autoescape keeps a
        # name with "<" or "&" text, never markup.
        self.docx_env = _share_vocabulary(CompiledOnce(
            autoescape=True, undefined=StrictUndefined,
            bytecode_cache=CompiledTemplates("autoescape: all") if keep_compiled else None))
        self.docx_templates: dict[str, bytes] = {}  # form → template bytes, read once
        css = self.env.get_template("style.css.j2").render(t=TYPOGRAPHY)
        self.css_text = css  # part of every cached form's key (pipeline/cache.py)
        # The page-number overlays, drawn from a sample laid out once per build
        # (assemble.stamp_page, pipeline/stamps.py).
        self.stamps: Stamps | None = None
        # Set by a build that uses the cache: the cover, contents, placeholders and
        # page-number overlays are then taken from it too (cached_pdf).
        self.cache: FormCache | None = None
        # PDFs laid out ahead, by their HTML: the binding's pages that a build renders
        # with its forms (assemble.early_pages).
        self.early: dict[str, bytes] = {}
        self.window_rows = WINDOW_ROWS  # rows of a long list's first window (chunks.py)
        # Set while a build's renderers lay out for this renderer too
        # (dossier.lent): this process then never loads WeasyPrint.
        self.elsewhere: Callable[[str], Future[bytes]] | None = None
        self.ahead: dict[str, Future[bytes]] = {}  # started elsewhere (lay_out_ahead)
        # The forms' PDFs of the last binding by this renderer, opened (assemble.bind:
        # pdfcopy.FormObjects, or pypdf readers): a rebuild by a kept renderer
        # (pipeline/watch.py) parses and serialises only the forms that changed.
        self.bound_forms: dict[bytes, Any] = {}
        # The digests of the forms' pages in that binding, by page and PDF (assemble.py).
        self.bound_digests: dict[tuple[int | bytes, ...], str] = {}

    def html(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def docx_template(self, form: str) -> bytes:
        if form not in self.docx_templates:
            self.docx_templates[form] = (DOCX_TEMPLATES / f"{form}.docx").read_bytes()
        return self.docx_templates[form]

    def docx(self, form: str, context: Mapping[str, Any]) -> bytes:
        """The Word document of a form: its docxtpl template filled with the context."""
        from pipeline.word import fill  # docxtpl, loaded by the first Word file

        return fill(self.docx_template(form), context, self.docx_env)

    def cached_pdf(self, html: str) -> bytes:
        """`pdf`, or the same bytes laid out ahead, or from the cache when this HTML was
        rendered before."""
        if html in self.early:
            return self.early[html]
        if self.cache is None:
            return self.pdf(html)
        return self.cache.get_or_make(self.cache.key(html), lambda: self.pdf(html))

    def pdf(self, html: str) -> bytes:
        """The form's PDF; a long list is laid out a window of rows at a time
        (pipeline/chunks.py), so memory does not grow with the list, and a section that
        starts a page of its own apart from the rest, each kept in the cache."""
        if html in self.ahead:
            return self.ahead.pop(html).result()
        if self.elsewhere is not None:
            return self.elsewhere(html).result()
        sections = split_sections(html)
        if len(sections) == 1:
            return self._section_pdf(html)
        return join_pdfs([self._cached_section(section) for section in sections])

    def _cached_section(self, html: str) -> bytes:
        if self.cache is None:
            return self._section_pdf(html)
        return self.cache.get_or_make(self.cache.key(html), lambda: self._section_pdf(html))

    def _section_pdf(self, html: str) -> bytes:
        """A form's or section's PDF (pipeline/chunks.py)."""
        rows = split_rows(html)
        if rows is None or not rows.rows:
            return self._write(self._lay_out(html))
        store = CachedWindows(self.cache) if self.cache else None
        if len(rows.rows) < SHORT_LIST_WINDOWS * self.window_rows:
            return join_pdfs(lay_out_then_cut(rows, self._lay_out, self._write, store))
        pdf = join_pdfs(list(lay_out_in_windows(rows, self._lay_out, self._write,
                                                self.window_rows, store)))
        return_freed_memory()
        return pdf

    def lay_out_ahead(self, htmls: Iterable[str]) -> None:
        """Start laying out these pages elsewhere, if this renderer has renderers lent
        and has seen none of them: `pdf` then finds them ready, or in progress. Those
        never asked for are dropped with the renderers."""
        htmls = list(htmls)
        if self.elsewhere is None or any(self._known(html) for html in htmls):
            return  # a rebuild: what was laid out before is cached, guesses would wait
        for html in htmls:
            self.ahead[html] = self.elsewhere(html)

    def _known(self, html: str) -> bool:
        return html in self.ahead or html in self.early or \
            (self.cache is not None and self.cache.has(self.cache.key(html)))

    @cached_property
    def engine(self) -> Engine:
        """WeasyPrint, loaded on the first layout (pipeline/engine.py)."""
        from pipeline.engine import Engine

        return Engine(self.css_text)

    def _lay_out(self, html: str) -> Any:
        return self.engine.lay_out(html)

    def _write(self, document: Any) -> bytes:
        return self.engine.write(document)

