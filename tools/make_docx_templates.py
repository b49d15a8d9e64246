"""Write the Word templates of templates/mau/docx/ (docxtpl), one per form id.

Run after changing a layout below: `python tools/make_docx_templates.py`. The .docx
files are committed; a clerk may open them in Word, and `tests/test_forms.py` checks they
are what this script writes. Each layout mirrors the HTML template of the same form
(templates/mau/<form>.html) and reads the same context, built once per form by
pipeline/forms.py; the tests compare the text of every PDF with its DOCX.

A layout is our restricted HTML (the vocabulary of templates/mau/_base.html), turned into
a styled Word document by pipeline/docx_writer.py, with docxtpl tags as text:
`{%p …%}` paragraphs, `{%tr …%}` table rows, `{{ … }}` values. Values are escaped when
rendered (pipeline/render.py); `<`, `>` and `&` inside a tag are written as entities here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.docx_writer import html_to_docx  # noqa: E402
from pipeline.typography import COLUMNS  # noqa: E402

OUT = ROOT / "templates" / "mau" / "docx"


# --- pieces shared by the layouts (the macros of templates/mau/_macros.html) ----------------


def column_shares(name: str) -> str:
    """The column widths of a table, shared with the PDF (typography.COLUMNS)."""
    return ",".join(f"{share:g}" for share in COLUMNS[name])


def tag(statement: str) -> str:
    """A paragraph docxtpl replaces by a Jinja statement."""
    return f"<p>{{%p {statement} %}}</p>"


def row_tag(statement: str) -> str:
    """A table row docxtpl replaces by a Jinja statement."""
    return f"<tr><td>{{%tr {statement} %}}</td></tr>"


def div_tag(statement: str) -> str:
    """A line of a header or closing cell that docxtpl replaces by a Jinja statement."""
    return f"<div>{{%p {statement} %}}</div>"


def when(condition: str, *blocks: str, otherwise: tuple[str, ...] = ()) -> str:
    body = tag(f"if {condition}") + "".join(blocks)
    if otherwise:
        body += tag("else") + "".join(otherwise)
    return body + tag("endif")


def each(loop: str, *blocks: str) -> str:
    return tag(f"for {loop}") + "".join(blocks) + tag("endfor")


def form_label(expr: str = "doc.label") -> str:
    return when(expr, f'<div class="form-label">{{{{ {expr} }}}}</div>')


def header_block(parent: str = "doc.parent_line", issuer: str = "doc.issuer_line",
                 date: str = "doc.header_date", number: bool = False) -> str:
    number_lines = (div_tag("if doc.number") + '<div class="number">Số {{ doc.number }}</div>'
                    + div_tag("endif")) if number else ""
    return (
        '<table class="header"><tr><td class="left">'
        f'<div class="parent">{{{{ {parent} | vn_upper }}}}</div>'
        f'<div class="issuer">{{{{ {issuer} | vn_upper }}}}</div>'
        f'<div class="star">*</div>{number_lines}</td>'
        '<td class="right"><div class="motto">ĐẢNG CỘNG SẢN VIỆT NAM</div>'
        f'<div class="date">{{{{ {date} }}}}</div></td></tr></table>'
    )


def title(doc_type: str = "{{ doc.doc_type }}", subject: str = "{{ doc.subject }}",
          subject_if: str | None = "doc.subject") -> str:
    head = f'<h1 class="doc-type">{doc_type}</h1>'
    line = f'<p class="subject">{subject}</p>'
    return head + (when(subject_if, line) if subject_if else line) + '<p class="rule">-----</p>'


def frame_top() -> str:
    """Label, header block and title of a document the unit issues (_base.html)."""
    return form_label() + header_block(number=True) + title()


def closing() -> str:
    """Nơi nhận and the signature (_base.html)."""
    return (
        '<table class="closing"><tr><td class="recipients">'
        '<div class="title">Nơi nhận:</div>'
        + div_tag("for line in doc.recipients")
        + "<div>- {{ line }}{{ '.' if loop.last else ',' }}</div>"
        + div_tag("endfor")
        + "</td>" + sign("{{ doc.signatory.authority }}", "{{ doc.signatory.title }}",
                         "{{ doc.signatory.name }}")
        + "</tr></table>"
    )


def sign(authority: str, role: str, name: str) -> str:
    return (f'<td class="sign"><div class="authority">{authority}</div>'
            f'<div class="title">{role}</div><div class="space"></div>'
            f'<div class="name">{name}</div></td>')


def signature_only(authority: str, role: str, name: str) -> str:
    return ('<table class="closing"><tr><td class="recipients"></td>'
            f"{sign(authority, role, name)}</tr></table>")


def dots(count: int) -> str:
    return each(f"_ in range({count})", '<p class="dots">{{ dots }}</p>')


def sections(headings: str, narrative: str, blank_lines: int = 4) -> str:
    return each(
        f"heading in {headings}",
        '<p class="heading">{{ heading.text }}</p>',
        tag(f"set section = {narrative}.section(heading) if {narrative} else none"),
        tag("if section and section.paragraphs"),
        each("para in section.paragraphs", "<p>{{ para }}</p>"),
        tag("elif not heading.group"),
        when("heading.hint", '<p class="note">{{ heading.hint }}</p>'),
        dots(blank_lines),
        tag("endif"),
    )


def part_b(b: str) -> str:
    """Part B of Mẫu 01, 2A, 2B, 2C (the part_b macro)."""
    return (
        '<p class="heading">B. NỘI DUNG TỰ ĐÁNH GIÁ, XẾP LOẠI</p>'
        '<p class="heading">I. Đánh giá theo các nhóm tiêu chí</p>'
        f"<p>{{{{ {b}.sentence }}}}</p>"
        + each(f"line in {b}.lines", '<p class="plain">{{ line.text }}</p>',
               each("point in line.points",
                    '<p class="plain">- {{ point[0] }}: {{ point[1] }}</p>'))
        + '<p class="heading">II. Đề xuất xếp loại mức chất lượng:</p>'
        + each("level in levels", "<p class=\"plain\">{{ '■' if " + b + ".proposed == level "
               "else '□' }} {{ level.full_name }}</p>")
    )


def level_boxes(chosen: str) -> str:
    boxes = "{% for level in levels %}{{ '■' if " + chosen + " == level else '□' }} " \
            "{{ level.full_name }}{{ '' if loop.last else '     ' }}{% endfor %}"
    return f'<p class="plain">{boxes}</p>'


def four_heads(expr: str) -> str:
    """The heading cells of the four grades or levels: `expr` with {i} for 0…3."""
    return "".join(f'<th class="w-grade">{{{{ {expr.format(i=i)} }}}}</th>' for i in range(4))


GRADE_HEADS = four_heads("grade_names[{i}]")


def criteria_grid(groups: str, grades: str | None) -> str:
    if grades:
        marks = "".join(f'<td class="num">{{{{ \'x\' if {grades} and '
                        f'{grades}.grade(c.key) == grade_names[{i}] else \'\' }}}}</td>'
                        for i in range(4))
    else:
        marks = '<td class="num"></td>' * 4
    return (
        f'<table class="grid criteria" data-widths="{column_shares("criteria")}"><tr>'
        '<th class="w-stt">STT</th>'
        f"<th>Tiêu chí đánh giá</th>{GRADE_HEADS}</tr>"
        + row_tag(f"for group in {groups}")
        + '<tr class="group"><td colspan="6">{{ group.title }}</td></tr>'
        + row_tag("for c in group.criteria")
        + f'<tr><td class="num">{{{{ loop.index }}}}</td><td>{{{{ c.text }}}}</td>{marks}</tr>'
        + row_tag("endfor") + row_tag("endfor") + "</table>"
    )


LEVEL_HEADS = ("HTXSNV", "HTTNV", "HTNV", "KHTNV")
SCORE_FIELDS = ("self_total", "sheet.general", "sheet.results", "sheet.total")


def vote_head(first: str) -> str:
    """The heading rows of a vote table; with `scored` (Quy định 366) the four columns are
    the self-score and the reviewed score instead of the four levels."""
    subheads = "".join(f"<th>{{% if scored %}}{{{{ score_heads[{i}] }}}}{{% else %}}{name}"
                       "{% endif %}</th>" for i, name in enumerate(LEVEL_HEADS))
    return (
        f'<tr><th rowspan="2">STT</th>{first}<th colspan="4">{{% if scored %}}Điểm đánh giá '
        "(tự chấm; thẩm định của cấp trên){% else %}Kết quả biểu quyết (số phiếu / "
        "có mặt / tổng số; tỷ lệ trên tổng số){% endif %}</th><th rowspan=\"2\">Kết quả "
        'xếp loại</th><th rowspan="2">Ghi chú</th></tr>'
        f"<tr>{subheads}</tr>"
    )


def vote_cells(rating: str) -> str:
    return "".join(
        f'<td class="num">{{% if scored %}}{{% if {rating}.score %}}'
        f"{{{{ points({rating}.score.{SCORE_FIELDS[i]}) }}}}{{% else %}}–{{% endif %}}"
        f"{{% elif {rating}.result %}}{{{{ {rating}.result.notation(levels[{i}]) "
        f"}}}}<br>{{{{ pct({rating}.result.percent(levels[{i}])) }}}}{{% else %}}–"
        "{% endif %}</td>"
        for i in range(4)
    )


# Column widths (percent) of a vote table: STT, name, post, four levels, result, note. On a
# portrait page the level columns need a larger share to keep "07/08/10" on one line.
VOTE_WIDTHS_WIDE = column_shares("vote_wide")
VOTE_WIDTHS_TALL = column_shares("vote_tall")
PERSON_HEAD = '<th rowspan="2">Họ và tên</th><th rowspan="2">Chức vụ</th>'
PERSON_CELLS = ('<td class="num">{{ row.index }}</td><td>{{ row.name }}</td>'
                "<td>{{ row.post }}</td>")


def vote_table(groups: str | None = None, wide: bool = True) -> str:
    """People with their ballots; grouped (a title row per group) or one list of `rows`."""
    row = (f"<tr>{PERSON_CELLS}{vote_cells('row.rating')}<td>{{{{ row.rating.label }}}}</td>"
           "<td>{{ row.note }}</td></tr>")
    body = row_tag("for row in rows") + row + row_tag("endfor")
    if groups:
        body = (row_tag(f"for group in {groups}") + row_tag("if group.title")
                + '<tr class="group"><td colspan="9">{{ group.title }}</td></tr>'
                + row_tag("endif") + row_tag("for row in group.rows") + row
                + row_tag("endfor") + row_tag("endfor"))
    widths = VOTE_WIDTHS_WIDE if wide else VOTE_WIDTHS_TALL
    return (f'<table class="grid" data-widths="{widths}">{vote_head(PERSON_HEAD)}{body}'
            "</table>")


def simple_table(heads: list[str], cells: list[str], widths: str,
                 loop: str = "row in rows") -> str:
    """A bordered table with one row per item; the first column is the running number."""
    head = "".join(f"<th>{h}</th>" for h in heads)
    row = '<td class="num">{{ loop.index }}</td>' + "".join(f"<td>{c}</td>" for c in cells)
    return (f'<table class="grid" data-widths="{widths}"><tr>{head}</tr>'
            + row_tag(f"for {loop}") + f"<tr>{row}</tr>" + row_tag("endfor") + "</table>")


def document(*blocks: str, wide: bool = False) -> str:
    body_class = ' class="wide-doc"' if wide else ""
    return f"<html><body{body_class}>{''.join(blocks)}</body></html>"


def issued(*body: str, wide: bool = False, appendix: str = "") -> str:
    """A document the unit issues: header, title, body, Nơi nhận and signature, then an
    optional list on landscape pages."""
    return document(frame_top(), *body, closing(), appendix, wide=wide)


def decision(considering: str, articles: str, appendix: str = "") -> str:
    """The frame of the decisions (_quyet_dinh.html)."""
    return issued(
        '<p class="center"><b>{{ deciding_body | vn_upper }}</b></p>',
        each("basis in profile.legal_bases", "<p>- {{ basis }}</p>"),
        considering,
        '<p class="center"><b>QUYẾT ĐỊNH</b></p>',
        articles,
        appendix=appendix,
    )


def appendix_list(heading: str, table: str) -> str:
    return (
        '<section class="wide">'
        f'<p class="center"><b>{heading}</b>{{% if list_label %}} <i>({{{{ list_label }}}})'
        "</i>{% endif %}</p>"
        '<p class="center"><i>(Kèm theo Quyết định số {{ doc.number }} {{ doc.date_words }} '
        "của {{ deciding_body }})</i></p>"
        f"{table}</section>"
    )


# --- the layouts, one per form id -----------------------------------------------------------


def to_trinh() -> str:
    vote = ("{% if organisation_basis %} ({{ organisation_basis }}){% endif %}"
            "{% if a.organisation.reason %} ({{ a.organisation.reason }}){% endif %}")
    return issued(
        '<p class="to">Kính gửi: {{ unit.parent_body }}</p>',
        each("basis in profile.legal_bases", "<p>{{ basis }}</p>"),
        "<p>Căn cứ kết quả kiểm điểm, đánh giá, xếp loại chất lượng năm {{ unit.year }} của "
        "{{ unit.name }},</p>",
        "<p>{{ unit.name }} kính đề nghị {{ unit.parent_body }} xem xét, quyết định xếp loại "
        "chất lượng năm {{ unit.year }} như sau:</p>",
        '<p class="heading">1. Tổ chức cơ sở đảng</p>',
        "<p>{{ unit.name }}: đề nghị xếp loại <b>{{ a.organisation.label }}</b>" + vote + ".</p>",
        when("a.committee",
             '<p class="heading">2. Tập thể cấp ủy</p>',
             "<p>{{ committee_name }}: đề nghị xếp loại <b>{{ a.committee.label }}</b>"
             "{% if committee_basis %} ({{ committee_basis }}){% endif %}.</p>"),
        "<p class=\"heading\">{{ '3' if a.committee else '2' }}. Cá nhân cấp ủy viên</p>",
        simple_table(["STT", "Họ và tên", "Chức vụ", "{{ basis_head }}", "Đề nghị xếp loại"],
                     ["{{ row.name }}", "{{ row.post }}", "{{ row.notation }}",
                      "{{ row.label }}"], column_shares("proposal"), "row in committee_rows"),
        "<p class=\"heading\">{{ '4' if a.committee else '3' }}. Kết quả xếp loại đảng viên "
        "(để báo cáo)</p>",
        "<p>Tổng số đảng viên: {{ summary.total }}; được xếp loại: {{ summary.classified }} "
        "đồng chí, trong đó: {% for line in summary.lines %}{{ line }}"
        "{{ '; ' if not loop.last else '.' }}{% endfor %}{% if summary.not_classified %} "
        "Chưa xếp loại: {{ summary.not_classified }} đồng chí (mới kết nạp chưa đủ 06 tháng, "
        "miễn hoặc đình chỉ sinh hoạt).{% endif %}</p>",
        "<p>Kính đề nghị {{ unit.parent_body }} xem xét, quyết định./.</p>",
    )


def committee_tally() -> str:
    return issued(
        "<p>Thực hiện {{ profile.regulation }}, hội nghị {{ committee_body }} đã "
        "{{ basis_meeting }} đánh giá, xếp loại chất lượng cá nhân cấp ủy viên năm "
        "{{ unit.year }}. Kết quả tổng "
        "hợp như sau:</p>",
        vote_table(wide=False),
        '<p class="note">{{ rule_note }}</p>',
    )


def member_decision() -> str:
    return decision(
        "<p>- Xét kết quả kiểm điểm, {{ basis_words }} đánh giá, xếp loại chất lượng đảng viên năm "
        "{{ unit.year }}{% if groups|length &gt; 1 %} của các chi bộ trực thuộc{% endif %},</p>",
        "<p><b>Điều 1.</b> Xếp loại chất lượng năm {{ unit.year }} đối với "
        "{{ summary.classified }} đảng viên (có danh sách kèm theo), cụ thể:</p>"
        + each("line in summary.lines", "<p>- {{ line }};</p>")
        + when("summary.not_classified", "<p>Chưa xếp loại: {{ summary.not_classified }} đồng "
               "chí (có lý do trong danh sách).</p>")
        + "<p><b>Điều 2.</b> Các đồng chí đảng viên có tên tại Điều 1 phát huy ưu điểm, khắc "
        "phục hạn chế, khuyết điểm đã được chỉ ra qua kiểm điểm.</p>"
        "<p><b>Điều 3.</b> {{ executors }} và các đồng chí có tên trong danh sách chịu trách "
        "nhiệm thi hành Quyết định này. Quyết định có hiệu lực kể từ ngày ký.</p>",
        appendix_list("DANH SÁCH TỔNG HỢP {{ list_words }} CHẤT LƯỢNG ĐẢNG VIÊN NĂM "
                      "{{ unit.year }}", vote_table("groups")),
    )


def collective_table(name_head: str = '<th rowspan="2">Tên {{ what }}</th>',
                     widths: str = column_shares("collectives")) -> str:
    """Collectives with their vote or score (the table of _collective_decision.html)."""
    row = ('<tr><td class="num">{{ loop.index }}</td><td>{{ row.name }}</td>'
           f"{vote_cells('row.rating')}<td>{{{{ row.rating.label }}}}</td>"
           "<td>{{ row.note }}</td></tr>")
    return (f'<table class="grid" data-widths="{widths}">'
            + vote_head(name_head) + row_tag("for row in rows") + row + row_tag("endfor")
            + "</table>")


def collective_decision() -> str:
    table = collective_table()
    return decision(
        "<p>- Xét kết quả tự đánh giá, xếp loại và kết quả {{ basis_vote }} của Ban Chấp hành "
        "Đảng bộ,</p>",
        "<p><b>Điều 1.</b> Xếp loại chất lượng năm {{ unit.year }} đối với {{ rows|length }} "
        "{{ what }} như sau:</p>" + table
        + "<p><b>Điều 2.</b> {{ executors }} và các {{ what }} có tên tại Điều 1 chịu trách "
        "nhiệm thi hành Quyết định này. Quyết định có hiệu lực kể từ ngày ký.</p>",
    )


def committee_member_decision() -> str:
    return decision(
        "<p>- Xét kết quả {{ basis_words }} đánh giá, xếp loại chất lượng cấp ủy viên của các "
        "chi bộ "
        "trực thuộc,</p>",
        "<p><b>Điều 1.</b> Xếp loại chất lượng năm {{ unit.year }} đối với {{ count }} cấp ủy "
        "viên trực thuộc (có danh sách kèm theo).</p>"
        "<p><b>Điều 2.</b> {{ executors }} và các đồng chí có tên trong danh sách chịu trách "
        "nhiệm thi hành Quyết định này. Quyết định có hiệu lực kể từ ngày ký.</p>",
        appendix_list("DANH SÁCH XẾP LOẠI CHẤT LƯỢNG CẤP ỦY VIÊN TRỰC THUỘC NĂM "
                      "{{ unit.year }}", vote_table("groups")),
    )


def member_award() -> str:
    heads, cells = ["STT", "Họ và tên", "Chức vụ"], ["{{ row.name }}", "{{ row.post }}"]
    table = when("with_cells",
                 simple_table([*heads, "Chi bộ"], [*cells, "{{ row.cell }}"],
                              column_shares("award_cells")),
                 otherwise=(simple_table(heads, cells, column_shares("award")),))
    return decision(
        "<p>- Căn cứ Quyết định số {{ rating_decision }} về việc xếp loại chất lượng đảng "
        "viên năm {{ unit.year }},</p>",
        "<p><b>Điều 1.</b> Khen thưởng {{ rows|length }} đồng chí đảng viên đạt danh hiệu "
        "“Đảng viên hoàn thành xuất sắc nhiệm vụ” năm {{ unit.year }}:</p>" + table
        + "<p><b>Điều 2.</b> {{ executors }} và các đồng chí có tên tại Điều 1 chịu trách "
        "nhiệm thi hành Quyết định này. Quyết định có hiệu lực kể từ ngày ký.</p>",
    )


def sub_unit_award() -> str:
    return decision(
        "<p>- Căn cứ kết quả đánh giá, xếp loại chất lượng tổ chức đảng trực thuộc năm "
        "{{ unit.year }},</p>",
        "<p><b>Điều 1.</b> Khen thưởng {{ rows|length }} tổ chức đảng trực thuộc đạt tiêu "
        "chuẩn “Hoàn thành xuất sắc nhiệm vụ” năm {{ unit.year }}:</p>"
        + each("row in rows", "<p>- {{ row.name }};</p>")
        + "<p><b>Điều 2.</b> {{ executors }} và các tổ chức đảng có tên tại Điều 1 chịu trách "
        "nhiệm thi hành Quyết định này. Quyết định có hiệu lực kể từ ngày ký.</p>",
    )


def leaders() -> str:
    return issued(
        "<p>{{ unit.name }} gửi kèm hồ sơ cá nhân của {{ rows|length }} đồng chí cán bộ lãnh "
        "đạo, quản lý; mỗi hồ sơ gồm: (1) bản kiểm điểm cá nhân có xác nhận của chi bộ; (2) ý "
        "kiến nhận xét của cấp ủy nơi cư trú; (3) bản tổng hợp đóng góp ý kiến tại hội nghị "
        "kiểm điểm; (4) bản kê khai tài sản, thu nhập. Hồ sơ cá nhân được đóng sau mục "
        "({{ last_item }}).</p>",
        simple_table(["STT", "Họ và tên", "Chức vụ đảng", "Chức vụ chính quyền"],
                     ["{{ row.name }}", "{{ row.role }}", "{{ row.post }}"],
                     column_shares("leaders")),
    )


def collective_report() -> str:
    return issued(
        when("scored",
             '<p class="heading">A. NỘI DUNG KIỂM ĐIỂM</p>',
             sections("headings", "narrative"),
             part_b("part_b"),
             otherwise=(
                 "<p>Thực hiện {{ profile.regulation }} và hướng dẫn của cấp trên, "
                 "{{ committee_name }} kiểm điểm tập thể năm {{ unit.year }} như sau:</p>",
                 sections("headings", "narrative"),
                 when("level", "<p>Tập thể tự nhận mức xếp loại chất lượng: "
                               "<b>{{ level.full_name }}</b>.</p>",
                      otherwise=(level_boxes("none"),)),
             )),
    )


def grid() -> str:
    """Mẫu 3 and Mẫu 4 (_cham_diem.html)."""
    return issued(
        "<p>{{ subject_name }} tự đánh giá từng tiêu chí theo 4 cấp độ như sau:</p>",
        criteria_grid("groups", "grades"),
        when("grades",
             "<p>Tổng hợp: {% for g in grade_names %}{{ g }}: {{ counts[g] }} tiêu chí"
             "{{ '; ' if not loop.last else '.' }}{% endfor %}</p>",
             "<p>Đối chiếu khung tiêu chuẩn, các cấp độ trên cho phép xếp loại cao nhất: "
             "<b>{{ allowed.full_name }}</b>.</p>"),
        when("level", "<p>Kết quả biểu quyết xếp loại: <b>{{ level.full_name }}</b>"
                      "{% if notation %} ({{ notation }}){% endif %}.</p>",
             otherwise=('<p class="plain">Tự nhận mức xếp loại:</p>', level_boxes("none"))),
    )


def per_page(loop: str, *blocks: str) -> str:
    """One page per item of `loop` (handouts): a page break before all but the first."""
    return each(loop, when("not loop.first", '<div class="page-break"></div>'), *blocks)


def personal_review() -> str:
    return document(per_page(
        "p in people",
        form_label("p.label"),
        header_block("p.parent_line", "p.cell_line"),
        when("scored", *hd43_review_top(), otherwise=legacy_review_top()),
        signature_only("NGƯỜI TỰ KIỂM ĐIỂM", "(Ký, ghi rõ họ tên)", "{{ p.name }}"),
        '<p class="heading">NHẬN XÉT, ĐÁNH GIÁ CỦA CHI BỘ</p>',
        dots(3),
        "<p class=\"plain\">Chi bộ {{ 'đề xuất mức xếp loại chất lượng' if scored else "
        "'xếp loại chất lượng đảng viên' }}: {% if p.rating %}"
        "<b>{{ p.rating }}</b>{% else %}{{ dots_short }}{% endif %}</p>",
        signature_only("T/M CHI BỘ", "BÍ THƯ", "{{ p.secretary }}"),
    ))


def hd43_review_top() -> tuple[str, ...]:
    """Mẫu 2A / 2B / 2C of Hướng dẫn 43 down to part B."""
    return (
        title("BẢN KIỂM ĐIỂM, TỰ ĐÁNH GIÁ, XẾP LOẠI CÁ NHÂN", "Năm {{ unit.year }}", None)
        .replace('<p class="rule">-----</p>', ""),
        when("p.subject", '<p class="center"><i>({{ p.subject }})</i></p>'),
        '<p class="rule">-----</p>',
        '<p class="plain">Họ và tên: <b>{{ p.name }}</b>; ngày sinh: '
        "{{ p.birth or dots_short }}</p>",
        when("p.leader", '<p class="plain">Chức vụ: {{ p.post or p.party_post or dots_short }}'
             "</p>"),
        '<p class="plain">Đơn vị công tác: {{ p.workplace or dots_short }}</p>',
        '<p class="plain">Chi bộ: {{ p.cell_line }}</p>',
        '<p class="heading">A. NỘI DUNG KIỂM ĐIỂM</p>',
        sections("p.headings", "p.narrative", 3),
        part_b("p.part_b"),
        when("p.tasks_appendix", '<p class="note">(Gửi kèm Phụ lục về kết quả thực hiện nhiệm '
             "vụ trong đó thể hiện sản phẩm tiến độ, chất lượng cụ thể - theo hướng dẫn của "
             "các cấp uỷ, tổ chức đảng)</p>"),
    )


def legacy_review_top() -> tuple[str, ...]:
    """Mẫu 2A / 2B of Quy định 124 and Mẫu 2 of Quy định 132 down to the criteria."""
    return (
        title("BẢN KIỂM ĐIỂM CÁ NHÂN", "Năm {{ unit.year }}", None),
        '<p class="plain">Họ và tên: <b>{{ p.name }}</b>{% if p.birth %}; ngày sinh: '
        "{{ p.birth }}{% endif %}</p>",
        "<p class=\"plain\">Chức vụ đảng: {{ p.party_post or 'Đảng viên' }}</p>",
        '<p class="plain">Chức vụ chính quyền, đoàn thể: {{ p.post or dots_short }}</p>',
        '<p class="plain">Chi bộ: {{ p.cell_line }}</p>',
        sections("p.headings", "p.narrative", 3),
        '<p class="heading">Tự nhận mức xếp loại chất lượng năm {{ unit.year }}:</p>',
        level_boxes("p.self_rating"),
        '<p class="heading">Tự đánh giá theo tiêu chí ({{ criteria_label }}):</p>',
        criteria_grid("member_groups", None),
    )


TASKS_LINE = ('<p class="plain">{{ p.tasks or "Số nhiệm vụ được giao: ……; hoàn thành: ……, '
              'trong đó đúng tiến độ: ……, vượt yêu cầu: ……." }}</p>')


def quarters_table(quarters: str) -> str:
    """The quarters a year's Mẫu 05 rests on (tu-danh-gia-ca-nhan.html)."""
    heads = ["Quý", "Tiêu chí chung (…/30)", "Kết quả thực hiện nhiệm vụ (…/70)", "Tổng điểm",
             "Mức tự đề xuất"]
    cells = ["{{ q.name }}", "{{ q.general }}", "{{ q.results }}", "{{ q.total }}",
             "{{ q.level }}"]
    return (f'<table class="grid" data-widths="{column_shares("quarters")}"><tr>'
            + "".join(f"<th>{h}</th>" for h in heads) + "</tr>"
            + row_tag(f"for q in {quarters}")
            + "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
            + row_tag("endfor") + "</table>")


