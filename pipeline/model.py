"""Immutable records passed between the stages: the loaded unit and everything in it.

`load` builds these from a unit folder; every later stage reads them and never mutates
them. Identifiers are English; the Vietnamese vocabulary is in domain.md §7.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from pipeline.content import Grades, Narrative
from pipeline.errors import Problem
from pipeline.levels import Level
from pipeline.quarters import QuarterScore
from pipeline.scoring import Kind, ScoreSheet
from pipeline.tally import BallotCount


class UnitType(Enum):
    CHI_BO_CO_SO = "chi_bo_co_so"
    DANG_BO_CO_SO = "dang_bo_co_so"

    @property
    def label(self) -> str:
        return {"chi_bo_co_so": "Chi bộ cơ sở", "dang_bo_co_so": "Đảng bộ cơ sở"}[self.value]


class SubUnitType(Enum):
    CHI_BO_TRUC_THUOC = "chi_bo_truc_thuoc"
    DANG_BO_BO_PHAN = "dang_bo_bo_phan"


class Role(Enum):
    """A post in a party committee, in protocol order."""

    SECRETARY = 1  # bí thư
    DEPUTY = 2  # phó bí thư
    MEMBER = 3  # ủy viên

    @property
    def label(self) -> str:
        return {1: "Bí thư", 2: "Phó Bí thư", 3: "Ủy viên"}[self.value]


class Activity(Enum):
    ACTIVE = "active"
    EXEMPT = "exempt"  # miễn công tác và sinh hoạt đảng
    SUSPENDED = "suspended"  # đình chỉ sinh hoạt đảng


@dataclass(frozen=True)
class Source:
    """Where a record came from, for messages: file name and row (1-based, header = 1)."""

    file: str
    row: int = 0

    @property
    def where(self) -> str:
        return f"dòng {self.row}" if self.row else ""


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    cell: str | None  # code of the chi bộ trực thuộc; None in a chi bộ cơ sở
    official: bool
    admitted: date
    post: str  # chức vụ chính quyền, đoàn thể
    base_role: Role | None  # post in the base committee (đảng ủy / chi ủy cơ sở)
    cell_role: Role | None  # post in the chi ủy of a chi bộ trực thuộc
    activity: Activity
    ccvc_rating: Level | None
    sick_leave_months: float
    discipline: str
    discipline_self_remedied: bool
    residence: str
    self_rating: Level | None
    transferred_in: bool
    birth_date: date | None
    source: Source
    appointed: date | None = None  # when they took their committee post, if this year
    maternity_leave: bool = False  # nghỉ thai sản trong năm (Quy định 366, Điều 11)
    workplace: str = ""  # đơn vị công tác (Mẫu 3-213); blank to be written in by hand

    @property
    def votes(self) -> bool:
        """A full, active member: one who votes on classification (domain.md §4.1)."""
        return self.official and self.activity is Activity.ACTIVE


@dataclass(frozen=True)
class SubUnit:
    """A chi bộ trực thuộc or đảng bộ bộ phận of a đảng bộ cơ sở."""

    code: str
    name: str
    kind: SubUnitType
    founded: date | None
    has_committee: bool
    source: Source
    parent: str | None = None  # the đảng bộ bộ phận a chi bộ belongs to; None: the base

    @property
    def is_section(self) -> bool:
        return self.kind is SubUnitType.DANG_BO_BO_PHAN


class Subject(Enum):
    """What a collective ballot is about."""

    ORGANISATION = "to_chuc"
    COMMITTEE = "cap_uy"


@dataclass(frozen=True)
class Ballot:
    """A ballot count about one person or collective, with the head's decision if any."""

    count: BallotCount
    head_decision: Level | None
    source: Source


@dataclass(frozen=True)
class PersonBallot:
    member: str  # member code
    body: str | None  # None: the base committee / chi bộ cơ sở; else a sub-unit code
    committee: bool  # a committee-member ballot (Mẫu 10), not a party-member one (Mẫu 7)
    ballot: Ballot


