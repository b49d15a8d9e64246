"""Turn a layout in our restricted HTML into a styled, deterministic Word document.

tools/make_docx_templates.py uses it to write the docxtpl templates of
templates/mau/docx/: each layout is HTML with docxtpl tags as text, and this module gives
it the party-document format (header block, title lines, paragraphs, bordered tables with
repeated heading rows, the closing block, landscape sections). Fonts and sizes come from
pipeline/typography.py, like the PDF stylesheet. `normalize_zip` makes every DOCX we
write byte-identical for equal input.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from pipeline.typography import TYPOGRAPHY as T

VOID = {"br", "meta", "col", "img", "hr", "link"}
FIXED_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.root


def find(node: Node, tag: str) -> Node | None:
    for child in node.children:
        if isinstance(child, Node):
            if child.tag == tag:
                return child
            found = find(child, tag)
            if found:
                return found
    return None


def text_of(node: Node | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    return "".join(text_of(c) for c in node.children)


def html_to_docx(html: str, title: str) -> bytes:
    """A Word document with the same text and layout intent as the HTML."""
    document = Document()
    _page_setup(document.sections[0], landscape=False)
    style = document.styles["Normal"]
    style.font.name = T.font_docx
    style.font.size = Pt(T.body_pt)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), T.font_docx)
    style.paragraph_format.space_after = Pt(T.paragraph_after_pt)
    style.paragraph_format.line_spacing = T.line_height
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, "hoso", "hoso"
    props.created = props.modified = datetime(2000, 1, 1)
    props.revision = 1
    body = find(parse(html), "body") or parse(html)
    landscape = "wide-doc" in body.classes
    if landscape:
        _page_setup(document.sections[0], landscape=True)
    _Writer(document, landscape).block(body)
    buffer = io.BytesIO()
    document.save(buffer)
    return normalize_zip(buffer.getvalue())


def normalize_zip(data: bytes) -> bytes:
    """Rewrite a zip (DOCX) with fixed timestamps and order, so equal input → equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(name))
    return out.getvalue()


def _page_setup(section: object, landscape: bool) -> None:
    width, height = Mm(T.page_width_mm), Mm(T.page_height_mm)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT  # type: ignore[attr-defined]
    section.page_width, section.page_height = (height, width) if landscape else (width, height)  # type: ignore[attr-defined]
    section.top_margin = Mm(T.margin_top_mm)  # type: ignore[attr-defined]
    section.bottom_margin = Mm(T.margin_bottom_mm)  # type: ignore[attr-defined]
    section.left_margin = Mm(T.margin_left_mm if not landscape else T.margin_top_mm)  # type: ignore[attr-defined]
    section.right_margin = Mm(T.margin_right_mm if not landscape else T.margin_top_mm)  # type: ignore[attr-defined]