def score_summary() -> str:
    """Items (3) and (5) under Quy định 366 (_tong_hop_diem.html)."""
    return issued(
        "<p>Căn cứ {{ profile.regulation }} và khung tiêu chí của cấp trên, "
        "{{ deciding_body }} tổng hợp kết quả tự chấm điểm, đề xuất xếp loại của {{ what }} năm "
        "{{ unit.year }} như sau:</p>",
        collective_table('<th rowspan="2">Tập thể</th>', column_shares("score_summary")),
        '<p class="note">Mức đề xuất theo tổng điểm (thẩm định của cấp trên khi đã có, nếu '
        "không là điểm tự chấm; từ 90 điểm: HTXSNV; từ 70 đến "
        "dưới 90: HTTNV; từ 50 đến dưới 70: HTNV; dưới 50: KHTNV) và các điều kiện hoàn thành "
        "nhiệm vụ của từng mức.</p>",
        wide=True,
    )


def self_assessment() -> str:
    """Mẫu 05 (tu-danh-gia-ca-nhan.html): one page per member."""
    return document(per_page(
        "p in people",
        form_label(),
        header_block("p.parent_line", "p.cell_line"),
        title("BẢN TỰ ĐÁNH GIÁ, XẾP LOẠI CỦA CÁ NHÂN", "{{ period }}", None),
        '<p class="plain">Họ và tên: <b>{{ p.name }}</b>; ngày sinh: '
        "{{ p.birth or dots_short }}</p>",
        '<p class="plain">Chức vụ Đảng: {{ p.party_post or dots_short }}</p>',
        '<p class="plain">Chức vụ chính quyền: {{ p.post or dots_short }}</p>',
        '<p class="plain">Chức vụ đoàn thể: {{ dots_short }}</p>',
        '<p class="plain">Đơn vị công tác: {{ p.workplace or dots_short }}</p>',
        '<p class="heading">I. Tự đánh giá kết quả thực hiện nhiệm vụ</p>',
        when("p.quarters",
             quarters_table("p.quarters"),
             '<p class="plain">Bình quân các quý: {{ p.quarters_mean }}/100 điểm.</p>'),
        each("line in p.part_b.lines", '<p class="plain">{{ line.text }}</p>'),
        TASKS_LINE,
        '<p class="heading">II. Tự đề xuất xếp loại mức chất lượng:</p>',
        level_boxes("p.part_b.proposed"),
        signature_only("NGƯỜI TỰ ĐÁNH GIÁ", "(Ký, ghi rõ họ tên)", "{{ p.name }}"),
    ))