@dataclass(frozen=True)
class CollectiveBallot:
    unit: str | None  # None: the base organisation itself; else a sub-unit code
    subject: Subject
    ballot: Ballot


@dataclass(frozen=True)
class ScoreEntry:
    """One row of the score table (diem-danh-gia): a person's or a collective's self-score
    and the score proposed after review ("thẩm định"), Quy định 366, Điều 11–12."""

    subject: str  # member code, sub-unit code, or "" for the base organisation
    collective: bool
    committee: bool  # a collective: its committee, not the organisation itself
    kind: Kind
    self_general: Decimal
    self_results: Decimal
    sheet: ScoreSheet  # the reviewed values (the self-scores where none was proposed)
    reviewed: bool  # a "thẩm định" score was given
    decided: Level | None  # the competent level's decision where the rule cannot decide
    source: Source
    quarters_reason: str = ""  # why the year departs from its quarters, when it does

    @property
    def self_total(self) -> Decimal:
        return self.self_general + self.self_results


@dataclass(frozen=True)
class Rerating:
    """A rating changed after the fact (Mẫu 03, decision to re-rate), from don-vi.yaml."""

    member: str
    old: Level
    new: Level
    reason: str


@dataclass(frozen=True)
class Attachment:
    """A scanned or external document for an item; `person` set for a personal item."""

    path: Path
    item: str
    person: str | None
    kind: str  # "pdf" or "image"
    pages: int
    label: str = ""  # dinh-kem/… as the clerk knows it
    active: tuple[str, ...] = ()  # active content found, removed when bound
    landscape: bool = False  # an image wider than tall: bound on a landscape page


@dataclass(frozen=True)
class DocumentRef:
    """Number and date of a document the unit issues (Số 15-TTr/CB, 12/12/2025)."""

    number: str
    issued: date


@dataclass(frozen=True)
class Signatory:
    authority: str  # T/M CHI BỘ
    title: str  # BÍ THƯ
    name: str


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def first_by(items: Iterable[V], key: Callable[[V], K]) -> dict[K, V]:
    """Each key's first item, as a scan from the start finds it (an index of records
    looked up often, made once)."""
    index: dict[K, V] = {}
    for item in items:
        index.setdefault(key(item), item)
    return index