class _Writer:
    def __init__(self, document: object, landscape: bool = False) -> None:
        self.doc = document
        self.landscape = landscape

    @property
    def text_width_mm(self) -> float:
        if self.landscape:
            return T.page_height_mm - 2 * T.margin_top_mm
        return T.page_width_mm - T.margin_left_mm - T.margin_right_mm

    def block(self, node: Node) -> None:
        for child in node.children:
            if isinstance(child, str):
                if child.strip():
                    self.paragraph(Node("p", {}, [child]))
                continue
            self.element(child)

    def element(self, node: Node) -> None:
        classes = node.classes
        if node.tag == "section" and "wide" in classes:
            from docx.enum.section import WD_SECTION

            section = self.doc.add_section(WD_SECTION.NEW_PAGE)  # type: ignore[attr-defined]
            _page_setup(section, landscape=True)
            self.landscape = True
            self.block(node)
        elif node.tag == "table" and "header" in classes:
            self.two_columns(node, header=True)
        elif node.tag == "table" and "closing" in classes:
            self.two_columns(node, header=False)
        elif node.tag == "table":
            self.grid(node)
        elif node.tag == "h1":
            self.paragraph(node, align="center", bold=True, size=T.doc_type_pt)
        elif node.tag == "p" and "dots" in node.classes:
            self.dotted_line()
        elif node.tag == "p":
            self.paragraph(node)
        elif node.tag == "div" and "form-label" in classes:
            self.paragraph(node, align="right", italic=True, size=T.small_pt)
        elif node.tag == "div" and "page-break" in classes:
            self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)  # type: ignore[attr-defined]
            self.block(node)
        elif node.tag in {"div", "thead", "tbody"}:
            self.block(node)

    def dotted_line(self) -> None:
        """A line to write on by hand: Word draws the dots up to the right margin."""
        p = self.doc.add_paragraph()  # type: ignore[attr-defined]
        p.paragraph_format.tab_stops.add_tab_stop(Mm(self.text_width_mm),
                                                  WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        p.add_run("\t")

    def paragraph(self, node: Node, align: str | None = None, bold: bool = False,
                  italic: bool = False, size: float | None = None,
                  target: Paragraph | None = None) -> Paragraph:
        classes = node.classes
        p = target or self.doc.add_paragraph()  # type: ignore[attr-defined]
        fmt = p.paragraph_format
        if align is None:
            if classes & {"center", "subject", "rule", "to"}:
                align = "center"
            elif "right" in classes:
                align = "right"
            elif classes & {"heading", "plain"}:
                align = "left"
            else:
                align = "justify"
                fmt.first_line_indent = Mm(T.first_line_indent_mm)
        p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                       "left": WD_ALIGN_PARAGRAPH.LEFT,
                       "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
        bold = bold or bool(classes & {"subject", "heading"})
        if "subject" in classes:
            size = T.subject_pt
        self.runs(p, node, bold=bold, italic=italic, size=size)
        _trim(p)
        return p

    def runs(self, p: Paragraph, node: Node | str, bold: bool, italic: bool,
             size: float | None, underline: bool = False) -> None:
        if isinstance(node, str):
            text = re.sub(r"\s+", " ", node)  # HTML whitespace: runs collapse, edges stay
            if text:
                run = p.add_run(text)
                run.bold, run.italic = bold or None, italic or None
                run.underline = underline or None
                if size:
                    run.font.size = Pt(size)
            return
        if node.tag == "br":
            p.add_run().add_break()
            return
        bold = bold or node.tag in {"b", "strong"}
        italic = italic or node.tag in {"i", "em"}
        underline = underline or node.tag == "u"
        for child in node.children:
            self.runs(p, child, bold, italic, size, underline)

    def two_columns(self, node: Node, header: bool) -> None:
        row = find(node, "tr")
        cells = [c for c in (row.children if row else []) if isinstance(c, Node) and c.tag == "td"]
        table = self.doc.add_table(rows=1, cols=len(cells))  # type: ignore[attr-defined]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        widths = (Mm(75), Mm(90)) if len(cells) == 2 else (Mm(165),)
        for index, (cell_node, cell) in enumerate(zip(cells, table.rows[0].cells, strict=True)):
            cell.width = widths[min(index, len(widths) - 1)]
            self.cell_lines(cell, cell_node, header)

    def cell_lines(self, cell: _Cell, node: Node, header: bool) -> None:
        first = True
        for child in node.children:
            if not isinstance(child, Node) or child.tag != "div":
                continue
            p = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            classes = child.classes
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if "recipients" in node.classes:
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            p.paragraph_format.space_after = Pt(0)
            size = T.header_pt
            if "motto" in classes:
                size = T.motto_pt
            elif "recipients" in node.classes and "title" not in classes:
                size = T.recipients_pt
            if "space" in classes:
                for _ in range(3):
                    p.add_run().add_break()
                continue
            self.runs(p, child,
                      bold=bool(classes & {"issuer", "motto", "authority", "name"})
                      or ("recipients" in node.classes and "title" in classes),
                      italic=bool(classes & {"date"}) or ("title" in classes and
                                                          "recipients" in node.classes),
                      size=size, underline="motto" in classes or (
                          "title" in classes and "recipients" in node.classes))
            _trim(p)

    def grid(self, node: Node) -> None:
        rows = [r for r in _rows(node)]
        if not rows:
            return
        width = max(sum(int(c.attrs.get("colspan", "1")) for c in cells) for cells in rows)
        table = self.doc.add_table(rows=0, cols=width)  # type: ignore[attr-defined]
        table.style = "Table Grid"
        table.autofit = False
        _cell_margins(table, Mm(1))  # Word's 1.9 mm each side wraps "HTXSNV" in a level column
        pending: dict[int, int] = {}  # column -> rows still covered by a rowspan above
        for cells in rows:
            row = table.add_row()
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row stays whole
            if cells and all(c.tag == "th" for c in cells):
                _repeat_on_each_page(row)
            column = 0
            for cell_node in cells:
                while pending.get(column, 0) > 0:
                    pending[column] -= 1
                    column += 1
                span = int(cell_node.attrs.get("colspan", "1"))
                down = int(cell_node.attrs.get("rowspan", "1"))
                cell = row.cells[column]
                if span > 1:
                    cell = cell.merge(row.cells[column + span - 1])
                p = cell.paragraphs[0]
                p.paragraph_format.space_after = Pt(0)
                p.paragraph_format.first_line_indent = None
                header = cell_node.tag == "th"
                if header or cell_node.classes & {"num", "center"}:
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                self.runs(p, cell_node, bold=header, italic=False, size=T.table_pt)
                _trim(p)
                if down > 1:
                    for offset in range(span):
                        pending[column + offset] = down - 1
                    _mark_vmerge(cell, restart=True)
                column += span
            while column < width:
                if pending.get(column, 0) > 0:
                    pending[column] -= 1
                    _mark_vmerge(row.cells[column], restart=False)
                column += 1
        self.column_widths(table, node.attrs.get("data-widths", ""), width)

    def column_widths(self, table: Table, spec: str, columns: int) -> None:
        """Widths in percent of the text width ("7,53,10,10,10,10"); equal when not given."""
        shares = [float(x) for x in spec.split(",")] if spec else []
        if len(shares) != columns:
            shares = [1.0] * columns
        total = sum(shares)
        widths = [Mm(self.text_width_mm * share / total) for share in shares]
        for column, value in zip(table.columns, widths, strict=True):
            column.width = value
        for tr in table._tbl.tr_lst:
            index = 0
            for tc in tr.tc_lst:
                span = tc.grid_span
                tc.width = sum(widths[index:index + span], Mm(0))
                index += span


def _trim(p: Paragraph) -> None:
    """Drop the whitespace HTML ignores at the start and end of a block."""
    runs = [r for r in p.runs if r.text]
    if runs:
        runs[0].text = runs[0].text.lstrip()
        runs[-1].text = runs[-1].text.rstrip()


def _rows(table: Node) -> list[list[Node]]:
    rows: list[list[Node]] = []

    def walk(node: Node) -> None:
        for child in node.children:
            if isinstance(child, Node):
                if child.tag == "tr":
                    rows.append([c for c in child.children
                                 if isinstance(c, Node) and c.tag in {"td", "th"}])
                else:
                    walk(child)

    walk(table)
    return rows


def _cell_margins(table: Table, side: Length) -> None:
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str(side.twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties = table._tbl.tblPr
    look = properties.find(qn("w:tblLook"))  # the schema puts tblCellMar before tblLook
    if look is not None:
        look.addprevious(margins)
    else:
        properties.append(margins)


def _repeat_on_each_page(row: _Row) -> None:
    """A heading row Word repeats at the top of every page, as the PDF does with thead."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _mark_vmerge(cell: _Cell, restart: bool) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    merge = OxmlElement("w:vMerge")
    if restart:
        merge.set(qn("w:val"), "restart")
    tc_pr.append(merge)
