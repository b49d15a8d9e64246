"""Turn a Unit and its Assessment into the generated forms: one FormDoc per document.

Each form id has one context builder here; its template (templates/mau/<form id>.html) is
data, and the same HTML gives the PDF and the DOCX, so the two never disagree. A builder
returns None when the unit has no data for that form (the item then needs an attachment);
in handout mode (hoso prepare) it returns the blank, pre-filled skeleton instead. Which
forms a dossier needs, and the label printed on each, come from the profile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType
from typing import Any

from pipeline.content import allowed_level, catalogue, grade_counts, heading_set
from pipeline.hd43 import PartB, minutes, part_b, quarter_part_b
from pipeline.levels import LEVELS, Level
from pipeline.model import (
    Member,
    Role,
    ScoreEntry,
    Signatory,
    SubUnitType,
    Unit,
    UnitType,
)
from pipeline.profiles import ChecklistItem, Profile, RuleParams
from pipeline.quarters import QuarterScore, mean_total
from pipeline.rules import (
    Assessment,
    Rating,
    RatingStatus,
    classifiable,
    member_kind,
    ratings_under,
    under_review,
)
from pipeline.scoring import Kind, points
from pipeline.vntext import date_words, fold, header_date, number, short_date

# Document-type codes of the number line (typography.md "Dates and numbers").
TYPE_CODES = {"TỜ TRÌNH": "TTr", "QUYẾT ĐỊNH": "QĐ", "BÁO CÁO": "BC", "BẢN TỔNG HỢP": "BC",
              "DANH SÁCH": "DS"}


@dataclass(frozen=True)
class DocInfo:
    """What the header, title and signature block of one document show."""

    title: str
    label: str
    number: str
    header_date: str
    date_words: str
    doc_type: str
    subject: str
    recipients: tuple[str, ...]
    signatory: Signatory
    parent_line: str
    issuer_line: str
    wide: bool = False
    issued: date | None = None  # the document's own date (its Word file's), if it has one


@dataclass(frozen=True)
class FormRequest:
    unit: Unit
    a: Assessment
    profile: Profile
    form: str
    subject: str | None = None  # a member code or a sub-unit code, for per-x forms
    handout: bool = False
    quarter: int | None = None  # a quarter's Mẫu 05 (1–4), not the year's


@dataclass(frozen=True)
class FormDoc:
    form: str
    item: str | None  # checklist item, or None for a form of mau/ only
    title: str
    template: str
    context: Mapping[str, Any]
    subject: str | None = None
    section: str = "organisation"

    @property
    def file_stem(self) -> str:
        if self.section == "personal":
            return f"ca-nhan-{self.subject}-{int(self.item or 0)}-{self.form}"
        stem = f"muc-{int(self.item):02d}-{self.form}" if self.item else self.form
        return f"{stem}-{self.subject}" if self.subject else stem


@dataclass(frozen=True)
class Row:
    """One person or collective in a table of a form."""

    index: int
    code: str
    name: str
    post: str
    rating: Rating
    note: str = ""
    cell: str = ""
    role: str = ""


@dataclass(frozen=True)
class Group:
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Summary:
    total: int
    classified: int
    not_classified: int
    lines: tuple[str, ...]


Builder = Callable[[FormRequest], dict[str, Any] | None]

# How the text names what a level rests on: the members' vote, or (Quy định 366) the
# self-score checked by the body in charge ("thẩm định").
VOTE_WORDS = {"basis_words": "bỏ phiếu", "basis_vote": "biểu quyết",
              "basis_meeting": "bỏ phiếu kín", "list_words": "PHIẾU XẾP LOẠI"}
# Under Quy định 366 the unit's papers speak of self-scores and proposals: the thẩm định is
# the superior's step (Điều 12), and no ballot rule is the basis of a score.
SCORE_WORDS = {"basis_words": "tự chấm điểm,", "basis_vote": "tự chấm điểm",
               "basis_meeting": "xem xét điểm tự chấm,",
               "list_words": "KẾT QUẢ CHẤM ĐIỂM, XẾP LOẠI"}
VOTE_NOTE = ("Mức xếp loại là mức cao nhất mà số phiếu của mức đó cộng với các mức cao hơn "
             "đạt trên 50% tổng số đảng viên chính thức (cấp ủy viên) của hội nghị.")
SCORE_NOTE = ("Mức đề xuất theo tổng điểm và điều kiện hoàn thành nhiệm vụ của từng mức "
              "(Quy định 366-QĐ/TW, Điều 11).")


def build_form(request: FormRequest, item: str | None = None, title: str = "",
               section: str = "organisation") -> FormDoc | None:
    """The form for this request, or None when the unit has no data for it."""
    context = BUILDERS[request.form](request)
    if context is None:
        return None
    scored = request.profile.rules.scored
    context.update(unit=request.unit, a=request.a, profile=request.profile, scored=scored,
                   **(SCORE_WORDS if scored else VOTE_WORDS))
    return FormDoc(request.form, item, title or context["doc"].title,
                   f"{request.form}.html", MappingProxyType(context), request.subject,
                   section)


# --- shared pieces ----------------------------------------------------------------------


def _is_base(unit: Unit) -> bool:
    return unit.kind is UnitType.CHI_BO_CO_SO


def committee_name(unit: Unit) -> str:
    return f"Chi ủy {unit.name}" if _is_base(unit) else f"Ban Chấp hành {unit.name}"


def deciding_body(unit: Unit) -> str:
    return unit.name if _is_base(unit) else f"Ban Chấp hành {unit.name}"


def executors(unit: Unit) -> str:
    return "Chi ủy" if _is_base(unit) else "Văn phòng Đảng ủy, các chi bộ trực thuộc"


def _keep(unit: Unit) -> str:
    return "Lưu Chi bộ" if _is_base(unit) else "Lưu Văn phòng Đảng ủy"


def _has_sections(unit: Unit) -> bool:
    return any(s.kind is SubUnitType.DANG_BO_BO_PHAN for s in unit.sub_units)


def doc_info(r: FormRequest, doc_type: str, subject: str, recipients: tuple[str, ...],
             variants: tuple[str, ...] = (), numbered: bool = True,
             issuer: str | None = None, wide: bool = False, cell: str | None = None
             ) -> DocInfo:
    """Header, title and signature of a document; `cell` makes it a chi bộ trực thuộc's."""
    unit = r.unit
    ref = unit.document(r.form)
    issued = ref.issued if ref else unit.review_date
    if r.handout:
        when = f"{unit.place}, ngày … tháng … năm {unit.year}"
        words = f"ngày … tháng … năm {unit.year}"
    else:
        when, words = header_date(unit.place, issued), date_words(issued)
    if issuer is None:
        blank = "\u00a0" * 8 + f"-{TYPE_CODES.get(doc_type, 'BC')}/{unit.code}"
        number_text = (ref.number if ref else blank) if numbered else ""
        parent_line, issuer_line = unit.parent, unit.name
    else:
        # A document of the unit itself (a chi bộ cơ sở's ballot) names the level above on
        # the first line; one of a chi bộ trực thuộc names the đảng bộ (typography.md).
        above = unit.parent if issuer == unit.name else unit.name
        number_text, parent_line, issuer_line = "", above, issuer
    return DocInfo(
        title=f"{doc_type.capitalize()} {subject}".strip(),
        label=(unit.label_for(r.form) if r.subject is None else None)
        or r.profile.label(r.form, *variants, unit.kind.value),
        number=number_text,
        header_date=when,
        date_words=words,
        doc_type=doc_type,
        subject=subject,
        recipients=((*recipients, *unit.recipients, _keep(unit)) if cell is None
                    else (f"Ban Chấp hành {unit.name}",
                          "Lưu Đảng ủy" if unit.sub_unit(cell).is_section else "Lưu Chi bộ")),
        signatory=unit.signatory if cell is None else _cell_signatory(unit, cell),
        parent_line=parent_line,
        issuer_line=issuer_line,
        wide=wide,
        issued=issued,
    )