def rerating() -> str:
    """Mẫu 03 of Hướng dẫn 43 (qd-xep-loai-lai.html)."""
    return decision(
        "<p>- Xét đề nghị xếp loại lại chất lượng đảng viên năm {{ unit.year }},</p>",
        "<p><b>Điều 1.</b> Xếp loại lại chất lượng năm {{ unit.year }} đối với "
        "{{ rows|length }} đồng chí như sau:</p>"
        + simple_table(["STT", "Họ và tên", "Chức vụ", "Mức đã xếp loại", "Mức xếp loại lại",
                        "Lý do"],
                       ["{{ row.name }}", "{{ row.post }}", "{{ row.old }}", "{{ row.new }}",
                        "{{ row.reason }}"], column_shares("rerating"))
        + "<p><b>Điều 2.</b> {{ executors }} và các đồng chí có tên tại Điều 1 chịu trách "
        "nhiệm thi hành Quyết định này. Quyết định có hiệu lực kể từ ngày ký.</p>",
    )


def checklist() -> str:
    """Mẫu 04 of Hướng dẫn 43 (danh-muc-ho-so.html)."""
    table = (f'<table class="grid" data-widths="{column_shares("checklist")}">'
             "<tr><th>Mục</th><th>Tài liệu</th>"
             "<th>Tình trạng</th></tr>" + row_tag("for row in rows")
             + '<tr><td class="num">{{ row.item }}</td><td>{{ row.title }}</td>'
             "<td>{{ row.status }}</td></tr>" + row_tag("endfor") + "</table>")
    return issued(
        "<p>{{ unit.name }} gửi {{ unit.parent_body }} hồ sơ kiểm điểm, đánh giá, xếp loại "
        "chất lượng năm {{ unit.year }}, gồm:</p>",
        table,
        "<p>Hồ sơ gồm các tài liệu trên, xếp theo thứ tự các mục./.</p>",
    )


