"""Turn a loaded Unit into an Assessment: every rating it contains and every violation.

Ratings come from the ballots (pipeline.tally) and the head's decisions; the engine then
checks them against domain.md §5 (1–9) with the parameters of the profile and reports each
violation as a Finding naming the rule, the subject, the numbers and the source section.
It never changes a rating: a forbidden rating stays, and is reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from functools import cached_property

from pipeline.content import allowed_level, catalogue
from pipeline.levels import NOT_CLASSIFIED, Level
from pipeline.model import (
    Activity,
    Ballot,
    Member,
    Role,
    ScoreEntry,
    Subject,
    Unit,
    UnitType,
    first_by,
)
from pipeline.profiles import Profile, RuleParams
from pipeline.quarters import departure
from pipeline.scoring import Kind, ScoreOutcome, classify, points
from pipeline.tally import TallyResult, TallyStatus, decide, tally
from pipeline.vntext import number, short_date


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"


class RatingStatus(Enum):
    CLASSIFIED = "classified"
    NOT_CLASSIFIED = "not_classified"  # reviewed but not classified (§5.6)
    NOT_REVIEWED = "not_reviewed"  # exempt or suspended (§5.6)
    UNDECIDED = "undecided"  # no ballot, invalid ballot or head's decision missing


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    subject: str
    message: str
    source: str

    def line(self) -> str:
        tag = "LỖI" if self.severity is Severity.ERROR else "LƯU Ý"
        return f"[{tag}] {self.subject}: {self.message} ({self.source})"


@dataclass(frozen=True)
class Rating:
    """The rating of one person or collective, with the tally it came from."""

    subject: str  # member code, sub-unit code, or "" for the base organisation
    name: str
    status: RatingStatus
    level: Level | None = None
    reason: str = ""
    result: TallyResult | None = None
    head_decided: bool = False
    score: ScoreEntry | None = None  # the score it came from (Quy định 366)
    outcome: ScoreOutcome | None = None  # what Điều 11 made of that score

    @property
    def label(self) -> str:
        if self.level is not None:
            return self.level.full_name
        if self.status is RatingStatus.UNDECIDED:
            return "Chưa quyết định"
        return NOT_CLASSIFIED


@dataclass(frozen=True)
class Assessment:
    members: tuple[Rating, ...]  # party-member ratings, in the order of dang-vien
    committee_members: tuple[Rating, ...]  # base committee members (Mẫu 10 / 11)
    cell_committee_members: tuple[tuple[str, Rating], ...]  # (cell code, rating)
    organisation: Rating
    committee: Rating | None
    sub_units: tuple[Rating, ...]
    sub_committees: tuple[Rating, ...]
    findings: tuple[Finding, ...] = field(default=())

    def member(self, code: str) -> Rating:
        return self._members_by_code[code]

    @cached_property
    def _members_by_code(self) -> dict[str, Rating]:
        return first_by(self.members, lambda rating: rating.subject)

    def count(self, ratings: Iterable[Rating], level: Level) -> int:
        return sum(1 for r in ratings if r.level is level)

    @property
    def someone_htxsnv(self) -> bool:
        return any(r.level is Level.HTXSNV for r in self.members)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)


# --- sources, cited by name and section in every finding ---------------------------------
# The seeds (shared/seeds) are plans and guides of real party committees; a clerk reads
# their names, never our file codes. A profile may cite its own text per rule (citations:).
K41 = "Kế hoạch 41-KH/ĐUK"  # seed 000, Đảng ủy Khối Cơ quan và Doanh nghiệp, Huế, 2022
HD_HUYEN = "Hướng dẫn của Ban Thường vụ Huyện ủy (2023)"  # seed 001
KH_SGD = "Kế hoạch của Đảng ủy Sở Giáo dục và Đào tạo TP. Hồ Chí Minh (2023)"  # seed 002
HD01 = "Hướng dẫn 01-HD/BTCHU"  # seed 003
QD366 = "Quy định 366-QĐ/TW"
HD43 = "Hướng dẫn 43-HD/BTCTW"
SRC_TALLY = f"{HD_HUYEN}, mục III.6.14; {KH_SGD}, mục V.15–16"
SRC_CAP = f"{K41}, mục II.B.2.3; {HD_HUYEN}, mục III.1.3"
SRC_CAP_002 = f"{KH_SGD}, mục IV.1.3"
SRC_SMALL = f"{K41}, mục II.B.6; {HD_HUYEN}, mục III.6.11"
SRC_HEAD = f"{K41}, mục II.B.4; {HD_HUYEN}, mục III.6.9"
SRC_HEAD_NEW = f"{K41}, mục II.B.6"
SRC_COMMITTEE = f"{K41}, mục II.B.3.3"
SRC_CCVC = f"{K41}, mục II.B.2.3; {KH_SGD}, mục IV.3.4"
SRC_NOT_CLASSIFIED = f"{K41}, mục II.B.6; {HD_HUYEN}, mục III.6.3"
SRC_NOT_REVIEWED = f"{K41}, mục II.A.1.2"
SRC_SICK = f"{K41}, mục II.B.6; {HD01}, mục 5.8"
SRC_DISCIPLINE = f"{K41}, mục II.B.2.3; {HD_HUYEN}, mục III.2.3.d"
SRC_THRESHOLD = f"{K41}, mục II.B.1.3; {HD_HUYEN}, mục III.1.3"
SRC_GRADES = {"to_chuc": f"{K41}, mục II.B.1.3", "cap_uy": f"{K41}, mục II.B.3.3"}
SRC_SCORE = f"{QD366}, Điều 11"
SRC_ORDER = f"{QD366}, Điều 12; {HD43}"
SRC_QUARTERS = f"{QD366}, Điều 15.1"
# A rule of the earlier regimes that Quy định 366 and Hướng dẫn 43 do not state (the
# profile's diem_mo): reported for the competent level, citing no document that does not
# say it (docs/quy-dinh-366.md, "Điểm mở").
OPEN_NOTE = "điểm này Quy định 366 chưa quy định, cần cấp có thẩm quyền xem xét"
OPEN_SOURCE = f"không có trong {QD366} và {HD43}"
SRC_DISCIPLINE_366 = f"{QD366}, Điều 11; {HD43}"


class _Findings:
    """Collects findings; the profile may replace the default source of a rule."""

    def __init__(self, profile: Profile | None = None) -> None:
        self.items: list[Finding] = []
        self.profile = profile

    def is_open(self, rule: str) -> bool:
        return self.profile is not None and rule in self.profile.open_rules

    def _source(self, rule: str, source: str) -> str:
        return self.profile.cite(rule, source) if self.profile else source

    def error(self, rule: str, subject: str, message: str, source: str) -> None:
        """A finding that blocks; one of a rule the regime leaves open only warns."""
        if self.profile and rule in self.profile.open_rules:
            self.items.append(Finding(rule, Severity.WARNING, subject,
                                      f"{message}; {OPEN_NOTE}",
                                      self.profile.cite(rule, OPEN_SOURCE)))
            return
        self.items.append(Finding(rule, Severity.ERROR, subject, message,
                                  self._source(rule, source)))

    def warning(self, rule: str, subject: str, message: str, source: str) -> None:
        self.items.append(Finding(rule, Severity.WARNING, subject, message,
                                  self._source(rule, source)))


def assess(unit: Unit, profile: Profile) -> Assessment:
    """Every rating of the unit and every violation of domain.md §4–§5."""
    params = profile.rules
    out = _Findings(profile)
    members = tuple(_member_rating(unit, m, params, out) for m in unit.members)
    committee_members = tuple(
        _person_rating(unit, m, None, params, out, "cấp ủy viên")
        for m in unit.members if m.base_role is not None)
    cell_committee = tuple(
        (m.cell or "", _person_rating(unit, m, m.cell, params, out, "chi ủy viên"))
        for m in unit.members if m.cell_role is not None)
    organisation = _collective(unit, None, Subject.ORGANISATION, unit.name, unit.founded,
                               params, out)
    committee = (_collective(unit, None, Subject.COMMITTEE, f"Tập thể cấp ủy {unit.name}",
                             unit.founded, params, out) if unit.has_committee else None)
    sub_units = tuple(_collective(unit, s.code, Subject.ORGANISATION, s.name, s.founded,
                                  params, out) for s in unit.sub_units)
    sub_committees = tuple(
        _collective(unit, s.code, Subject.COMMITTEE, f"Chi ủy {s.name}", s.founded, params, out)
        for s in unit.sub_units if s.has_committee)
    assessment = Assessment(members, committee_members, cell_committee, organisation,
                            committee, sub_units, sub_committees)
    _check_member_conditions(unit, members, params, out)
    _check_caps(unit, assessment, params, out)
    _check_heads(unit, assessment, out)
    _check_thresholds(unit, assessment, out)
    _check_grades(unit, assessment, out)
    if params.check_order:
        _check_order(unit, out)
    if params.scored:
        _check_quarters(unit, params, out)
    return Assessment(members, committee_members, cell_committee, organisation, committee,
                      sub_units, sub_committees, tuple(out.items))


def _check_quarters(unit: Unit, params: RuleParams, out: _Findings) -> None:
    """The year's self-score rests on its quarters (Điều 15.1): one far from their mean
    needs a reason (quarters.departure; the gap is the profile's, a warning only)."""
    for member in unit.members:
        entry = unit.score_for(member.code)
        quarters = unit.quarters_of(member.code)
        if entry is None or not quarters or entry.quarters_reason.strip():
            continue
        why = departure(entry.self_total, quarters, params.score.quarter_gap)
        if why:
            out.warning("diem-quy", member.name, why, SRC_QUARTERS)


# --- ratings from ballots ---------------------------------------------------------------


def months_between(start: date, end: date) -> int:
    """Whole months from start to end (admitted 15/06, reviewed 14/12 → 5)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def under_review(member: Member, review_date: date, params: RuleParams) -> bool:
    """Reviewed this year (kiểm điểm): active, and, where the regime says a member admitted
    less than `min_months_to_classify` ago is not reviewed (Quy định 366, Điều 5:
    new_member = not_reviewed), a member that long."""
    if member.activity is not Activity.ACTIVE:
        return False
    return params.new_member != "not_reviewed" or \
        months_between(member.admitted, review_date) >= params.min_months_to_classify


def classifiable(member: Member, review_date: date, months: int) -> bool:
    """Reviewed and classified this year: active, and a member for `months` or more."""
    return (member.activity is Activity.ACTIVE
            and months_between(member.admitted, review_date) >= months)


def _member_rating(unit: Unit, member: Member, params: RuleParams, out: _Findings) -> Rating:
    ballot = unit.person_ballot(member.code, member.cell, committee=False)
    if member.activity is not Activity.ACTIVE:
        state = "miễn công tác và sinh hoạt đảng" if member.activity is Activity.EXEMPT \
            else "đình chỉ sinh hoạt đảng"
        if ballot:
            out.warning("khong-kiem-diem", member.name, f"đảng viên {state} không kiểm điểm, "
                        "không xếp loại nhưng vẫn có phiếu; phiếu không được tính",
                        SRC_NOT_REVIEWED)
        return Rating(member.code, member.name, RatingStatus.NOT_REVIEWED,
                      reason=f"{state}, không kiểm điểm, không xếp loại")
    months = months_between(member.admitted, unit.review_date)
    if months < params.min_months_to_classify:
        reason = (f"mới kết nạp ngày {short_date(member.admitted)}, chưa đủ "
                  f"{params.min_months_to_classify:02d} tháng")
        reviewed = params.new_member != "not_reviewed"
        reason += "" if reviewed else ", không kiểm điểm, không xếp loại"
        if ballot or (params.scored and unit.score_for(member.code)):
            out.warning("chua-du-6-thang", member.name, reason + "; có phiếu hoặc điểm nhưng "
                        "không được xếp loại", SRC_NOT_CLASSIFIED)
        status = RatingStatus.NOT_CLASSIFIED if reviewed else RatingStatus.NOT_REVIEWED
        return Rating(member.code, member.name, status, reason=reason)
    if params.scored:
        return _from_score(member.code, member.name, unit.score_for(member.code), ballot,
                           params, out, "đảng viên")
    return _from_ballot(member.code, member.name, ballot, out, "đảng viên")


def _person_rating(unit: Unit, member: Member, body: str | None, params: RuleParams,
                   out: _Findings, what: str) -> Rating:
    ballot = unit.person_ballot(member.code, body, committee=True)
    if member.activity is not Activity.ACTIVE:
        return Rating(member.code, member.name, RatingStatus.NOT_REVIEWED,
                      reason="không sinh hoạt đảng trong năm")
    appointed = member.appointed
    if appointed and months_between(appointed, unit.review_date) < params.min_months_to_classify:
        reason = (f"giữ chức vụ từ ngày {short_date(appointed)}, chưa đủ "
                  f"{params.min_months_to_classify:02d} tháng")
        if ballot:
            out.warning("chua-du-6-thang", member.name, reason + "; có phiếu nhưng không "
                        f"được xếp loại {what}", SRC_NOT_CLASSIFIED)
        return Rating(member.code, member.name, RatingStatus.NOT_CLASSIFIED, reason=reason)
    if params.scored:  # one score per person: their rating as a committee member too
        return _from_score(member.code, member.name, unit.score_for(member.code), ballot,
                           params, out, what)
    return _from_ballot(member.code, member.name, ballot, out, what)


def _collective(unit: Unit, code: str | None, subject: Subject, name: str,
                founded: date | None, params: RuleParams, out: _Findings) -> Rating:
    ballot = next((b.ballot for b in unit.collective_ballots
                   if b.unit == code and b.subject is subject), None)
    if founded and months_between(founded, unit.review_date) < params.min_months_to_classify:
        return Rating(code or "", name, RatingStatus.NOT_CLASSIFIED,
                      reason=f"mới thành lập ngày {short_date(founded)}, chưa đủ "
                             f"{params.min_months_to_classify:02d} tháng")
    if params.scored:
        entry = unit.score_for(code or "", collective=True,
                               committee=subject is Subject.COMMITTEE)
        rating = _from_score(code or "", name, entry, ballot, params, out, "tập thể")
        return _leadership_disciplined(unit, code, rating, out)
    return _from_ballot(code or "", name, ballot, out, "tập thể")


def _leadership_disciplined(unit: Unit, code: str | None, rating: Rating,
                            out: _Findings) -> Rating:
    """Điều 11: a collective is HTXSNV only if no member of its leadership (the committee
    of the base, or of the chi bộ `code`) was disciplined this year; then the score's
    HTXSNV becomes HTTNV, whose conditions it meets. A discipline the member found and
    remedied alone is left to the competent level: reported, the level kept."""
    if rating.level is not Level.HTXSNV:
        return rating
    leaders = [m for m in unit.members if m.discipline and (
        m.base_role is not None if code is None else m.cell == code and m.cell_role)]
    if not leaders:
        return rating
    names = ", ".join(f"{m.name} ({m.discipline})" for m in leaders)
    if all(m.discipline_self_remedied for m in leaders):
        out.warning("ky-luat-lanh-dao", rating.name, f"cấp ủy viên bị kỷ luật trong năm: "
                    f"{names}, vi phạm tự phát hiện, khắc phục; mức HTXSNV của tập thể do cấp "
                    "có thẩm quyền xem xét, quyết định", SRC_DISCIPLINE_366)
        return rating
    reason = f"không đủ điều kiện HTXSNV: cấp ủy viên bị kỷ luật trong năm ({names})"
    out.warning("ky-luat-lanh-dao", rating.name, f"điểm đạt mức HTXSNV nhưng {reason}; xếp "
                "HTTNV", SRC_DISCIPLINE_366)
    return replace(rating, level=Level.HTTNV, reason=reason)


def _from_score(code: str, name: str, entry: ScoreEntry | None, ballot: Ballot | None,
                params: RuleParams, out: _Findings, what: str) -> Rating:
    """The level by the score rule (Quy định 366, Điều 11); a vote, where the body still
    votes, must agree with it; an undetermined score waits for the competent level."""
    if entry is None:
        out.error("thieu-diem", name, f"chưa có điểm đánh giá {what} (bảng diem-danh-gia)",
                  SRC_SCORE)
        return Rating(code, name, RatingStatus.UNDECIDED, reason="chưa có điểm")
    outcome = classify(entry.sheet, params.score)
    level, reason = outcome.level, ""
    where = f"{entry.source.file} {entry.source.where}"
    if level is None and entry.decided is not None:
        level, reason = entry.decided, "cấp có thẩm quyền quyết định (điểm chưa xác định mức)"
    elif level is None:
        out.error("chua-xac-dinh", name, f"{points(outcome.total)} điểm nhưng chưa xác định "
                  f"được mức: {'; '.join(outcome.reasons)}. Ghi mức do cấp có thẩm quyền "
                  f"quyết định vào cột «Mức quyết định» ({where})", SRC_SCORE)
    elif entry.decided is not None and entry.decided is not level:
        out.error("khac-muc-theo-diem", name, f"cột «Mức quyết định» ghi {entry.decided.name} "
                  f"nhưng điểm và điều kiện xác định mức {level.name} ({where})", SRC_SCORE)
    result = tally(ballot.count) if ballot else None
    voted = decide(result, ballot.head_decision) if result and ballot else None
    if voted is not None and level is not None and voted is not level:
        out.error("bieu-quyet-khac-diem", name, f"biểu quyết xếp {voted.name} nhưng mức theo "
                  f"điểm là {level.name} ({where})", SRC_SCORE)
    status = RatingStatus.CLASSIFIED if level else RatingStatus.UNDECIDED
    if level is None:
        reason = "chưa xác định được mức theo điểm; chờ cấp có thẩm quyền quyết định"
    return Rating(code, name, status, level, reason, result=result, score=entry,
                  outcome=outcome)


def _from_ballot(code: str, name: str, ballot: Ballot | None, out: _Findings,
                 what: str) -> Rating:
    if ballot is None:
        out.error("thieu-phieu", name, f"chưa có phiếu biểu quyết xếp loại {what}", SRC_TALLY)
        return Rating(code, name, RatingStatus.UNDECIDED, reason="chưa có phiếu")
    result = tally(ballot.count)
    level = decide(result, ballot.head_decision)
    where = f"{ballot.source.file} {ballot.source.where}"
    if result.status is TallyStatus.INVALID:
        out.error("phieu-khong-hop-le", name, "không mức nào được trên 50% tổng số đảng viên "
                  f"chính thức ({ballot.count.total}) kể cả khi cộng dồn: kết quả không hợp lệ, "
                  f"cần bỏ phiếu lại ({where})", SRC_TALLY)
    elif result.status is TallyStatus.HEAD_DECIDES and level is None:
        a, b = result.candidates
        given = f"; đã ghi «{ballot.head_decision.name}»" if ballot.head_decision else ""
        out.error("nguoi-dung-dau-quyet-dinh", name, f"số phiếu chia đôi: {a.name} và {b.name} "
                  f"mỗi bên một nửa; người đứng đầu phải chọn một trong hai mức{given} "
                  f"({where})", SRC_TALLY)
    elif result.status is TallyStatus.OK and ballot.head_decision is not None:
        out.warning("quyet-dinh-thua", name, "phiếu đã quyết định được mức xếp loại; quyết "
                    f"định của người đứng đầu bị bỏ qua ({where})", SRC_TALLY)
    status = RatingStatus.CLASSIFIED if level else RatingStatus.UNDECIDED
    return Rating(code, name, status, level, result=result,
                  head_decided=result.status is TallyStatus.HEAD_DECIDES and level is not None)


# --- §5.5, §5.7, §5.8: conditions on one member ------------------------------------------


def _check_member_conditions(unit: Unit, ratings: Sequence[Rating], params: RuleParams,
                             out: _Findings) -> None:
    for member, rating in zip(unit.members, ratings, strict=True):
        level = rating.level
        if level is None:
            continue
        if member.ccvc_rating and level.above(member.ccvc_rating):
            out.error("khong-cao-hon-ccvc", member.name, f"xếp loại đảng viên {level.name} cao "
                      f"hơn xếp loại công chức, viên chức {member.ccvc_rating.name}", SRC_CCVC)
        sick = member.sick_leave_months
        if (params.sick_leave_rule == "cap_htnv" and sick >= params.sick_leave_months
                and level.at_least(Level.HTTNV)):
            out.error("nghi-om", member.name, f"nghỉ ốm {number(sick, 1)} tháng (từ "
                      f"{number(params.sick_leave_months)} tháng trở lên) nên không được xếp "
                      f"{level.name}; cao nhất là HTNV", SRC_SICK)
        leave = sick >= params.sick_leave_months or member.maternity_leave
        if params.sick_leave_rule == "actual_results" and leave:
            why = "nghỉ thai sản" if member.maternity_leave and sick < params.sick_leave_months \
                else f"nghỉ ốm {number(sick, 1)} tháng"
            out.warning("nghi-om", member.name, f"{why} trong năm: mức {level.name} phải căn "
                        "cứ kết quả làm việc thực tế trong năm; chương trình không tự hạ mức, "
                        "cấp ủy xem xét lại", SRC_SICK)
        if member.discipline and params.scored and level is not Level.KHTNV:
            _discipline_for_review(member, level, out)
        elif member.discipline and not member.discipline_self_remedied \
                and level is not Level.KHTNV:
            out.error("ky-luat", member.name, f"bị kỷ luật trong năm ({member.discipline}) nên "
                      f"phải xếp KHTNV, không phải {level.name}", SRC_DISCIPLINE)


def _discipline_for_review(member: Member, level: Level, out: _Findings) -> None:
    """Quy định 366, Điều 11: discipline lowers to KHTNV when it concerns the member's
    duties; a violation found and remedied by oneself, force majeure, or an earlier
    year's violation disciplined this year are for the competent level: reported, not
    decided (the score table's Kỷ luật column is what the rule reads)."""
    remedied = "; đảng viên đã tự phát hiện, tự khắc phục" \
        if member.discipline_self_remedied else ""
    out.warning("ky-luat", member.name, f"bị kỷ luật trong năm ({member.discipline}){remedied}"
                f" nhưng xếp {level.name}: kỷ luật vì vi phạm khi thực hiện chức trách, nhiệm "
                "vụ thì xếp KHTNV (ghi vào cột «Kỷ luật» của bảng điểm); vi phạm tự phát hiện, "
                "tự khắc phục, do bất khả kháng hoặc của năm trước mới bị kỷ luật năm nay thì "
                "cấp có thẩm quyền xem xét, quyết định", SRC_DISCIPLINE_366)


# --- §5.1, §5.2: the 20 % cap in each comparison group ----------------------------------


def ratings_under(unit: Unit, parent: str | None, ratings: Sequence[Rating]) -> list[Rating]:
    """The ratings of the organisations directly under the base (None) or under one đảng
    bộ bộ phận: the subordinate organisations of one đảng bộ (domain.md §5.1)."""
    codes = {s.code for s in unit.children_of(parent)}
    return [r for r in ratings if r.subject in codes]


def member_kind(unit: Unit, member: Member) -> Kind:
    """The group of similar role a member is scored in (the score table's Đối tượng, else
    leader for anyone with a committee post or a personal set)."""
    entry = unit.score_for(member.code)
    if entry is not None:
        return entry.kind
    manager = member.base_role or member.cell_role or member.code in unit.leaders
    return Kind.LEADER if manager else Kind.INDIVIDUAL


def member_cap_groups(unit: Unit, ratings: Sequence[Rating], params: RuleParams
                      ) -> list[tuple[str, list[Rating]]]:
    """The comparison groups of the 20 % cap among members: one, or one per role
    (Quy định 366: "trong nhóm có cùng vị trí, vai trò")."""
    if params.cap_groups != "by_kind":
        return [("", list(ratings))]
    groups: dict[Kind, list[Rating]] = {}
    for member, rating in zip(unit.members, ratings, strict=True):
        groups.setdefault(member_kind(unit, member), []).append(rating)
    return [(kind.value, groups[kind]) for kind in Kind if kind in groups]


def _check_caps(unit: Unit, a: Assessment, params: RuleParams, out: _Findings) -> None:
    if unit.cap_ratio is not None:
        params = replace(params, cap_ratio=unit.cap_ratio)
    for kind, ratings in member_cap_groups(unit, a.members, params):
        suffix = f" ({Kind(kind).label.lower()})" if kind else ""
        _cap(f"đảng viên {unit.name}{suffix}", ratings, params, out)
    _cap(f"cấp ủy viên {unit.name}", a.committee_members, params, out)
    if unit.kind is not UnitType.DANG_BO_CO_SO:
        return
    groups = [(None, ""), *((s.code, f" {s.name}") for s in unit.sections_with_cells)]
    for parent, suffix in groups:
        _cap(f"tổ chức đảng trực thuộc{suffix}", ratings_under(unit, parent, a.sub_units),
             params, out)
        _cap(f"tập thể cấp ủy trực thuộc{suffix}",
             ratings_under(unit, parent, a.sub_committees), params, out)
    _cap("cấp ủy viên trực thuộc", [r for _, r in a.cell_committee_members], params, out)


def cap_violation(excellent: int, good: int, others_below_good: int,
                  params: RuleParams) -> str | None:
    """Why `excellent` HTXSNV is too many beside `good` HTTNV, or None (pure, testable)."""
    if excellent == 0:
        return None
    base = good + excellent if params.cap_base == "httnv_or_above" else good
    if excellent <= params.cap_ratio * base + 1e-9:
        return None
    small = good < params.small_group_size
    if small and excellent == 1:
        if not params.small_group_requires_all_httnv or others_below_good == 0:
            return None
        return (f"nhóm dưới {params.small_group_size} người HTTNV chỉ được chọn 01 HTXSNV khi "
                f"100% xếp loại HTTNV trở lên; ở đây có {others_below_good} dưới HTTNV")
    base_name = "HTTNV trở lên" if params.cap_base == "httnv_or_above" else "HTTNV"
    limit = number(params.cap_ratio * base, 2)
    extra = (f"; nhóm dưới {params.small_group_size} HTTNV chỉ được 01 HTXSNV"
             if small else "")
    return (f"{excellent} HTXSNV > {number(params.cap_ratio * 100)}% × {base} {base_name} = "
            f"{limit}{extra}")


def _cap(group: str, ratings: Sequence[Rating], params: RuleParams, out: _Findings) -> None:
    levels = [r.level for r in ratings if r.level is not None]
    excellent = levels.count(Level.HTXSNV)
    good = levels.count(Level.HTTNV)
    below = sum(1 for lv in levels if not lv.at_least(Level.HTTNV))
    reason = cap_violation(excellent, good, below, params)
    if excellent == 1 and good < params.small_group_size and out.is_open("nhom-duoi-5"):
        # Quy định 366 counts 20 % only; the one HTXSNV of a small group is the old rule's
        strict = cap_violation(1, good, below, replace(params, small_group_size=0))
        reason = reason or (f"{strict}; chỉ quy tắc «nhóm dưới {params.small_group_size} "
                            "người được 01 HTXSNV» của chế độ trước cho phép" if strict else None)
    if not reason:
        return
    source = SRC_CAP_002 if params.cap_base == "httnv_or_above" else SRC_CAP
    # the seeds' "fewer than 5: one HTXSNV" is a rule of its own, open under Quy định 366
    small = excellent == 1 and good < params.small_group_size
    out.error("nhom-duoi-5" if small else "gioi-han-20", group, reason, f"{source}; {SRC_SMALL}")


# --- Quy định 366, Điều 12: the order of work, read from the documents' dates ----------------

# (earlier, later, why): the members and the lower levels are decided before the
# organisation, the collective before its head, lower before higher.
ORDER = (
    ("qd-xep-loai-dang-vien", "to-trinh-xep-loai",
     "xếp loại đảng viên trước khi đề nghị xếp loại tổ chức"),
    ("qd-xep-loai-to-chuc-truc-thuoc", "to-trinh-xep-loai",
     "xếp loại tổ chức đảng trực thuộc trước tổ chức cơ sở đảng"),
    ("qd-xep-loai-dang-vien", "qd-xep-loai-to-chuc-truc-thuoc",
     "xếp loại đảng viên trước tổ chức đảng trực thuộc"),
    ("qd-xep-loai-cap-uy-truc-thuoc", "qd-xep-loai-cap-uy-vien-truc-thuoc",
     "xếp loại tập thể cấp ủy trước cá nhân cấp ủy viên"),
)


def _check_order(unit: Unit, out: _Findings) -> None:
    for earlier, later, why in ORDER:
        first, second = unit.document(earlier), unit.document(later)
        if first and second and first.issued > second.issued:
            out.error("thu-tu", unit.name, f"văn bản {second.number} ngày "
                      f"{short_date(second.issued)} lại sớm hơn {first.number} ngày "
                      f"{short_date(first.issued)}; phải {why}", SRC_ORDER)
    for key, ref in unit.documents:
        if key.startswith(("qd-", "to-trinh")) and ref.issued < unit.review_date:
            out.error("thu-tu", unit.name, f"văn bản {ref.number} ngày {short_date(ref.issued)}"
                      f" sớm hơn ngày hội nghị đánh giá {short_date(unit.review_date)}",
                      SRC_ORDER)


# --- §5.3, §5.4: the head not above the body, the committee not above the organisation --


def _check_heads(unit: Unit, a: Assessment, out: _Findings) -> None:
    body = a.committee if a.committee is not None else a.organisation
    for rating in a.committee_members:
        member = unit.member(rating.subject)
        if member.base_role is Role.SECRETARY:
            _not_above(rating, body, member, out)
    if a.committee is not None:
        _committee_not_above(a.committee, a.organisation, out)
    orgs = {r.subject: r for r in a.sub_units}
    committees = {r.subject: r for r in a.sub_committees}
    for cell, rating in a.cell_committee_members:
        member = unit.member(rating.subject)
        cell_body = committees.get(cell) or orgs.get(cell)
        if member.cell_role is Role.SECRETARY and cell_body is not None:
            _not_above(rating, cell_body, member, out)
    for code, committee in committees.items():
        if code in orgs:
            _committee_not_above(committee, orgs[code], out)


def _not_above(head: Rating, body: Rating, member: Member, out: _Findings) -> None:
    if head.level is None or body.level is None or not head.level.above(body.level):
        return
    if member.transferred_in:
        out.warning("bi-thu-khong-cao-hon", head.name, f"bí thư xếp {head.level.name} cao hơn "
                    f"{body.name} ({body.level.name}); được miễn vì mới chuyển đến, không liên "
                    "quan đến kết quả của tập thể", SRC_HEAD_NEW)
        return
    out.error("bi-thu-khong-cao-hon", head.name, f"bí thư xếp {head.level.name} cao hơn "
              f"{body.name} ({body.level.name})", SRC_HEAD)


def _committee_not_above(committee: Rating, organisation: Rating, out: _Findings) -> None:
    if committee.level and organisation.level and committee.level.above(organisation.level):
        out.error("cap-uy-khong-cao-hon", committee.name, f"tập thể cấp ủy xếp "
                  f"{committee.level.name} cao hơn tổ chức đảng {organisation.name} "
                  f"({organisation.level.name})", SRC_COMMITTEE)


# --- §5.9: the organisation's level against its members or subordinate organisations ---


def threshold_violation(level: Level, levels: Sequence[Level], of_what: str) -> str | None:
    """Why an organisation cannot have `level` given its constituents' levels, or None."""
    n = len(levels)
    if n == 0:
        return None
    at_least_htnv = sum(1 for lv in levels if lv.at_least(Level.HTNV))
    at_least_httnv = sum(1 for lv in levels if lv.at_least(Level.HTTNV))
    failed = n - at_least_htnv
    if 5 * failed > n and level is not Level.KHTNV:
        return (f"{failed}/{n} {of_what} KHTNV, trên 20% nên tổ chức phải xếp KHTNV, không "
                f"phải {level.name}")
    need = {Level.HTXSNV: 80, Level.HTTNV: 50}.get(level)
    if need is None:
        return None
    if at_least_htnv < n:
        return (f"xếp {level.name} cần 100% {of_what} từ HTNV trở lên; có {failed}/{n} KHTNV")
    if 100 * at_least_httnv < need * n:
        share = number(round(at_least_httnv * 100 / n, 2), 2)
        return (f"xếp {level.name} cần ít nhất {need}% {of_what} từ HTTNV trở lên; chỉ có "
                f"{at_least_httnv}/{n} = {share}%")
    return None


def _check_thresholds(unit: Unit, a: Assessment, out: _Findings) -> None:
    if unit.kind is UnitType.CHI_BO_CO_SO:
        constituents = [r.level for r in a.members if r.level]
        of_what = "đảng viên"
    else:
        constituents = [r.level for r in ratings_under(unit, None, a.sub_units) if r.level]
        of_what = "tổ chức đảng trực thuộc"
    _threshold(a.organisation, constituents, of_what, out)
    by_cell: dict[str, list[Level]] = {}
    for member, rating in zip(unit.members, a.members, strict=True):
        if member.cell and rating.level:
            by_cell.setdefault(member.cell, []).append(rating.level)
    for rating in a.sub_units:
        cells = ratings_under(unit, rating.subject, a.sub_units)
        if cells:  # a đảng bộ bộ phận is measured by its chi bộ
            _threshold(rating, [c.level for c in cells if c.level], "chi bộ", out)
        else:
            _threshold(rating, by_cell.get(rating.subject or "", []), "đảng viên", out)


def _threshold(org: Rating, levels: list[Level], of_what: str, out: _Findings) -> None:
    if org.level is None:
        return
    reason = threshold_violation(org.level, levels, of_what)
    if reason:
        out.error("nguong-to-chuc", org.name, reason, SRC_THRESHOLD)


# --- the criteria grades (danh-gia.yaml) against the level voted -------------------------


def _check_grades(unit: Unit, a: Assessment, out: _Findings) -> None:
    pairs: list[tuple[str, str | None, Rating | None]] = [
        ("to_chuc", None, a.organisation), ("cap_uy", None, a.committee)]
    pairs += [("to_chuc", r.subject, r) for r in a.sub_units]
    pairs += [("cap_uy", r.subject, r) for r in a.sub_committees]
    for kind, subject, rating in pairs:
        grades = unit.grades_for(kind, subject)
        if grades is None or rating is None or rating.level is None:
            continue
        allowed = allowed_level(catalogue().groups(kind), grades)
        if rating.level.above(allowed):
            out.error("tieu-chi", rating.name, f"xếp {rating.level.name} nhưng cấp độ các tiêu "
                      f"chí tự chấm chỉ cho phép cao nhất {allowed.name}", SRC_GRADES[kind])
