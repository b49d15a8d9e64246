"""Turn a layout in our restricted HTML into a styled, deterministic Word document.

tools/make_docx_templates.py uses it to write the docxtpl templates of
templates/mau/docx/: each layout is HTML with docxtpl tags as text, and this module gives
it the party-document format (header block, title lines, paragraphs, bordered tables with
repeated heading rows, the closing block, landscape sections). Fonts and sizes come from
pipeline/typography.py, like the PDF stylesheet. `zipout.word_file_bytes` makes every DOCX we
write byte-identical for equal input.

The page model is the PDF's, so that Word (and LibreOffice) break pages where WeasyPrint
does: exact line heights (CSS `line-height` is a multiple of the font size, Word's
"multiple" is one of the font's own line gap, 15 % taller for Times), the vertical spacing
of style.css.j2 as space before/after (CSS paddings, which add up like Word's spacing),
table margins as spacer paragraphs of the same height, the same column widths
(typography.COLUMNS), the same cell paddings, rows that do not split, the signature kept
with the lines above it, and the page number in the top margin from the second page on.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph

from pipeline.typography import HEADER_SHARES
from pipeline.typography import TYPOGRAPHY as T
from pipeline.zipout import FIXED_TIME, word_file_bytes

VOID = {"br", "meta", "col", "img", "hr", "link"}

# Space before and after a paragraph of each class, in points: the paddings of
# style.css.j2. No paragraph has space before where the one above has space after:
# Word adds the two, LibreOffice takes the larger, CSS paddings add.
SPACING: dict[str, tuple[float, float]] = {
    "to": (0, 10), "rule": (0, 10), "subject": (0, 0), "dots": (0, 2), "h1": (6, 0),
}
# Margins of the tables in style.css.j2, written as empty paragraphs of that height.
GRID_AFTER_PT, HEADER_AFTER_PT, CLOSING_BEFORE_PT = 10.0, 14.0, 12.0
TABLE_LINE = 1.15  # line-height of table.grid and of Nơi nhận
SIGN_SPACE_MM = 24  # .sign .space
CELL_PADDING_PT = (2, 3)  # table.grid th, td: padding 2pt 3pt
# What follows tblBorders in a table's properties, in the schema's order (tblCellMar is
# the fourth).
TBL_PR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                        "w:tblDescription", "w:tblPrChange")
BORDER_EIGHTHS = 5  # 0.6pt borders, in Word's eighths of a point


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
    style.paragraph_format.space_before = Pt(0)
    style.paragraph_format.space_after = Pt(T.paragraph_after_pt)
    style.paragraph_format.line_spacing = Pt(T.body_pt * T.line_height)
    style.paragraph_format.widow_control = True
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, "hoso", "hoso"
    props.created = props.modified = datetime(2000, 1, 1)
    props.revision = 1
    body = find(parse(html), "body") or parse(html)
    landscape = "wide-doc" in body.classes
    if landscape:
        _page_setup(document.sections[0], landscape=True)
    _page_number_header(document.sections[0])
    _Writer(document, landscape).block(body)
    return word_file_bytes(document)


def _page_number_header(section: object) -> None:
    """The page number centred in the top margin from the second page on (typography.md);
    the first page's header is empty."""
    section.different_first_page_header_footer = True  # type: ignore[attr-defined]
    section.header_distance = Mm(T.page_number_top_mm)  # type: ignore[attr-defined]
    p = section.header.paragraphs[0]  # type: ignore[attr-defined]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    run = p.add_run()
    run.font.size = Pt(T.page_number_pt)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _exact(p: Paragraph, points: float) -> None:
    p.paragraph_format.line_spacing = Pt(points)


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
        self.last_spacer: Paragraph | None = None  # the margin after the last grid

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
            section.different_first_page_header_footer = False  # numbered like the PDF
            self.landscape = True
            self.block(node)
        elif node.tag == "table" and "header" in classes:
            self.two_columns(node, header=True)
            self.spacer(HEADER_AFTER_PT)
        elif node.tag == "table" and "closing" in classes:
            self.keep_with_signature()
            self.two_columns(node, header=False)
            _mark_closing(self.doc.tables[-1])  # type: ignore[attr-defined]
        elif node.tag == "table":
            self.grid(node)
            self.last_spacer = self.spacer(GRID_AFTER_PT)
        elif node.tag == "h1":
            self.paragraph(node, align="center", bold=True, size=T.doc_type_pt)
        elif node.tag == "p":
            self.paragraph(node)
        elif node.tag == "div" and "form-label" in classes:
            self.form_label(node)
        elif node.tag == "div" and "page-break" in classes:
            p = self.spacer(1)
            p.paragraph_format.page_break_before = True
            self.block(node)
        elif node.tag in {"div", "thead", "tbody"}:
            self.block(node)

    def spacer(self, points: float) -> Paragraph:
        """An empty paragraph exactly `points` high: a CSS table margin."""
        p = self.doc.add_paragraph()  # type: ignore[attr-defined]
        fmt = p.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        _exact(p, points)
        _mark_size(p, 1)  # the paragraph mark's size must not stretch the line
        return p

    def keep_with_signature(self) -> None:
        """The margin above the closing block; `keep_signature_with_body` binds the body's
        last lines to it once the data is in."""
        spacer = self.last_spacer
        following = spacer._p.getnext() if spacer is not None else None
        if spacer is not None and (following is None or following.tag == qn("w:sectPr")):
            # CSS collapses the table's bottom margin with the closing's top margin.
            _exact(spacer, max(GRID_AFTER_PT, CLOSING_BEFORE_PT))
        else:
            self.spacer(CLOSING_BEFORE_PT)

    def form_label(self, node: Node) -> None:
        """"Mẫu …" on its own line above the header block, at the right margin."""
        p = self.paragraph(node, align="right", italic=True, size=T.small_pt)
        p.paragraph_format.space_after = Pt(0)

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
            elif classes & {"heading", "plain", "dots"}:
                align = "left"
            else:
                align = "justify"
                fmt.first_line_indent = Mm(T.first_line_indent_mm)
        p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
                       "left": WD_ALIGN_PARAGRAPH.LEFT,
                       "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
        bold = bold or bool(classes & {"subject", "heading"})
        if "heading" in classes:
            fmt.keep_with_next = True  # a heading never ends a page
        if "subject" in classes:
            size = T.subject_pt
        if "note" in classes:
            size, italic = T.small_pt, True
        key = next((c for c in ("to", "rule", "subject", "dots") if c in classes), node.tag)
        before, after = SPACING.get(key, (0, T.paragraph_after_pt))
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        _exact(p, (size or T.body_pt) * (1.0 if "rule" in classes else T.line_height))
        if size:
            _mark_size(p, size)
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
        table.autofit = False
        _cell_margins(table, top=Pt(0), side=Pt(0))
        table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        shares = HEADER_SHARES if len(cells) == 2 and cells[0].classes != cells[1].classes \
            else (1,) * len(cells)
        widths = [Mm(self.text_width_mm * share / sum(shares)) for share in shares]
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
        for cell_node, cell, width in zip(cells, table.rows[0].cells, widths, strict=True):
            cell.width = width
            self.cell_lines(cell, cell_node, header)

    def cell_lines(self, cell: _Cell, node: Node, header: bool) -> None:
        first = True
        for child in node.children:
            if not isinstance(child, Node) or child.tag != "div":
                continue
            p = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            classes = child.classes
            recipients = "recipients" in node.classes
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if recipients else WD_ALIGN_PARAGRAPH.CENTER
            fmt = p.paragraph_format
            fmt.space_after = Pt(0)
            if not header:
                fmt.keep_with_next = True  # Nơi nhận and signature stay together
            size = T.header_pt
            if "motto" in classes:
                size = T.motto_pt
            elif recipients and "title" not in classes:
                size = T.recipients_pt
            elif recipients:
                size = T.body_pt
            line = size * (TABLE_LINE if recipients else T.line_height)
            if "star" in classes:
                line = size
            if "date" in classes:
                fmt.space_before = Pt(10)
            if "space" in classes:
                _exact(p, Mm(SIGN_SPACE_MM).pt)
                continue
            _exact(p, line)
            _mark_size(p, size)
            self.runs(p, child,
                      bold=bool(classes & {"issuer", "motto", "authority", "name"})
                      or (recipients and "title" in classes),
                      italic=bool(classes & {"date"}) or ("title" in classes and recipients),
                      size=size, underline="motto" in classes or (
                          "title" in classes and recipients))
            _trim(p)

    def grid(self, node: Node) -> None:
        rows = [r for r in _rows(node)]
        if not rows:
            return
        width = max(sum(int(c.attrs.get("colspan", "1")) for c in cells) for cells in rows)
        table = self.doc.add_table(rows=0, cols=width)  # type: ignore[attr-defined]
        table.style = "Table Grid"
        table.autofit = False
        _cell_margins(table, top=Pt(CELL_PADDING_PT[0]), side=Pt(CELL_PADDING_PT[1]))
        _border_width(table, BORDER_EIGHTHS)
        pending: dict[int, int] = {}  # column -> rows still covered by a rowspan above
        for cells in rows:
            row = table.add_row()
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row stays whole
            if cells and all(c.tag == "th" for c in cells):
                _repeat_on_each_page(row)
            column = 0
            for cell_node in cells:
                while pending.get(column, 0) > 0:  # covered by a rowspan from above
                    pending[column] -= 1
                    _mark_vmerge(row.cells[column], restart=False)
                    column += 1
                span = int(cell_node.attrs.get("colspan", "1"))
                down = int(cell_node.attrs.get("rowspan", "1"))
                cell = row.cells[column]
                if span > 1:
                    cell = cell.merge(row.cells[column + span - 1])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p.paragraph_format.space_after = Pt(0)
                p.paragraph_format.first_line_indent = None
                _exact(p, T.table_pt * TABLE_LINE)
                _mark_size(p, T.table_pt)
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
        """Widths in shares of the text width ("7,53,10,10,10,10"); equal when not given."""
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