def criteria_sheet() -> str:
    return document(
        frame_top(),
        "<p>Căn cứ các tiêu chí dưới đây, mỗi đảng viên tự đánh giá từng tiêu chí theo 4 cấp "
        "độ (Xuất sắc, Tốt, Trung bình, Kém) và tự nhận mức xếp loại chất lượng trong bản "
        "kiểm điểm cá nhân.</p>",
        criteria_grid("member_groups", None),
        '<p class="heading">Khung tiêu chuẩn các mức chất lượng (tóm tắt)</p>',
        "<p>- Hoàn thành xuất sắc nhiệm vụ: các tiêu chí về kết quả thực hiện nhiệm vụ đều "
        "“Xuất sắc”, các tiêu chí còn lại “Tốt” trở lên; đảng viên là cán bộ, công chức, viên "
        "chức phải được xếp loại công chức, viên chức “Hoàn thành xuất sắc nhiệm vụ”.</p>",
        "<p>- Hoàn thành tốt nhiệm vụ: các tiêu chí về kết quả thực hiện nhiệm vụ đều “Tốt” "
        "trở lên, các tiêu chí còn lại “Trung bình” trở lên.</p>",
        "<p>- Hoàn thành nhiệm vụ: các tiêu chí cơ bản đạt “Trung bình” trở lên.</p>",
        "<p>- Không hoàn thành nhiệm vụ: không đạt mức trên, hoặc bị kỷ luật trong năm, hoặc "
        "hoàn thành dưới 50% chỉ tiêu, nhiệm vụ được giao.</p>",
    )


