"""Build small in-memory units for rule tests, without files."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.levels import Level
from pipeline.model import (
    Activity,
    Ballot,
    CollectiveBallot,
    Member,
    PersonBallot,
    Role,
    Signatory,
    Source,
    Subject,
    Unit,
    UnitType,
)
from pipeline.tally import BallotCount

REVIEW = date(2025, 12, 10)


def member(code: str, **changes: Any) -> Member:
    base = Member(
        code=code, name=f"Đảng viên {code}", cell=None, official=True,
        admitted=date(2010, 1, 1), post="Chuyên viên", base_role=None, cell_role=None,
        activity=Activity.ACTIVE, ccvc_rating=None, sick_leave_months=0.0, discipline="",
        discipline_self_remedied=False, residence="", self_rating=None, transferred_in=False,
        birth_date=None, source=Source("dang-vien.csv", 2))
    return replace(base, **changes)


def votes_for(level: Level, total: int) -> BallotCount:
    """A unanimous vote for `level` by all `total` full members."""
    votes = [0, 0, 0, 0]
    votes[level.rank - 1] = total
    return BallotCount((votes[0], votes[1], votes[2], votes[3]), total, total)


def ballot(count: BallotCount, head: Level | None = None) -> Ballot:
    return Ballot(count, head, Source("phieu.csv", 2))


def unit(ratings: dict[str, Level], members: list[Member] | None = None,
         organisation: Level = Level.HTTNV, committee: Level | None = Level.HTTNV,
         committee_ratings: dict[str, Level] | None = None) -> Unit:
    """A chi bộ cơ sở whose members are voted to `ratings` (code → level)."""
    people = members or [member(code) for code in ratings]
    total = sum(1 for m in people if m.official)
    person_ballots = [PersonBallot(code, None, False, ballot(votes_for(level, total)))
                      for code, level in ratings.items()]
    for code, level in (committee_ratings or {}).items():
        person_ballots.append(PersonBallot(code, None, True, ballot(votes_for(level, 3))))
    collective = [CollectiveBallot(None, Subject.ORGANISATION,
                                   ballot(votes_for(organisation, 3)))]
    if committee is not None:
        collective.append(CollectiveBallot(None, Subject.COMMITTEE,
                                           ballot(votes_for(committee, 3))))
    return Unit(
        folder=Path("."), kind=UnitType.CHI_BO_CO_SO, name="Chi bộ Thử", code="CB",
        parent="Đảng bộ Khối", parent_body="Ban Thường vụ Đảng ủy Khối", place="Huế",
        year=2025, review_date=REVIEW, founded=None, has_committee=committee is not None,
        documents=(), signatory=Signatory("T/M CHI BỘ", "BÍ THƯ", "A"),
        members=tuple(people), sub_units=(), person_ballots=tuple(person_ballots),
        collective_ballots=tuple(collective), leaders=(), attachments=())


def secretary(code: str, **changes: Any) -> Member:
    return member(code, base_role=Role.SECRETARY, **changes)


def add_section(folder: Path, cells: tuple[str, ...] = ("NOI", "NGOAI"),
                votes: str = "0,7,0,0") -> None:
    """Make the sample đảng bộ's chi bộ `cells` belong to a new đảng bộ bộ phận KHOI,
    voted on by the base committee with `votes` (HTXSNV,HTTNV,HTNV,KHTNV of 7)."""
    table = folder / "to-chuc-truc-thuoc.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",Thuộc"]
    rows += [line + (",KHOI" if line.split(",")[0] in cells else ",") for line in lines[1:]]
    rows.append("KHOI,Đảng bộ Khối Lâm sàng,đảng bộ bộ phận,,có,")
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ballots = folder / "phieu-tap-the.csv"
    ballots.write_text(ballots.read_text(encoding="utf-8")
                       + f"KHOI,tổ chức,{votes},7,7,\nKHOI,cấp ủy,0,7,0,0,7,7,\n",
                       encoding="utf-8")
