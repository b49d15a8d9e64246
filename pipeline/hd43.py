"""Turn a collective's or a person's scores into part B of Hướng dẫn 43's forms.

Part B ("NỘI DUNG TỰ ĐÁNH GIÁ, XẾP LOẠI") of Mẫu 01, 2A, 2B and 2C is the same on every
form (docs/quy-dinh-366.md, "Phần B"): the sentence naming the appendix of Quy định 366
whose criteria were made concrete, the two groups of criteria with the points given out
of 30 and 70, the total out of 100, then the four levels with the one proposed marked.
The base organisation's own papers carry its self-scores and the level they give
(Quy định 366, Điều 12: the thẩm định is the superior's step, not printed here).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from pipeline.levels import LEVELS, Level
from pipeline.model import ScoreEntry, Unit
from pipeline.profiles import Criteria, Profile
from pipeline.quarters import QuarterScore
from pipeline.rules import Assessment, RatingStatus
from pipeline.scoring import GENERAL_MAX, RESULTS_MAX, Kind, classify, points

BLANK = "…"


@dataclass(frozen=True)
class ScoreLine:
    text: str  # "1. Nhóm tiêu chí chung: 27/30"
    points: tuple[tuple[str, str], ...] = ()  # the province's sub-criteria: (text, "…/5")


@dataclass(frozen=True)
class PartB:
    sentence: str  # "Trên cơ sở cụ thể hoá khung tiêu chí … tại Phụ lục 1 …"
    lines: tuple[ScoreLine, ...]  # the two groups, then the total
    proposed: Level | None  # the level the self-scores give; None: to mark by hand


def part_b(profile: Profile, kind: Kind, entry: ScoreEntry | None) -> PartB:
    """Part B of a form: blank (…/30) when handed out or not scored yet."""
    return _part_b(profile, kind, entry.self_general if entry else None,
                   entry.self_results if entry else None, proposed_level(profile, entry))


def quarter_part_b(profile: Profile, kind: Kind, quarter: QuarterScore | None) -> PartB:
    """The same lines for one quarter (Mẫu 05 of a quarter): its points and the level the
    member proposed; blank without a row in tu-danh-gia-quy."""
    if quarter is None:
        return _part_b(profile, kind, None, None, None)
    return _part_b(profile, kind, quarter.general, quarter.results, quarter.level)


def _part_b(profile: Profile, kind: Kind, general: Decimal | None, results: Decimal | None,
            proposed: Level | None) -> PartB:
    frame = profile.framework(kind.value)
    total = general + results if general is not None and results is not None else None
    return PartB(
        sentence=frame.sentence,
        lines=(
            ScoreLine(f"1. Nhóm tiêu chí chung: {_out_of(general, GENERAL_MAX)}",
                      _points(frame.general)),
            ScoreLine("2. Nhóm tiêu chí về kết quả thực hiện nhiệm vụ: "
                      f"{_out_of(results, RESULTS_MAX)}", _points(frame.results)),
            ScoreLine(f"Tổng điểm: {_out_of(total, GENERAL_MAX + RESULTS_MAX)}"),
        ),
        proposed=proposed,
    )


def proposed_level(profile: Profile, entry: ScoreEntry | None) -> Level | None:
    """The level the self-scores give under Điều 11, with the same task conditions; None
    where the rule cannot say (left to mark by hand)."""
    if entry is None:
        return None
    own = replace(entry.sheet, general=entry.self_general, results=entry.self_results)
    return classify(own, profile.rules.score).level


def _out_of(value: Decimal | None, maximum: Decimal) -> str:
    return f"{points(value) if value is not None else BLANK}/{points(maximum)}"


def _points(criteria: Criteria) -> tuple[tuple[str, str], ...]:
    return tuple((text, f"{BLANK}/{points(maximum)}") for text, maximum in criteria)


def minutes(unit: Unit, a: Assessment, profile: Profile, handout: bool) -> dict[str, Any]:
    """What the draft minutes of the review meeting print (Quy định 366, Điều 17.3): when
    and where, who chaired and took notes, attendance, and the self-scores and proposals
    the meeting heard; blank lines where the unit gave nothing (hoi_nghi)."""
    meeting = dict(unit.meeting)
    reviewed = [r for r in a.members if r.status is not RatingStatus.NOT_REVIEWED]
    entry = None if handout else unit.score_for("", collective=True, committee=True)
    collective = proposed_level(profile, entry)
    counts = [(level.full_name, sum(1 for r in reviewed if r.level is level))
              for level in LEVELS]
    return {
        "place": meeting.get("dia_diem", ""),
        "chair": meeting.get("chu_tri") or unit.signatory.name,
        "clerk": meeting.get("thu_ky", ""),
        "present": meeting.get("co_mat", ""),
        "total": len(unit.members),
        "reviewed": len(reviewed),
        "collective": collective.full_name if collective and not handout else "",
        "counts": () if handout else tuple(counts),
    }