def minutes() -> str:
    """Biên bản hội nghị kiểm điểm (bien-ban-hoi-nghi.html)."""
    return document(
        frame_top(),
        "<p>Hôm nay, {{ review_day }}, tại {{ meeting.place or dots_short }}, {{ unit.name }} tổ "
        "chức hội nghị kiểm điểm, đánh giá, xếp loại chất lượng năm {{ unit.year }}.</p>",
        '<p class="plain">- Chủ trì hội nghị: đồng chí {{ meeting.chair or dots_short }}.</p>',
        '<p class="plain">- Thư ký hội nghị: đồng chí {{ meeting.clerk or dots_short }}.</p>',
        '<p class="plain">- Tổng số đảng viên: {{ meeting.total }}; thuộc diện kiểm điểm: '
        "{{ meeting.reviewed }}; có mặt: {{ meeting.present or dots_short }}.</p>",
        '<p class="heading">I. NỘI DUNG HỘI NGHỊ</p>',
        "<p>1. Thông qua báo cáo kiểm điểm, tự đánh giá, xếp loại chất lượng của tập thể "
        "(Mẫu 01); tập thể đề xuất xếp loại: {{ meeting.collective or dots_short }}.</p>",
        "<p>2. Từng đảng viên trình bày bản kiểm điểm, tự đánh giá, xếp loại cá nhân; hội "
        "nghị góp ý (tổng hợp ý kiến đóng góp kèm theo).</p>",
        "<p>3. Kết quả tự chấm điểm, đề xuất xếp loại chất lượng đảng viên:</p>",
        when("meeting.counts", each("count in meeting.counts",
                              '<p class="plain">- {{ count[0] }}: {{ count[1] }} đồng chí.</p>'),
             otherwise=(dots(4),)),
        '<p class="heading">II. Ý KIẾN KHÁC TẠI HỘI NGHỊ</p>',
        dots(3),
        "<p>Hội nghị kết thúc lúc … giờ … cùng ngày; biên bản đã được đọc lại trước hội nghị "
        "và được hội nghị thông qua.</p>",
        '<table class="closing"><tr>'
        + sign("THƯ KÝ", "(Ký, ghi rõ họ tên)", "{{ meeting.clerk }}")
        + sign("CHỦ TRÌ HỘI NGHỊ", "(Ký, ghi rõ họ tên)", "{{ meeting.chair }}")
        + "</tr></table>",
    )


