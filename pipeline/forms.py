"""Turn a Unit and its Assessment into the generated forms: one FormDoc per form.

Each form id has one context builder here; the template (templates/mau/<form id>.html)
is data. The same context feeds the PDF and the DOCX, so the two never disagree.
Which forms a dossier needs, and the label printed on each, come from the profile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pipeline.levels import LEVELS, Level
from pipeline.model import Member, Signatory, Unit, UnitType
from pipeline.profiles import Profile
from pipeline.rules import Assessment, Rating, RatingStatus
from pipeline.vntext import date_words, header_date, number, short_date


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


@dataclass(frozen=True)
class FormDoc:
    form: str
    item: str
    title: str
    template: str
    context: Mapping[str, Any]

    @property
    def file_stem(self) -> str:
        return f"muc-{int(self.item):02d}-{self.form}"


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


Builder = Callable[[Unit, Assessment, Profile, str], dict[str, Any]]


def build_form(form: str, item: str, title: str, unit: Unit, a: Assessment,
               profile: Profile) -> FormDoc:
    context = BUILDERS[form](unit, a, profile, form)
    context.update(unit=unit, a=a, profile=profile)
    return FormDoc(form, item, title, f"{form}.html", MappingProxyType(context))


# --- shared pieces ----------------------------------------------------------------------


def _is_base(unit: Unit) -> bool:
    return unit.kind is UnitType.CHI_BO_CO_SO


def committee_name(unit: Unit) -> str:
    if _is_base(unit):
        return f"Chi ủy {unit.name}"
    return f"Ban Chấp hành {unit.name}"


def deciding_body(unit: Unit) -> str:
    return unit.name if _is_base(unit) else f"Ban Chấp hành {unit.name}"


def executors(unit: Unit) -> str:
    return "Chi ủy" if _is_base(unit) else "Văn phòng Đảng ủy, các chi bộ trực thuộc"


def _keep(unit: Unit) -> str:
    return "Lưu Chi bộ" if _is_base(unit) else "Lưu Văn phòng Đảng ủy"


def doc_info(unit: Unit, profile: Profile, form: str, doc_type: str, subject: str,
             recipients: tuple[str, ...]) -> DocInfo:
    ref = unit.document(form)
    issued = ref.issued if ref else unit.review_date
    return DocInfo(
        title=f"{doc_type.capitalize()} {subject}",
        label=profile.label(form, unit.kind.value),
        number=ref.number if ref else f"     -/{unit.code}",
        header_date=header_date(unit.place, issued),
        date_words=date_words(issued),
        doc_type=doc_type,
        subject=subject,
        recipients=(*recipients, *unit.recipients, _keep(unit)),
        signatory=unit.signatory,
    )


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


# --- one builder per form ---------------------------------------------------------------


def _to_trinh(unit: Unit, a: Assessment, profile: Profile, form: str) -> dict[str, Any]:
    year = unit.year
    subject = ("đề nghị xếp loại chất lượng tổ chức cơ sở đảng, tập thể cấp ủy "
               f"và cá nhân cấp ủy viên năm {year}")
    rows = []
    for rating in a.committee_members:
        member = unit.member(rating.subject)
        rows.append({
            "name": member.name,
            "post": f"{role_label(member, _cell_names(unit))}; {member.post}".strip("; "),
            "notation": rating.result.cumulative_notation() if rating.result else "",
            "label": rating.label,
        })
    return {
        "doc": doc_info(unit, profile, form, "TỜ TRÌNH", subject, ("Như trên",)),
        "committee_name": committee_name(unit),
        "committee_rows": rows,
        "summary": summary(a.members),
        "findings": a.errors,
    }


def _committee_tally(unit: Unit, a: Assessment, profile: Profile, form: str
                     ) -> dict[str, Any]:
    subject = f"kết quả bỏ phiếu xếp loại chất lượng cá nhân cấp ủy viên năm {unit.year}"
    names = _cell_names(unit)
    rows = [Row(i, r.subject, r.name, role_label(unit.member(r.subject), names), r,
                note_for(r)) for i, r in enumerate(a.committee_members, start=1)]
    return {
        "doc": doc_info(unit, profile, form, "BẢN TỔNG HỢP", subject, (unit.parent_body,)),
        "committee_body": committee_name(unit),
        "rows": rows,
    }


def _member_decision(unit: Unit, a: Assessment, profile: Profile, form: str
                     ) -> dict[str, Any]:
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
            rows.append(Row(index, member.code, member.name, member.post, rating,
                            note_for(rating) or ("Dự bị" if not member.official else "")))
        groups.append(Group(names.get(cell or "", ""), tuple(rows)))
    return {
        "doc": doc_info(unit, profile, form, "QUYẾT ĐỊNH", subject,
                        (unit.parent_body + " (để báo cáo)", "Như Điều 3")),
        "deciding_body": deciding_body(unit),
        "executors": executors(unit),
        "groups": groups,
        "summary": summary(a.members),
        "list_label": profile.label("ds-phieu-dang-vien", unit.kind.value),
    }


def _collectives(unit: Unit, a: Assessment, profile: Profile, form: str,
                 ratings: tuple[Rating, ...], what: str, subject: str) -> dict[str, Any]:
    rows = [Row(i, r.subject, r.name, "", r, note_for(r))
            for i, r in enumerate(ratings, start=1)]
    return {
        "doc": doc_info(unit, profile, form, "QUYẾT ĐỊNH", subject,
                        (unit.parent_body + " (để báo cáo)", "Như Điều 2")),
        "deciding_body": deciding_body(unit),
        "executors": executors(unit),
        "rows": rows,
        "what": what,
    }


def _sub_units(unit: Unit, a: Assessment, profile: Profile, form: str) -> dict[str, Any]:
    return _collectives(unit, a, profile, form, a.sub_units, "tổ chức đảng trực thuộc",
                        f"về việc xếp loại chất lượng tổ chức đảng trực thuộc năm {unit.year}")


def _sub_committees(unit: Unit, a: Assessment, profile: Profile, form: str
                    ) -> dict[str, Any]:
    return _collectives(unit, a, profile, form, a.sub_committees, "tập thể cấp ủy trực thuộc",
                        f"về việc xếp loại chất lượng tập thể cấp ủy trực thuộc năm {unit.year}")


def _sub_committee_members(unit: Unit, a: Assessment, profile: Profile, form: str
                           ) -> dict[str, Any]:
    subject = f"về việc xếp loại chất lượng cấp ủy viên trực thuộc năm {unit.year}"
    names = _cell_names(unit)
    groups = []
    index = 0
    for sub in unit.sub_units:
        rows = []
        for cell, rating in a.cell_committee_members:
            if cell == sub.code:
                index += 1
                member = unit.member(rating.subject)
                rows.append(Row(index, member.code, member.name,
                                role_label(member, names) if member.base_role is None
                                else f"{member.cell_role.label if member.cell_role else ''} "
                                     f"{sub.name}", rating, note_for(rating)))
        groups.append(Group(sub.name, tuple(rows)))
    return {
        "doc": doc_info(unit, profile, form, "QUYẾT ĐỊNH", subject,
                        (unit.parent_body + " (để báo cáo)", "Như Điều 2")),
        "deciding_body": deciding_body(unit),
        "executors": executors(unit),
        "groups": groups,
        "count": index,
    }


def _award(unit: Unit, a: Assessment, profile: Profile, form: str) -> dict[str, Any]:
    subject = f"về việc khen thưởng đảng viên hoàn thành xuất sắc nhiệm vụ năm {unit.year}"
    names = _cell_names(unit)
    rows: list[Row] = []
    for member, rating in zip(unit.members, a.members, strict=True):
        if rating.level is Level.HTXSNV:
            rows.append(Row(len(rows) + 1, member.code, member.name, member.post, rating,
                            cell=names.get(member.cell or "", "")))
    ref = unit.document("qd-xep-loai-dang-vien")
    decision = (f"{ref.number} ngày {short_date(ref.issued)} của {deciding_body(unit)}"
                if ref else f"…/{unit.code} của {deciding_body(unit)}")
    return {
        "doc": doc_info(unit, profile, form, "QUYẾT ĐỊNH", subject,
                        (unit.parent_body + " (để báo cáo)", "Như Điều 2")),
        "deciding_body": deciding_body(unit),
        "executors": executors(unit),
        "rows": rows,
        "with_cells": not _is_base(unit),
        "rating_decision": decision,
    }


def _leaders(unit: Unit, a: Assessment, profile: Profile, form: str) -> dict[str, Any]:
    names = _cell_names(unit)
    rows = []
    for i, code in enumerate(unit.leaders, start=1):
        member = unit.member(code)
        rows.append(Row(i, code, member.name, member.post, a.member(code),
                        role=role_label(member, names)))
    subject = f"cán bộ lãnh đạo, quản lý có hồ sơ cá nhân năm {unit.year}"
    return {"doc": doc_info(unit, profile, form, "DANH SÁCH", subject, ()), "rows": rows}


BUILDERS: dict[str, Builder] = {
    "to-trinh-xep-loai": _to_trinh,
    "tong-hop-phieu-cap-uy-vien": _committee_tally,
    "qd-xep-loai-dang-vien": _member_decision,
    "qd-xep-loai-to-chuc-truc-thuoc": _sub_units,
    "qd-xep-loai-cap-uy-truc-thuoc": _sub_committees,
    "qd-xep-loai-cap-uy-vien-truc-thuoc": _sub_committee_members,
    "qd-khen-thuong-dang-vien": _award,
    "ds-can-bo-lanh-dao": _leaders,
}