CLOSING_MARK = "hoso: ký"


def _mark_closing(table: Table) -> None:
    caption = OxmlElement("w:tblCaption")
    caption.set(qn("w:val"), CLOSING_MARK)
    table._tbl.tblPr.append(caption)  # last in tblPr, after tblLook


def keep_signature_with_body(body: object) -> None:
    """In a rendered document, keep each signature block with the lines above it: the
    body's last paragraph keeps with the next (style.css.j2: p + table.closing
    { break-before: avoid }). Done after docxtpl, when the last paragraph is known."""
    children = list(body.iterchildren())  # type: ignore[attr-defined]
    for index, element in enumerate(children):
        if element.tag != qn("w:tbl") or not _is_closing(element):
            continue
        for previous in reversed(children[:index]):
            # After a table the signature may start a page: LibreOffice ignores "keep with
            # next" in a table row, so the PDF does not keep it either (p + table.closing).
            if previous.tag != qn("w:p"):
                break
            _keep_next(previous)
            if "".join(previous.itertext()).strip():
                break


def _is_closing(table: object) -> bool:
    caption = table.find(f"{qn('w:tblPr')}/{qn('w:tblCaption')}")  # type: ignore[attr-defined]
    return caption is not None and caption.get(qn("w:val")) == CLOSING_MARK