def comments() -> str:
    return issued(
        "<p>Hội nghị kiểm điểm của {{ unit.name }} năm {{ unit.year }} đã đóng góp ý kiến đối "
        "với đồng chí <b>{{ person.name }}</b>, {{ person.post }}, như sau:</p>",
        sections("headings", "narrative"),
    )


def ballot() -> str:
    """Mẫu 7 and Mẫu 10 (_phieu.html): one copy per voter, each on its own page."""
    level_heads = four_heads("levels[{i}].name")
    table = (f'<table class="grid" data-widths="{column_shares("ballot")}"><tr>'
             '<th class="w-stt">STT</th><th>Họ và tên</th>'
             f"<th>Chức vụ</th>{level_heads}</tr>" + row_tag("for row in rows")
             + f"<tr>{PERSON_CELLS.replace('row.index', 'loop.index')}"
             + "<td></td>" * 4 + "</tr>" + row_tag("endfor") + "</table>")
    return document(per_page(
        "copy in range(copies)",
        form_label(),
        header_block(),
        title("PHIẾU BIỂU QUYẾT", "{{ doc.subject }}", None),
        "<p>Đánh dấu “x” vào <b>một</b> ô mức xếp loại đối với từng đồng chí. Phiếu đánh dấu "
        "hơn một ô ở một dòng thì dòng đó không hợp lệ. Tổng số {{ voters_label }}: "
        "{{ voters }}.</p>",
        table,
        '<p class="note">HTXSNV: Hoàn thành xuất sắc nhiệm vụ; HTTNV: Hoàn thành tốt nhiệm '
        "vụ; HTNV: Hoàn thành nhiệm vụ; KHTNV: Không hoàn thành nhiệm vụ. Phiếu không ký "
        "tên.</p>",
    ))