def decision(r: FormRequest, subject: str, executing_article: str,
             variants: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """The context every decision shares: header, deciding body, who carries it out."""
    unit = r.unit
    return {
        "doc": doc_info(r, "QUYẾT ĐỊNH", subject,
                        (unit.parent_body + " (để báo cáo)", f"Như {executing_article}"),
                        variants),
        "deciding_body": deciding_body(unit),
        "executors": executors(unit),
        **extra,
    }


def member_row(index: int, member: Member, rating: Rating) -> Row:
    return Row(index, member.code, member.name, member.post, rating,
               member_note(member, rating))


def member_note(member: Member, rating: Rating) -> str:
    """The Ghi chú of a member's row: why the level is what it is (note_for), and what the
    reader checks it against: discipline this year, sick or maternity leave, dự bị."""
    note = note_for(rating)
    said = fold(note)
    facts = []
    if member.discipline and "ky luat" not in said:
        remedied = ", tự phát hiện, khắc phục" if member.discipline_self_remedied else ""
        facts.append(f"kỷ luật {member.discipline} trong năm{remedied}")
    if member.sick_leave_months and "nghi om" not in said:
        months = member.sick_leave_months
        facts.append(f"nghỉ ốm {number(months, 0 if months == int(months) else 1)} tháng")
    if member.maternity_leave and "thai san" not in said:
        facts.append("nghỉ thai sản")
    if not member.official and "du bi" not in said:
        facts.append("dự bị")
    text = "; ".join(part for part in (note, *facts) if part)
    return text[:1].upper() + text[1:]


def basis_text(rating: Rating | None, scored: bool, words: bool = False) -> str:
    """What a proposed level rests on: the reviewed score (Quy định 366) or the vote."""
    if rating is None:
        return ""
    if scored and rating.score is not None:
        value = points(rating.score.sheet.total)
        whose = "điểm thẩm định của cấp trên" if rating.score.reviewed else "điểm tự chấm"
        return f"{value}/100 điểm" if not words else f"{value}/100 {whose}"
    if rating.result is not None:
        notation = rating.result.cumulative_notation()
        return notation if not words else f"kết quả biểu quyết {notation}"
    return ""


def note_for(rating: Rating) -> str:
    if rating.head_decided and rating.result:
        a, b = rating.result.candidates
        return f"Phiếu chia đôi ({a.name}/{b.name}); người đứng đầu quyết định"
    if rating.status is RatingStatus.UNDECIDED:
        return f"Chưa quyết định: {rating.reason or 'xem báo cáo'}"
    return rating.reason


def role_label(member: Member, cell_names: Mapping[str, str]) -> str:
    if member.base_role is not None:
        body = "Chi bộ" if member.cell is None else "Đảng ủy"
        return f"{member.base_role.label} {body}"
    if member.cell_role is not None and member.cell:
        return f"{member.cell_role.label} {cell_names.get(member.cell, member.cell)}"
    return "Đảng viên"


def is_manager(unit: Unit, member: Member) -> bool:
    """Who writes Mẫu 2B: committee members and the leaders with a personal set."""
    return bool(member.base_role or member.cell_role or member.code in unit.leaders)


def summary(ratings: tuple[Rating, ...]) -> Summary:
    classified = [r for r in ratings if r.level is not None]
    lines = []
    for level in LEVELS:
        n = sum(1 for r in classified if r.level is level)
        share = number(round(n * 100 / len(classified), 2), 2) if classified else "0"
        lines.append(f"{level.full_name}: {n:02d} đồng chí ({share}%)")
    return Summary(len(ratings), len(classified), len(ratings) - len(classified), tuple(lines))


def _cell_names(unit: Unit) -> dict[str, str]:
    return {s.code: s.name for s in unit.sub_units}


def _voters(members: tuple[Member, ...] | list[Member]) -> tuple[Member, ...]:
    return tuple(m for m in members if m.votes)


# --- the forms of the checklist ------------------------------------------------------------


def _to_trinh(r: FormRequest) -> dict[str, Any]:
    unit, a = r.unit, r.a
    subject = ("đề nghị xếp loại chất lượng tổ chức cơ sở đảng, tập thể cấp ủy "
               f"và cá nhân cấp ủy viên năm {unit.year}")
    rows = []
    for rating in a.committee_members:
        member = unit.member(rating.subject)
        rows.append({
            "name": member.name,
            "post": f"{role_label(member, _cell_names(unit))}; {member.post}".strip("; "),
            "notation": basis_text(rating, r.profile.rules.scored),
            "label": rating.label,
        })
    return {
        "doc": doc_info(r, "TỜ TRÌNH", subject, ("Như trên",)),
        "basis_head": "Điểm thẩm định" if r.profile.rules.scored else "Kết quả biểu quyết",
        "organisation_basis": basis_text(a.organisation, r.profile.rules.scored, True),
        "committee_basis": basis_text(a.committee, r.profile.rules.scored, True)
        if a.committee else "",
        "committee_name": committee_name(unit),
        "committee_rows": rows,
        "summary": summary(a.members),
    }


def _committee_tally(r: FormRequest) -> dict[str, Any]:
    unit, a = r.unit, r.a
    scored = r.profile.rules.scored
    what = "tự chấm điểm, đề xuất xếp loại" if scored else "bỏ phiếu xếp loại"
    subject = f"kết quả {what} chất lượng cá nhân cấp ủy viên năm {unit.year}"
    names = _cell_names(unit)
    rows = [Row(i, x.subject, x.name, role_label(unit.member(x.subject), names), x, note_for(x))
            for i, x in enumerate(a.committee_members, start=1)]
    return {
        "doc": doc_info(r, "BẢN TỔNG HỢP", subject, (unit.parent_body,)),
        "committee_body": committee_name(unit),
        "rows": rows,
        "rule_note": SCORE_NOTE if scored else VOTE_NOTE,
    }


def _member_decision(r: FormRequest) -> dict[str, Any]:
    unit, a = r.unit, r.a
    subject = f"về việc xếp loại chất lượng đảng viên năm {unit.year}"
    names = _cell_names(unit)
    groups = []
    index = 0
    cells: list[str | None] = [None] if _is_base(unit) else [s.code for s in unit.sub_units]
    for cell in cells:
        rows = []
        for member, rating in zip(unit.members, a.members, strict=True):
            if member.cell != cell:
                continue
            index += 1
            rows.append(member_row(index, member, rating))
        groups.append(Group(names.get(cell or "", ""), tuple(rows)))
    return decision(r, subject, "Điều 3", groups=groups, summary=summary(a.members),
                    list_label=r.profile.label("ds-phieu-dang-vien", unit.kind.value))


def _collectives(r: FormRequest, ratings: tuple[Rating, ...], what: str, subject: str
                 ) -> dict[str, Any]:
    unit = r.unit
    rows = [Row(i, x.subject, x.name, "", x, note_for(x)) for i, x in enumerate(ratings, start=1)]
    variants = ("co_dang_bo_bo_phan",) if _has_sections(unit) else ()
    return decision(r, subject, "Điều 2", variants, rows=rows, what=what)


def _sub_units(r: FormRequest) -> dict[str, Any]:
    return _collectives(r, r.a.sub_units, "tổ chức đảng trực thuộc",
                        f"về việc xếp loại chất lượng tổ chức đảng trực thuộc năm {r.unit.year}")


def _sub_committees(r: FormRequest) -> dict[str, Any]:
    return _collectives(r, r.a.sub_committees, "tập thể cấp ủy trực thuộc",
                        "về việc xếp loại chất lượng tập thể cấp ủy trực thuộc năm "
                        f"{r.unit.year}")


def _cell_committee_rows(r: FormRequest, cell: str, start: int) -> list[Row]:
    rows: list[Row] = []
    for code, rating in r.a.cell_committee_members:
        if code != cell:
            continue
        member = r.unit.member(rating.subject)
        post = f"{member.cell_role.label if member.cell_role else ''} chi bộ; {member.post}"
        rows.append(Row(start + len(rows), member.code, member.name, post.strip("; "), rating,
                        note_for(rating)))
    return rows


def _sub_committee_members(r: FormRequest) -> dict[str, Any]:
    unit = r.unit
    subject = f"về việc xếp loại chất lượng cấp ủy viên trực thuộc năm {unit.year}"
    groups = []
    index = 0
    for sub in unit.sub_units:
        rows = _cell_committee_rows(r, sub.code, index + 1)
        index += len(rows)
        groups.append(Group(sub.name, tuple(rows)))
    return decision(r, subject, "Điều 2", groups=groups, count=index,
                    list_label=r.profile.label("ds-phieu-cap-uy-vien-truc-thuoc",
                                               unit.kind.value))


def _award(r: FormRequest) -> dict[str, Any]:
    unit, a = r.unit, r.a
    subject = f"về việc khen thưởng đảng viên hoàn thành xuất sắc nhiệm vụ năm {unit.year}"
    names = _cell_names(unit)
    rows: list[Row] = []
    for member, rating in zip(unit.members, a.members, strict=True):
        if rating.level is Level.HTXSNV:
            rows.append(Row(len(rows) + 1, member.code, member.name, member.post, rating,
                            cell=names.get(member.cell or "", "")))
    ref = unit.document("qd-xep-loai-dang-vien")
    earlier = (f"{ref.number} ngày {short_date(ref.issued)} của {deciding_body(unit)}"
               if ref else f"…/{unit.code} của {deciding_body(unit)}")
    return decision(r, subject, "Điều 2", rows=rows, with_cells=not _is_base(unit),
                    rating_decision=earlier)


def _leaders(r: FormRequest) -> dict[str, Any]:
    unit = r.unit
    names = _cell_names(unit)
    rows = []
    for i, code in enumerate(unit.leaders, start=1):
        member = unit.member(code)
        rows.append(Row(i, code, member.name, member.post, r.a.member(code),
                        role=role_label(member, names)))
    subject = f"cán bộ lãnh đạo, quản lý có hồ sơ cá nhân năm {unit.year}"
    return {"doc": doc_info(r, "DANH SÁCH", subject, ()), "rows": rows,
            "last_item": r.profile.organisation[-1].item}


def _collective_report(r: FormRequest) -> dict[str, Any] | None:
    narrative = r.unit.narrative("tap_the")
    if narrative is None and not r.handout:
        return None
    level = None if r.handout or r.a.committee is None else r.a.committee.level
    entry = None if r.handout else r.unit.score_for("", collective=True, committee=True)
    what = ("kiểm điểm, tự đánh giá, xếp loại chất lượng của tập thể"
            if r.profile.rules.scored else "kiểm điểm tập thể")
    return {
        "doc": doc_info(r, "BÁO CÁO", f"{what} {committee_name(r.unit)} năm {r.unit.year}",
                        (r.unit.parent_body,)),
        "committee_name": committee_name(r.unit),
        "headings": catalogue().sections(heading_set(r.profile.headings(), "tap_the")),
        "narrative": None if r.handout else narrative,
        "level": level,
        "part_b": _proposed_no_higher(part_b(r.profile, Kind.COLLECTIVE, entry), level),
    }


def _proposed_no_higher(b: PartB, rated: Level | None) -> PartB:
    """The level proposed by the score, unless a condition the score does not see (a
    disciplined committee member, rules._leadership_disciplined) rates the collective lower."""
    if rated is not None and b.proposed is not None and rated.rank > b.proposed.rank:
        return replace(b, proposed=rated)
    return b


def _grid(r: FormRequest, kind: str) -> dict[str, Any] | None:
    """Mẫu 3 / Mẫu 4 of the unit, or of one chi bộ trực thuộc when `r.subject` is set."""
    unit, a = r.unit, r.a
    grades = unit.grades_for(kind, r.subject)
    if grades is None and not r.handout:
        return None
    groups = catalogue().groups(kind)
    if r.subject is None:
        rating = a.organisation if kind == "to_chuc" else a.committee
        subject_name = unit.name if kind == "to_chuc" else committee_name(unit)
        variants: tuple[str, ...] = ()
        issuer, cell = None, None
    else:
        sub = unit.sub_unit(r.subject)
        ratings = a.sub_units if kind == "to_chuc" else a.sub_committees
        rating = next((x for x in ratings if x.subject == sub.code), None)
        subject_name = sub.name if kind == "to_chuc" else f"Chi ủy {sub.name}"
        variants, issuer, cell = (sub.kind.value,), sub.name, sub.code
    title = ("phiếu chấm điểm " + ("tổ chức đảng" if kind == "to_chuc" else "tập thể cấp ủy")
             + f" năm {unit.year}")
    shown = None if r.handout else grades
    return {
        "doc": doc_info(r, "BẢN TỔNG HỢP", title, (unit.parent_body,), variants,
                        numbered=False, issuer=issuer, cell=cell),
        "subject_name": subject_name,
        "groups": groups,
        "grades": shown,
        "counts": grade_counts(shown) if shown else {},
        "allowed": allowed_level(groups, shown) if shown else None,
        "level": None if r.handout or rating is None else rating.level,
        "notation": rating.result.cumulative_notation() if rating and rating.result else "",
    }


def _organisation_grid(r: FormRequest) -> dict[str, Any] | None:
    return _grid(r, "to_chuc")


def _committee_grid(r: FormRequest) -> dict[str, Any] | None:
    return _grid(r, "cap_uy")


def _person_sheet(r: FormRequest, member: Member, rating: Rating | None) -> dict[str, Any]:
    unit = r.unit
    names = _cell_names(unit)
    manager = is_manager(unit, member)
    narrative = None if r.handout else unit.narrative("ca_nhan", member.code)
    party_post = role_label(member, names) if (member.base_role or member.cell_role) else ""
    kind = member_kind(unit, member)
    entry = None if r.handout else unit.score_for(member.code)
    frame = r.profile.framework(kind.value)
    return {
        "subject": frame.subject,
        "leader": kind is Kind.LEADER,
        "workplace": member.workplace,
        "part_b": part_b(r.profile, kind, entry),
        "tasks_appendix": kind is not Kind.OUTSIDE,
        "name": member.name,
        "birth": short_date(member.birth_date) if member.birth_date else "",
        "post": member.post,
        "party_post": party_post,
        "parent_line": unit.name if member.cell else unit.parent,
        "cell_line": names.get(member.cell, unit.name) if member.cell else unit.name,
        "label": r.profile.label(r.form, kind.value, "lanh_dao" if manager else "dang_vien"),
        "kind": kind.label,
        "tasks": _task_line(entry),
        "headings": catalogue().sections(heading_set(
            r.profile.headings(), kind.value if r.profile.rules.scored
            else "lanh_dao" if manager else "dang_vien")),
        "narrative": narrative,
        "self_rating": None if r.handout else member.self_rating,
        "rating": rating.label if rating and rating.level else "",
        "secretary": _cell_secretary(unit, member.cell),
    }


def _signing_for_the_head(unit: Unit, head: Signatory) -> Signatory:
    """Who signs what the meeting said of the head: no one signs about themselves. The
    deputy, else a committee member, else a line to sign by hand (the meeting chooses)."""
    for role, title in ((Role.DEPUTY, "PHÓ BÍ THƯ"),
                        (Role.MEMBER, "CHI ỦY VIÊN" if _is_base(unit) else "ĐẢNG ỦY VIÊN")):
        found = next((m for m in unit.members if m.base_role is role), None)
        if found is not None:
            return Signatory(head.authority, title, found.name)
    return Signatory(head.authority, "", "")


def _cell_signatory(unit: Unit, cell: str) -> Signatory:
    sub = unit.sub_unit(cell)
    if sub.is_section:
        authority = "T/M ĐẢNG ỦY"
    else:
        authority = "T/M CHI ỦY" if sub.has_committee else "T/M CHI BỘ"
    return Signatory(authority, "BÍ THƯ", _cell_secretary(unit, cell))


def _cell_secretary(unit: Unit, cell: str | None) -> str:
    if cell is None:
        return next((m.name for m in unit.members if m.base_role is Role.SECRETARY), "")
    return next((m.name for m in unit.members_of(cell) if m.cell_role is Role.SECRETARY), "")


def _task_line(entry: ScoreEntry | None) -> str:
    if entry is None:
        return ""
    s = entry.sheet
    return (f"Số nhiệm vụ được giao: {s.tasks}; hoàn thành: {s.done}, trong đó đúng tiến độ: "
            f"{s.on_time}, vượt yêu cầu: {s.exceeded}.")


def reviewed_members(unit: Unit, subject: str | None, params: RuleParams) -> list[Member]:
    """Who gets a handout of their own: one member (per: member), else every member under
    review this year (rules.under_review)."""
    if subject is not None:
        return [unit.member(subject)]
    return [m for m in unit.members if under_review(m, unit.review_date, params)]


def _personal_review(r: FormRequest) -> dict[str, Any] | None:
    unit = r.unit
    if r.handout:
        people = [_person_sheet(r, m, None)
                  for m in reviewed_members(unit, r.subject, r.profile.rules)]
    else:
        if r.subject is None or unit.narrative("ca_nhan", r.subject) is None:
            return None
        member = unit.member(r.subject)
        people = [_person_sheet(r, member, r.a.member(member.code))]
    doc = doc_info(r, "BẢN KIỂM ĐIỂM CÁ NHÂN", f"năm {unit.year}", ())
    return {"doc": doc, "people": people, "member_groups": catalogue().member,
            "criteria_label": r.profile.label("tieu-chi-dang-vien") or "tiêu chí đánh giá"}


def _criteria_sheet(r: FormRequest) -> dict[str, Any]:
    return {"doc": doc_info(r, "TIÊU CHÍ", f"đánh giá, xếp loại chất lượng đảng viên năm "
                            f"{r.unit.year}", (), numbered=False),
            "member_groups": catalogue().member}


def _comments(r: FormRequest) -> dict[str, Any] | None:
    if r.subject is None:
        return None
    narrative = r.unit.narrative("y_kien", r.subject)
    if narrative is None:
        return None
    member = r.unit.member(r.subject)
    doc = doc_info(r, "BẢN TỔNG HỢP", "ý kiến đóng góp tại hội nghị kiểm điểm năm "
                   f"{r.unit.year}", (), numbered=False)
    if fold(doc.signatory.name) == fold(member.name):
        doc = replace(doc, signatory=_signing_for_the_head(r.unit, doc.signatory))
    return {
        "doc": doc,
        "person": member,
        "headings": catalogue().sections(heading_set(r.profile.headings(), "y_kien")),
        "narrative": narrative,
    }


# --- ballots and requests handed out before the meetings ------------------------------------


def _member_ballot(r: FormRequest) -> dict[str, Any] | None:
    unit = r.unit
    cell = r.subject
    body = unit.members_of(cell)
    if cell is None and not _is_base(unit):
        return None
    months = r.profile.rules.min_months_to_classify
    rows = [{"name": m.name, "post": m.post} for m in body
            if classifiable(m, unit.review_date, months)]
    name = _cell_names(unit).get(cell or "", unit.name)
    voters = len(_voters(body))
    return {
        "doc": doc_info(r, "PHIẾU BIỂU QUYẾT", f"xếp loại chất lượng đảng viên năm {unit.year}",
                        (), issuer=name),
        "rows": rows, "copies": max(voters, 1), "voters": voters,
        "voters_label": "đảng viên chính thức của chi bộ",
    }


def _committee_ballot(r: FormRequest) -> dict[str, Any] | None:
    unit = r.unit
    cell = r.subject
    if cell is None:
        body = [m for m in unit.members if m.base_role]
        voters = len(_voters(body)) or len(_voters(unit.members))
        issuer = unit.name
    else:
        body = [m for m in unit.members_of(cell) if m.cell_role]
        voters = len(_voters(body))
        issuer = _cell_names(unit).get(cell, cell)
    if not body:
        return None
    names = _cell_names(unit)
    rows = [{"name": m.name, "post": role_label(m, names) if cell is None
             else f"{m.cell_role.label if m.cell_role else ''} chi bộ"} for m in body]
    return {
        "doc": doc_info(r, "PHIẾU BIỂU QUYẾT", "xếp loại chất lượng cấp ủy viên năm "
                        f"{unit.year}", (), issuer=issuer),
        "rows": rows, "copies": max(voters, 1), "voters": voters,
        "voters_label": "cấp ủy viên dự hội nghị",
    }


def _residence_requests(r: FormRequest) -> dict[str, Any]:
    unit = r.unit
    people = [{"name": m.name, "post": m.post, "workplace": m.workplace,
               "residence": m.residence,
               "birth": short_date(m.birth_date) if m.birth_date else ""}
              for m in reviewed_members(unit, r.subject, r.profile.rules)]
    doc = doc_info(r, "PHIẾU LẤY Ý KIẾN NHẬN XÉT", f"năm {unit.year}", (), numbered=False)
    return {"doc": doc, "people": people}


# --- forms of mau/ only: lower-level lists and summaries -------------------------------------


def _cell_member_list(r: FormRequest) -> dict[str, Any] | None:
    unit, a = r.unit, r.a
    if r.subject is None:
        return None
    sub = unit.sub_unit(r.subject)
    rows = [member_row(number, member, a.member(member.code))
            for number, member in enumerate(unit.members_of(sub.code), start=1)]
    if not rows:  # a đảng bộ bộ phận whose members are all in its chi bộ
        return None
    return {
        "doc": doc_info(r, "DANH SÁCH", f"tổng hợp phiếu xếp loại chất lượng đảng viên năm "
                        f"{unit.year}", (), (sub.kind.value,), issuer=sub.name, wide=True,
                        cell=sub.code),
        "rows": rows, "report_to": f"Ban Chấp hành {unit.name}",
    }


def _cell_committee_list(r: FormRequest) -> dict[str, Any] | None:
    if r.subject is None:
        return None
    sub = r.unit.sub_unit(r.subject)
    rows = _cell_committee_rows(r, sub.code, 1)
    if not rows:
        return None
    return {
        "doc": doc_info(r, "BẢN TỔNG HỢP", "phiếu xếp loại chất lượng chi ủy viên năm "
                        f"{r.unit.year}", (), (sub.kind.value,), issuer=sub.name,
                        cell=sub.code),
        "rows": rows, "report_to": f"Ban Chấp hành {r.unit.name}",
    }


@dataclass(frozen=True)
class SummaryKind:
    """What a summary of subordinate self-assessments is about (Mẫu 5 or Mẫu 9)."""

    grades: str  # the danh-gia.yaml section: to_chuc or cap_uy
    grid: str  # the form the collectives filled in
    of_base: str  # what they are, under the đảng ủy cơ sở
    of_section: str  # what they are, under a đảng ủy bộ phận


ORGANISATIONS = SummaryKind("to_chuc", "tự chấm điểm (Mẫu 3)", "tổ chức đảng trực thuộc",
                            "chi bộ trực thuộc")
COMMITTEES = SummaryKind("cap_uy", "tự đánh giá (Mẫu 4)", "tập thể cấp ủy trực thuộc",
                         "chi ủy trực thuộc")


def _sub_summary(r: FormRequest, kind: SummaryKind, ratings: tuple[Rating, ...]
                 ) -> dict[str, Any] | None:
    """Mẫu 5a / 9a / 9b of the đảng ủy cơ sở; with a subject, Mẫu 5 / 9 of that đảng ủy
    bộ phận about its own chi bộ, sent to the đảng ủy cơ sở (000 §II.B.1.5, §II.B.3.5)."""
    unit = r.unit
    section = unit.sub_unit(r.subject) if r.subject else None
    if section is not None:
        ratings = tuple(ratings_under(unit, section.code, ratings))
    if not ratings:
        return None
    groups = catalogue().groups(kind.grades)
    rows = []
    for rating in ratings:
        grades = unit.grades_for(kind.grades, rating.subject)
        rows.append({"name": rating.name, "rating": rating,
                     "counts": grade_counts(grades) if grades else {},
                     "allowed": allowed_level(groups, grades).full_name if grades else ""})
    what = kind.of_base if section is None else kind.of_section
    subject = f"kết quả tự đánh giá {what} năm {unit.year}"
    if section is None:
        who = "Văn phòng Đảng ủy"
        variants = ("co_dang_bo_bo_phan",) if _has_sections(unit) else ()
        doc = doc_info(r, "BẢN TỔNG HỢP", subject, (unit.parent_body,), variants, wide=True)
    else:
        who = section.name
        doc = doc_info(r, "BẢN TỔNG HỢP", subject, (), ("dang_bo_bo_phan",),
                       issuer=section.name, wide=True, cell=section.code)
    intro = (f"{who} tổng hợp kết quả {kind.grid} của các {what} và kết quả biểu quyết của "
             f"Ban Chấp hành {unit.name}:")
    return {"doc": doc, "rows": rows, "what": what.capitalize(), "intro": intro}


def _sub_unit_summary(r: FormRequest) -> dict[str, Any] | None:
    return _sub_summary(r, ORGANISATIONS, r.a.sub_units)


def _sub_committee_summary(r: FormRequest) -> dict[str, Any] | None:
    return _sub_summary(r, COMMITTEES, r.a.sub_committees)


def _sub_unit_award(r: FormRequest) -> dict[str, Any] | None:
    rows = [x for x in r.a.sub_units if x.level is Level.HTXSNV]
    if not rows:
        return None
    return decision(r, "về việc khen thưởng tổ chức đảng trực thuộc hoàn thành xuất sắc "
                    f"nhiệm vụ năm {r.unit.year}", "Điều 2", rows=rows)


# --- the forms of Quy định 366 / Hướng dẫn 43 --------------------------------------------------


def _task_note(rating: Rating) -> str:
    entry = rating.score
    if entry is None:
        return note_for(rating) or "chưa có điểm"
    s = entry.sheet
    tasks = (f"{s.done}/{s.tasks} nhiệm vụ hoàn thành, {s.on_time} đúng hạn, "
             f"{s.exceeded} vượt yêu cầu")
    note = note_for(rating)
    return f"{tasks}; {note}" if note else tasks


def _score_summary(r: FormRequest, committees: bool) -> dict[str, Any] | None:
    """Items (3) and (5) under Quy định 366: the collectives' scores."""
    unit, a = r.unit, r.a
    if committees:
        ratings = ((a.committee,) if a.committee else ()) + a.sub_committees
        what = "các tập thể cấp ủy" if a.sub_committees else "tập thể cấp ủy"
    else:
        ratings = (a.organisation, *a.sub_units)
        what = "các tổ chức đảng" if a.sub_units else "tổ chức đảng"
    if not any(x.score for x in ratings):
        return None
    rows = [Row(i, x.subject, x.name, "", x, _task_note(x))
            for i, x in enumerate(ratings, start=1)]
    subject = f"kết quả chấm điểm, đánh giá {what} năm {unit.year}"
    return {"doc": doc_info(r, "BẢN TỔNG HỢP", subject, (unit.parent_body,), wide=True),
            "rows": rows, "what": what, "deciding_body": deciding_body(unit)}


def _organisation_scores(r: FormRequest) -> dict[str, Any] | None:
    return _score_summary(r, committees=False)


def _committee_scores(r: FormRequest) -> dict[str, Any] | None:
    return _score_summary(r, committees=True)


def _self_assessment(r: FormRequest) -> dict[str, Any] | None:
    """Mẫu 05: one page per member; blank when handed out, else those with a score."""
    unit = r.unit
    if r.handout:
        members = reviewed_members(unit, r.subject, r.profile.rules)
    else:
        members = [m for m in unit.members if unit.score_for(m.code)]
    if not members:
        return None
    people = [_self_assessment_sheet(r, member) for member in members]
    period = f"Năm {unit.year}" if r.quarter is None else \
        f"{QuarterScore.name_of(r.quarter)} năm {unit.year}"
    doc = doc_info(r, "BẢN TỰ ĐÁNH GIÁ, XẾP LOẠI", f"của cá nhân, {period.lower()}", (),
                   numbered=False)
    return {"doc": doc, "people": people, "period": period}


def _self_assessment_sheet(r: FormRequest, member: Member) -> dict[str, Any]:
    """One member's Mẫu 05: for the year, the quarters it rests on; for a quarter, that
    quarter's row of tu-danh-gia-quy (blank without one)."""
    unit = r.unit
    sheet = _person_sheet(r, member, None)
    if r.quarter is not None:
        row = next((q for q in unit.quarters_of(member.code) if q.quarter == r.quarter), None)
        sheet["part_b"] = quarter_part_b(r.profile, member_kind(unit, member), row)
        sheet["tasks"], sheet["quarters"], sheet["quarters_mean"] = "", [], ""
        return sheet
    quarters = () if r.handout else unit.quarters_of(member.code)
    sheet["quarters"] = [_quarter_row(q) for q in quarters]
    mean = mean_total(quarters)
    sheet["quarters_mean"] = points(mean) if mean is not None else ""
    return sheet


def _quarter_row(q: QuarterScore) -> dict[str, str]:
    return {"name": q.name, "general": points(q.general), "results": points(q.results),
            "total": points(q.total), "level": q.level.full_name if q.level else ""}


def _rerating(r: FormRequest) -> dict[str, Any] | None:
    """Mẫu 03: the decision to re-rate (don-vi.yaml xep_loai_lai)."""
    unit = r.unit
    if not unit.reratings:
        return None
    rows = [{"name": unit.member(x.member).name, "post": unit.member(x.member).post,
             "old": x.old.full_name, "new": x.new.full_name, "reason": x.reason}
            for x in unit.reratings]
    return decision(r, f"về việc xếp loại lại chất lượng đảng viên năm {unit.year}", "Điều 2",
                    rows=rows)


def _checklist(r: FormRequest) -> dict[str, Any]:
    """Mẫu 04: what the dossier holds for each item of the checklist."""
    unit, profile = r.unit, r.profile
    rows = [{"item": f"({item.item})", "title": item.title_for(unit.year),
             "status": _item_status(r, item, None)} for item in profile.organisation]
    for code in unit.leaders:
        member = unit.member(code)
        rows.append({"item": "", "title": f"Hồ sơ cá nhân đồng chí {member.name}", "status": ""})
        rows.extend({"item": f"({item.item})", "title": item.title_for(unit.year),
                     "status": _item_status(r, item, code)} for item in profile.personal)
    subject = f"hồ sơ kiểm điểm, đánh giá, xếp loại chất lượng năm {unit.year}"
    return {"doc": doc_info(r, "DANH MỤC", subject, ()), "rows": rows}


def _item_status(r: FormRequest, item: ChecklistItem, person: str | None) -> str:
    unit = r.unit
    absent = item.absent_reason(unit.kind.value, r.a.someone_htxsnv, dict(unit.absent_items))
    if absent is not None:
        return f"Không áp dụng: {absent}"
    if unit.attachments_for(item.item, person):
        return "Có (bản quét)"
    if item.form and "generated" in item.sources and item.form in BUILDERS \
            and BUILDERS[item.form](FormRequest(unit, r.a, r.profile, item.form, person)):
        return "Có"
    return f"Không áp dụng: {item.not_applicable}" if item.if_any else "Còn thiếu"


def _minutes(r: FormRequest) -> dict[str, Any]:
    subject = f"hội nghị kiểm điểm, đánh giá, xếp loại chất lượng năm {r.unit.year}"
    return {"doc": doc_info(r, "BIÊN BẢN", subject, (), numbered=False),
            "meeting": minutes(r.unit, r.a, r.profile, r.handout),
            "review_day": date_words(r.unit.review_date)}


BUILDERS: dict[str, Builder] = {
    "bien-ban-hoi-nghi": _minutes,
    "to-trinh-xep-loai": _to_trinh,
    "tong-hop-phieu-cap-uy-vien": _committee_tally,
    "qd-xep-loai-dang-vien": _member_decision,
    "qd-xep-loai-to-chuc-truc-thuoc": _sub_units,
    "qd-xep-loai-cap-uy-truc-thuoc": _sub_committees,
    "qd-xep-loai-cap-uy-vien-truc-thuoc": _sub_committee_members,
    "qd-khen-thuong-dang-vien": _award,
    "ds-can-bo-lanh-dao": _leaders,
    "bao-cao-kiem-diem-tap-the": _collective_report,
    "cham-diem-to-chuc": _organisation_grid,
    "cham-diem-cap-uy": _committee_grid,
    "ban-kiem-diem-ca-nhan": _personal_review,
    "tieu-chi-dang-vien": _criteria_sheet,
    "tong-hop-y-kien": _comments,
    "phieu-bieu-quyet-dang-vien": _member_ballot,
    "phieu-bieu-quyet-cap-uy-vien": _committee_ballot,
    "phieu-xin-y-kien-noi-cu-tru": _residence_requests,
    "ds-phieu-dang-vien-chi-bo": _cell_member_list,
    "ds-phieu-cap-uy-vien-chi-bo": _cell_committee_list,
    "tong-hop-cham-diem-truc-thuoc": _sub_unit_summary,
    "tong-hop-cap-uy-truc-thuoc": _sub_committee_summary,
    "qd-khen-thuong-to-chuc-truc-thuoc": _sub_unit_award,
    "tong-hop-diem-to-chuc": _organisation_scores,
    "tong-hop-diem-cap-uy": _committee_scores,
    "tu-danh-gia-ca-nhan": _self_assessment,
    "qd-xep-loai-lai": _rerating,
    "danh-muc-ho-so": _checklist,
}