def _keep_next(paragraph: object) -> None:
    paragraph.get_or_add_pPr().get_or_add_keepNext()  # type: ignore[attr-defined]


def _mark_size(p: Paragraph, size: float) -> None:
    """The paragraph mark's size: Word sizes an empty line, and the line holding the mark,
    by it."""
    p_pr = p._p.get_or_add_pPr()
    r_pr = p_pr.find(qn("w:rPr"))
    if r_pr is None:
        r_pr = p_pr.insert_element_before(OxmlElement("w:rPr"), "w:sectPr", "w:pPrChange")
    for tag in ("w:sz", "w:szCs"):
        element = OxmlElement(tag)
        element.set(qn("w:val"), str(round(size * 2)))
        r_pr.append(element)


def _border_width(table: Table, eighths: int) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        for key, value in (("w:val", "single"), ("w:sz", str(eighths)), ("w:space", "0"),
                           ("w:color", "000000")):
            line.set(qn(key), value)
        borders.append(line)
    table._tbl.tblPr.insert_element_before(borders, *TBL_PR_AFTER_BORDERS)


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


def _cell_margins(table: Table, top: Length, side: Length) -> None:
    margins = OxmlElement("w:tblCellMar")
    for edge in ("top", "left", "bottom", "right"):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str((top if edge in {"top", "bottom"} else side).twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.insert_element_before(margins, *TBL_PR_AFTER_BORDERS[3:])


def _repeat_on_each_page(row: _Row) -> None:
    """A heading row Word repeats at the top of every page, as the PDF does with thead."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _mark_vmerge(cell: _Cell, restart: bool) -> None:
    # In the schema's order: out of it, LibreOffice ignores the merge.
    merge = cell._tc.get_or_add_tcPr().get_or_add_vMerge()
    if restart:
        merge.set(qn("w:val"), "restart")


def join_word_files(parts: Sequence[Path], out: BinaryIO) -> None:
    """Write to `out` the Word file of every part (Word files of one template, one per
    member), each a section of its own numbered from its second page as in its own
    file, streamed part by part: docxtpl filling the template once for all 1,000
    members of a large đảng bộ held 600 MiB.

    The parts share the template's styles, numbering, header and relationships, so the
    first part's package is kept and the others' bodies follow its own. Each part but
    the last ends with a paragraph that closes its section (a new page, numbers
    restarting at 1); it is smaller than the empty paragraph Word puts after a document's
    last table, so no part takes more pages than in its own file."""
    with zipfile.ZipFile(parts[0]) as first:
        names = sorted(first.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name in names:
                info = zipfile.ZipInfo(name, FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                if name != "word/document.xml":
                    target.writestr(info, first.read(name))
                    continue
                opening = _split_body(first.read(name))[0]
                with target.open(info, "w", force_zip64=True) as document:
                    document.write(opening)
                    for index, part in enumerate(parts):
                        with zipfile.ZipFile(part) as source:
                            _, body, section = _split_body(source.read(name))
                        section = _restart_numbers(section)
                        document.write(body)
                        document.write(section if index == len(parts) - 1 else
                                       SECTION_BREAK % section)
                    document.write(b"</w:body></w:document>")


# Closes a section; 1 pt high, so that it never adds a page (join_word_files).
SECTION_BREAK = (b'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" '
                 b'w:lineRule="exact"/><w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>'
                 b'%s</w:pPr></w:p>')


def _split_body(document: bytes) -> tuple[bytes, bytes, bytes]:
    """A document.xml as: everything up to <w:body>, the body's content, and the
    body's own (last) section properties."""
    start = document.index(b"<w:body>") + len(b"<w:body>")
    end = document.rindex(b"</w:body>")
    section = document.rfind(b"<w:sectPr", start, end)
    if section < 0 or not document[start:end].endswith(b"</w:sectPr>"):
        raise ValueError("tệp Word không có thuộc tính trang ở cuối thân văn bản")
    return document[:start], document[start:section], document[section:end]


def _restart_numbers(section: bytes) -> bytes:
    """The section properties with page numbers starting again at 1 (w:pgNumType sits
    before w:cols in the schema's order)."""
    section = re.sub(rb"<w:pgNumType\b[^>]*/>", b"", section)
    restart = b'<w:pgNumType w:start="1"/>'
    at = section.find(b"<w:cols")
    if at < 0:
        at = section.rindex(b"</w:sectPr>")
    return section[:at] + restart + section[at:]