def residence_request() -> str:
    def question(n: int, text: str) -> str:
        return f"<p>{n}. {text}:</p>" + dots(2)

    return document(per_page(
        "p in people",
        form_label(),
        header_block(),
        title("PHIẾU LẤY Ý KIẾN NHẬN XÉT", "đảng viên đang công tác giữ mối liên hệ với tổ "
              "chức đảng và nhân dân nơi cư trú năm {{ unit.year }}", None),
        '<p class="to">Kính gửi: Chi ủy (chi bộ), đảng ủy cơ sở nơi cư trú – '
        "{{ p.residence or dots_short }}</p>",
        "<p>Thực hiện Quy định số 213-QĐ/TW ngày 02/01/2020 của Bộ Chính trị, {{ unit.name }} "
        "đề nghị cấp ủy nơi cư trú nhận xét đồng chí:</p>",
        '<p class="plain">Họ và tên: <b>{{ p.name }}</b>{% if p.birth %}; ngày sinh: '
        "{{ p.birth }}{% endif %}</p>",
        '<p class="plain">Chức vụ: {{ p.post or dots_short }}</p>',
        '<p class="plain">Đơn vị công tác: {{ p.workplace or dots_short }}</p>',
        '<p class="plain">Nơi cư trú: {{ p.residence or dots_short }}</p>',
        '<p class="heading">Ý KIẾN NHẬN XÉT CỦA CẤP ỦY NƠI CƯ TRÚ</p>',
        question(1, "Gương mẫu thực hiện chủ trương của Đảng, chính sách, pháp "
                        "luật của Nhà nước và nghĩa vụ công dân nơi cư trú"),
        question(2, "Giữ gìn phẩm chất đạo đức, lối sống; quan hệ với nhân dân "
                        "nơi cư trú"),
        question(3, "Tham gia các hoạt động ở nơi cư trú và giữ mối liên hệ với "
                        "chi ủy, đảng ủy nơi cư trú"),
        '<table class="closing"><tr>'
        + sign("{{ doc.signatory.authority }}", "{{ doc.signatory.title }}",
               "{{ doc.signatory.name }}")
        + sign("T/M CHI ỦY (ĐẢNG ỦY) NƠI CƯ TRÚ", "(Ký, đóng dấu)", "")
        + "</tr></table>",
    ))