@dataclass(frozen=True)
class Unit:
    """One base-level party organisation and one year: everything the dossier is made of."""

    folder: Path
    kind: UnitType
    name: str
    code: str  # ký hiệu of the issuer in document numbers (CB, ĐU)
    parent: str  # tổ chức đảng cấp trên trực tiếp, as in the header (ĐẢNG BỘ KHỐI …)
    parent_body: str  # who receives the tờ trình (Ban Thường vụ Đảng ủy Khối …)
    place: str
    year: int
    review_date: date
    founded: date | None
    has_committee: bool
    documents: tuple[tuple[str, DocumentRef], ...]
    signatory: Signatory
    members: tuple[Member, ...]
    sub_units: tuple[SubUnit, ...]
    person_ballots: tuple[PersonBallot, ...]
    collective_ballots: tuple[CollectiveBallot, ...]
    leaders: tuple[str, ...]  # member codes who need a personal set, in protocol order
    attachments: tuple[Attachment, ...]
    recipients: tuple[str, ...] = field(default=())
    grades: tuple[Grades, ...] = field(default=())  # danh-gia.yaml
    narratives: tuple[Narrative, ...] = field(default=())  # kiem-diem/, y-kien/
    labels: tuple[tuple[str, str], ...] = field(default=())  # nhan_mau: form → "Mẫu 3đ"
    regime: str | None = None  # quy_dinh: the profile the unit names (qd366 …)
    # khong_ap_dung: checklist items the unit does not have, with the reason it gives
    absent_items: tuple[tuple[str, str], ...] = field(default=())
    meeting: tuple[tuple[str, str], ...] = field(default=())  # hoi_nghi: the review meeting
    scores: tuple[ScoreEntry, ...] = field(default=())  # diem-danh-gia (Quy định 366)
    cap_ratio: float | None = None  # a higher HTXSNV cap allowed by the competent level
    cap_ratio_basis: str = ""  # the document that allowed it
    reratings: tuple[Rerating, ...] = field(default=())
    notes: tuple[Problem, ...] = field(default=())  # read past, never an error
    quarters: tuple[QuarterScore, ...] = field(default=())  # tu-danh-gia-quy (Điều 15.1)

    def quarters_of(self, member: str) -> tuple[QuarterScore, ...]:
        return self._quarters_by_member.get(member, ())

    def score_for(self, subject: str, collective: bool = False,
                  committee: bool = False) -> ScoreEntry | None:
        return next((e for e in self.scores if e.subject == subject
                     and e.collective == collective and e.committee == committee), None)

    def label_for(self, form: str) -> str | None:
        """The label the level above assigned to this unit's own form, if any."""
        return dict(self.labels).get(form)

    def grades_for(self, kind: str, subject: str | None = None) -> Grades | None:
        return next((g for g in self.grades if g.kind == kind and g.subject == subject), None)

    def narrative(self, kind: str, person: str | None = None) -> Narrative | None:
        return next((n for n in self.narratives if n.kind == kind and n.person == person),
                    None)

    def member(self, code: str) -> Member:
        return self._members_by_code[code]

    def person_ballot(self, code: str, body: str | None, committee: bool) -> Ballot | None:
        """The ballot of a member, as a member of `body` (a cell, or None: the base), or
        as a committee member of it."""
        found = self._person_ballots_by_key.get((code, body, committee))
        return found.ballot if found else None

    # Indexes, made on first use: looking members, their cells' members and their
    # ballots up by scanning took a 3,000-member unit's rules and forms 0.15 s.
    @cached_property
    def _members_by_code(self) -> dict[str, Member]:
        return first_by(self.members, lambda m: m.code)

    @cached_property
    def _members_by_cell(self) -> dict[str | None, tuple[Member, ...]]:
        index: dict[str | None, list[Member]] = {}
        for m in self.members:
            index.setdefault(m.cell, []).append(m)
        return {cell: tuple(members) for cell, members in index.items()}

    @cached_property
    def _quarters_by_member(self) -> dict[str, tuple[QuarterScore, ...]]:
        index: dict[str, list[QuarterScore]] = {}
        for q in self.quarters:
            index.setdefault(q.member, []).append(q)
        return {member: tuple(quarters) for member, quarters in index.items()}

    @cached_property
    def _person_ballots_by_key(self) -> dict[tuple[str, str | None, bool], PersonBallot]:
        return first_by(self.person_ballots, lambda pb: (pb.member, pb.body, pb.committee))

    def sub_unit(self, code: str) -> SubUnit:
        for s in self.sub_units:
            if s.code == code:
                return s
        raise KeyError(code)

    def children_of(self, parent: str | None) -> tuple[SubUnit, ...]:
        """The organisations directly under the base (None) or under a đảng bộ bộ phận."""
        return tuple(s for s in self.sub_units if s.parent == parent)

    @property
    def sections_with_cells(self) -> tuple[SubUnit, ...]:
        """The đảng bộ bộ phận that have chi bộ of their own (Mẫu 5, Mẫu 9)."""
        return tuple(s for s in self.sub_units if s.is_section and self.children_of(s.code))

    def document(self, key: str) -> DocumentRef | None:
        return dict(self.documents).get(key)

    def attachments_for(self, item: str, person: str | None = None) -> tuple[Attachment, ...]:
        return tuple(a for a in self.attachments if a.item == item and a.person == person)

    def members_of(self, cell: str | None) -> tuple[Member, ...]:
        return self._members_by_cell.get(cell, ())

    @property
    def slug(self) -> str:
        from pipeline.vntext import fold

        return fold(self.name).replace(" ", "-") + f"-{self.year}"