def cell_member_list() -> str:
    return issued(
        "<p>{{ doc.issuer_line }} tổng hợp kết quả {{ basis_words }} đề xuất xếp loại chất "
        "lượng đảng "
        "viên năm {{ unit.year }}, báo cáo {{ report_to }} xem xét, quyết định:</p>",
        vote_table(), "<p>Danh sách gồm {{ rows|length }} đảng viên./.</p>", wide=True,
    )


def cell_committee_list() -> str:
    return issued(
        "<p>{{ doc.issuer_line }} tổng hợp kết quả {{ basis_words }} xếp loại chất lượng "
        "chi ủy viên "
        "năm {{ unit.year }}, báo cáo {{ report_to }}:</p>",
        vote_table(wide=False), "<p>Danh sách gồm {{ rows|length }} chi ủy viên./.</p>",
    )


def sub_summary() -> str:
    """Mẫu 5 / 5a and 9 / 9a / 9b (_tong_hop_truc_thuoc.html)."""
    counts = "".join(f'<td class="num">{{{{ row.counts.get(grade_names[{i}], \'\') }}}}</td>'
                     for i in range(4))
    table = (f'<table class="grid" data-widths="{column_shares("sub_summary")}"><tr>'
             '<th class="w-stt">STT</th><th>{{ what }}</th>'
             f"{GRADE_HEADS}<th>Mức cao nhất theo tiêu chí</th>"
             "<th>Kết quả biểu quyết của đảng ủy</th></tr>"
             + row_tag("for row in rows")
             + f'<tr><td class="num">{{{{ loop.index }}}}</td><td>{{{{ row.name }}}}</td>{counts}'
             "<td>{{ row.allowed }}</td><td>{{ row.rating.label }}</td></tr>"
             + row_tag("endfor") + "</table>")
    return issued("<p>{{ intro }}</p>", table, "<p>Tổng số: {{ rows|length }}./.</p>",
                  wide=True)


LAYOUTS: dict[str, Callable[[], str]] = {
    "to-trinh-xep-loai": to_trinh,
    "tong-hop-phieu-cap-uy-vien": committee_tally,
    "qd-xep-loai-dang-vien": member_decision,
    "qd-xep-loai-to-chuc-truc-thuoc": collective_decision,
    "qd-xep-loai-cap-uy-truc-thuoc": collective_decision,
    "qd-xep-loai-cap-uy-vien-truc-thuoc": committee_member_decision,
    "qd-khen-thuong-dang-vien": member_award,
    "ds-can-bo-lanh-dao": leaders,
    "bao-cao-kiem-diem-tap-the": collective_report,
    "bien-ban-hoi-nghi": minutes,
    "cham-diem-to-chuc": grid,
    "cham-diem-cap-uy": grid,
    "ban-kiem-diem-ca-nhan": personal_review,
    "tieu-chi-dang-vien": criteria_sheet,
    "tong-hop-y-kien": comments,
    "phieu-bieu-quyet-dang-vien": ballot,
    "phieu-bieu-quyet-cap-uy-vien": ballot,
    "phieu-xin-y-kien-noi-cu-tru": residence_request,
    "ds-phieu-dang-vien-chi-bo": cell_member_list,
    "ds-phieu-cap-uy-vien-chi-bo": cell_committee_list,
    "tong-hop-cham-diem-truc-thuoc": sub_summary,
    "tong-hop-cap-uy-truc-thuoc": sub_summary,
    "qd-khen-thuong-to-chuc-truc-thuoc": sub_unit_award,
    "tong-hop-diem-to-chuc": score_summary,
    "tong-hop-diem-cap-uy": score_summary,
    "tu-danh-gia-ca-nhan": self_assessment,
    "qd-xep-loai-lai": rerating,
    "danh-muc-ho-so": checklist,
}


def template_bytes(form: str) -> bytes:
    # docxtpl fills the title too; Word's core properties hold at most 255 characters.
    return html_to_docx(LAYOUTS[form](), "{{ doc.title | truncate(240, true, '…') }}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for form in LAYOUTS:
        (OUT / f"{form}.docx").write_bytes(template_bytes(form))
    print(f"{len(LAYOUTS)} mẫu Word trong {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
