"""Turn a score sheet into a quality level by the rule of Quy định 366-QĐ/TW, Điều 11.

Under Quy định 366 (qd366.md §2) a collective or a person is scored on a 100-point scale:
general criteria out of 30 plus task results out of 70. A level needs its floor score *and*
its conditions on the tasks; the highest level that holds wins. A KHTNV trigger
(discipline, another violation, too few tasks done, a score under the lowest floor) makes
the level KHTNV whatever the score. Where no level holds and no trigger applies (80 points
but only 90 % of the tasks done, say), the result is *undetermined*, with the reasons, for
the competent level to decide: the rule never guesses.

Every number of the rule (bands, shares) is a profile parameter (ScoreParams), so a
district can follow a later text without touching code. `classify` is pure and is what
`hoso score`, the rules engine and the tests all call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, Problem
from pipeline.levels import Level
from pipeline.tables import Column, Row, read_table
from pipeline.vntext import fold, number

GENERAL_MAX = Decimal(30)
RESULTS_MAX = Decimal(70)


class Kind(Enum):
    """Who is scored, which sets the appendix of criteria and the conditions that apply."""

    COLLECTIVE = "tap_the"  # Phụ lục 1
    LEADER = "lanh_dao"  # Phụ lục 2, 3: holders of a leadership or management post
    INDIVIDUAL = "ca_nhan"  # Phụ lục 4: individuals without a post
    OUTSIDE = "ngoai_he_thong"  # Phụ lục 5: members outside the political system

    @property
    def label(self) -> str:
        return KIND_LABELS[self]

    @property
    def led_areas(self) -> bool:
        """Collectives and leaders answer for the tasks of what they lead (70 % trigger)."""
        return self in (Kind.COLLECTIVE, Kind.LEADER)


KIND_LABELS = {
    Kind.COLLECTIVE: "Tập thể",
    Kind.LEADER: "Cán bộ lãnh đạo, quản lý",
    Kind.INDIVIDUAL: "Cá nhân không giữ chức vụ lãnh đạo, quản lý",
    Kind.OUTSIDE: "Đảng viên không công tác trong hệ thống chính trị",
}
_KIND_WORDS = {
    "tap the": Kind.COLLECTIVE, "tap_the": Kind.COLLECTIVE, "to chuc": Kind.COLLECTIVE,
    "lanh dao": Kind.LEADER, "lanh dao quan ly": Kind.LEADER, "can bo lanh dao quan ly":
    Kind.LEADER, "quan ly": Kind.LEADER,
    "ca nhan": Kind.INDIVIDUAL, "khong giu chuc vu": Kind.INDIVIDUAL,
    "ca nhan khong giu chuc vu": Kind.INDIVIDUAL,
    "ca nhan khong giu chuc vu lanh dao quan ly": Kind.INDIVIDUAL,
    "ngoai he thong": Kind.OUTSIDE, "ngoai he thong chinh tri": Kind.OUTSIDE,
    "dang vien ngoai he thong chinh tri": Kind.OUTSIDE,
    "dang vien khong cong tac trong he thong chinh tri": Kind.OUTSIDE,
}


def parse_kind(text: str) -> Kind:
    kind = _KIND_WORDS.get(fold(text).replace("_", " ")) or _KIND_WORDS.get(fold(text))
    if kind is None:
        raise ValueError(f"đối tượng «{text}» phải là tap_the, lanh_dao, ca_nhan hoặc "
                         "ngoai_he_thong (tập thể; lãnh đạo, quản lý; cá nhân không giữ chức "
                         "vụ; ngoài hệ thống chính trị)")
    return kind


@dataclass(frozen=True)
class ScoreParams:
    """The numbers of Điều 11, from the profile (rules.score)."""

    excellent: Decimal = Decimal(90)  # HTXSNV: ≥ 90 points
    good: Decimal = Decimal(70)  # HTTNV: 70 to < 90
    passed: Decimal = Decimal(50)  # HTNV: 50 to < 70; under it KHTNV
    exceeded_share: Decimal = Decimal("0.3")  # HTXSNV: ≥ 30 % of tasks beyond requirement
    late_share: Decimal = Decimal("0.2")  # HTNV: ≤ 20 % of tasks behind schedule
    led_done_share: Decimal = Decimal("0.7")  # KHTNV: collective/leader < 70 % of tasks done
    person_not_done_share: Decimal = Decimal("0.5")  # KHTNV: > 50 % of tasks not done
    # How far the year's self-score may depart from its quarters' mean without a reason
    # (Điều 15.1 makes the quarters a basis; no source gives a figure: a warning only).
    quarter_gap: Decimal = Decimal(10)


@dataclass(frozen=True)
class ScoreSheet:
    """What the rule reads about one collective or person."""

    kind: Kind
    general: Decimal  # 0–30
    results: Decimal  # 0–70
    tasks: int  # assigned in the year
    done: int
    on_time: int  # done on time, with quality
    exceeded: int  # done beyond the requirement
    remedied: bool = True  # every shortcoming of the previous review remedied
    discipline: str = ""  # the form of discipline in the year (khiển trách or above)
    violations: str = ""  # any other KHTNV trigger (suy thoái, mất đoàn kết …)

    @property
    def total(self) -> Decimal:
        return self.general + self.results


@dataclass(frozen=True)
class ScoreOutcome:
    total: Decimal
    level: Level | None  # None: undetermined, for the competent level to decide
    reasons: tuple[str, ...]  # why not a higher level; the triggers; why undetermined

    @property
    def determined(self) -> bool:
        return self.level is not None


def points(value: Decimal) -> str:
    """`89,99` or `90`: a score the Vietnamese way."""
    return number(value, 2)


def _share(part: int, whole: int) -> str:
    return number(round(part * 100 / whole, 2), 2) + "%" if whole else "0%"


def triggers(s: ScoreSheet, p: ScoreParams) -> list[str]:
    """The KHTNV triggers of Điều 11 that hold for this sheet."""
    found = []
    if s.discipline:
        found.append(f"bị kỷ luật trong năm ({s.discipline})")
    if s.violations:
        found.append(s.violations)
    if s.tasks and s.kind.led_areas and s.done < p.led_done_share * s.tasks:
        found.append(f"hoàn thành {s.done}/{s.tasks} nhiệm vụ ({_share(s.done, s.tasks)}), "
                     f"dưới {number(p.led_done_share * 100)}%")
    not_done = s.tasks - s.done
    if s.tasks and not s.kind.led_areas and not_done > p.person_not_done_share * s.tasks:
        limit = number(p.person_not_done_share * 100)
        found.append(f"{not_done}/{s.tasks} nhiệm vụ không hoàn thành "
                     f"({_share(not_done, s.tasks)}), trên {limit}%")
    if s.total < p.passed:
        found.append(f"{points(s.total)} điểm, dưới {points(p.passed)}")
    return found


def _conditions(s: ScoreSheet, p: ScoreParams, level: Level) -> list[str]:
    """Why `level` does not hold (empty: it holds), floor score first."""
    floor = {Level.HTXSNV: p.excellent, Level.HTTNV: p.good, Level.HTNV: p.passed}[level]
    missing = []
    if s.total < floor:
        missing.append(f"cần từ {points(floor)} điểm, có {points(s.total)}")
    if s.done < s.tasks:
        missing.append(f"cần hoàn thành 100% nhiệm vụ, mới {s.done}/{s.tasks}")
    late = s.done - s.on_time
    if level is Level.HTNV:
        if late > p.late_share * s.tasks:
            missing.append(f"{late}/{s.tasks} nhiệm vụ chậm tiến độ, quá "
                           f"{number(p.late_share * 100)}%")
        return missing
    if late > 0:
        missing.append(f"cần 100% nhiệm vụ đúng tiến độ, có {late} nhiệm vụ chậm")
    if level is Level.HTXSNV:
        if s.exceeded < p.exceeded_share * s.tasks:
            missing.append(f"cần ít nhất {number(p.exceeded_share * 100)}% nhiệm vụ vượt "
                           f"yêu cầu, có {s.exceeded}/{s.tasks} ({_share(s.exceeded, s.tasks)})")
        if not s.remedied:
            missing.append("chưa khắc phục hết hạn chế, khuyết điểm đã chỉ ra")
    return missing


def classify(s: ScoreSheet, p: ScoreParams) -> ScoreOutcome:
    """The level of Điều 11, or None (undetermined) with the reasons; never a guess."""
    found = triggers(s, p)
    if found:
        return ScoreOutcome(s.total, Level.KHTNV, tuple(found))
    if s.tasks == 0:
        return ScoreOutcome(s.total, None, ("không có số nhiệm vụ được giao nên không xét "
                                            "được điều kiện hoàn thành nhiệm vụ",))
    reasons: list[str] = []
    for level in (Level.HTXSNV, Level.HTTNV, Level.HTNV):
        missing = _conditions(s, p, level)
        if not missing:
            return ScoreOutcome(s.total, level, tuple(reasons))
        reasons.append(f"không đạt {level.name}: {'; '.join(missing)}")
    reasons.append("không thuộc trường hợp KHTNV; cấp có thẩm quyền xem xét, quyết định")
    return ScoreOutcome(s.total, None, tuple(reasons))


# --- reading scores: shared by `hoso score` and the unit's score table ---------------------


def parse_points(text: str, maximum: Decimal) -> Decimal:
    value = text.strip().replace(",", ".")
    if not re.fullmatch(r"\d{1,3}(\.\d{1,2})?", value):
        raise ValueError(f"điểm «{text}» phải là số từ 0 đến {number(maximum)}, tối đa 2 chữ "
                         "số thập phân")
    try:
        points_ = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern already rules it out
        raise ValueError(f"điểm «{text}» không phải là số") from None
    if points_ > maximum:
        raise ValueError(f"điểm «{text}» vượt quá {number(maximum)}")
    return points_


def parse_tasks(text: str) -> int:
    value = text.strip()
    if not re.fullmatch(r"\d{1,6}", value):
        raise ValueError(f"«{text}» phải là số nguyên không âm")
    return int(value)


def parse_yes_no(text: str, empty: bool) -> bool:
    key = fold(text)
    if not key:
        return empty
    if key in {"co", "x", "yes", "true", "1", "da khac phuc", "roi"}:
        return True
    if key in {"khong", "no", "false", "0", "chua", "chua khac phuc"}:
        return False
    raise ValueError(f"«{text}» phải là Có hoặc Không")


def task_problems(tasks: int, done: int, on_time: int, exceeded: int) -> list[str]:
    """Why the task counts are impossible (done > tasks, on time or beyond > done)."""
    problems = []
    if done > tasks:
        problems.append(f"số hoàn thành ({done}) lớn hơn số nhiệm vụ ({tasks})")
    if on_time > done:
        problems.append(f"số đúng hạn ({on_time}) lớn hơn số hoàn thành ({done})")
    if exceeded > done:
        problems.append(f"số vượt mức ({exceeded}) lớn hơn số hoàn thành ({done})")
    return problems


# The columns of the facts the rule reads besides the points: shared by `hoso score` and
# the unit's score table (load.SCORE_COLUMNS).
TASK_COLUMNS = (
    Column("tasks", ("Số nhiệm vụ", "Số nhiệm vụ được giao"), required=True),
    Column("done", ("Hoàn thành", "Số hoàn thành"), required=True),
    Column("on_time", ("Đúng hạn", "Hoàn thành đúng hạn"), required=True),
    Column("exceeded", ("Vượt mức", "Vượt yêu cầu"), required=True),
    Column("remedied", ("Đã khắc phục",)),
    Column("discipline", ("Kỷ luật", "Kỷ luật trong năm")),
    Column("violations", ("Vi phạm khác", "Vi phạm")),
)
SCORE_COLUMNS = (
    Column("name", ("Họ và tên", "Họ tên", "Tên")),
    Column("code", ("Mã",)),
    Column("kind", ("Đối tượng",), required=True),
    # The unit's own diem-danh-gia is accepted too: its reviewed score is the one ruled on.
    Column("general", ("Điểm tiêu chí chung", "Tiêu chí chung", "Thẩm định tiêu chí chung"),
           required=True),
    Column("results", ("Điểm kết quả", "Điểm kết quả thực hiện nhiệm vụ",
                       "Thẩm định kết quả"), required=True),
    *TASK_COLUMNS,
)


@dataclass(frozen=True)
class ScoredRow:
    name: str
    line: int
    sheet: ScoreSheet
    outcome: ScoreOutcome

    def as_json(self) -> dict[str, Any]:
        level = self.outcome.level
        return {
            "name": self.name,
            "kind": self.sheet.kind.value,
            "score": float(self.outcome.total),
            "result": level.name if level else None,
            "status": "ok" if level else "undetermined",
            "reasons": list(self.outcome.reasons),
        }


class Cells:
    """Reads the cells of one row, recording each bad one as a located Problem."""

    def __init__(self, file: str, row: Row, problems: list[Problem],
                 headers: dict[str, str]) -> None:
        self.file, self.row, self.problems, self.headers = file, row, problems, headers
        self.bad = False

    def get(self, key: str, parser: Any, default: Any, *args: Any) -> Any:
        try:
            return parser(self.row.get(key), *args)
        except ValueError as exc:
            column = self.headers.get(key, key)
            self.problems.append(Problem(self.file, f"dòng {self.row.line}, cột {column}",
                                         str(exc)))
            self.bad = True
            return default

    def sheet(self, kind: Kind, general: str, results: str) -> ScoreSheet | None:
        values = ScoreSheet(
            kind=kind,
            general=self.get(general, parse_points, Decimal(0), GENERAL_MAX),
            results=self.get(results, parse_points, Decimal(0), RESULTS_MAX),
            tasks=self.get("tasks", parse_tasks, 0),
            done=self.get("done", parse_tasks, 0),
            on_time=self.get("on_time", parse_tasks, 0),
            exceeded=self.get("exceeded", parse_tasks, 0),
            remedied=self.get("remedied", parse_yes_no, True, True),
            discipline=self.row.get("discipline"),
            violations=self.row.get("violations"),
        )
        if self.bad:
            return None
        impossible = task_problems(values.tasks, values.done, values.on_time, values.exceeded)
        for message in impossible:
            self.problems.append(Problem(self.file, f"dòng {self.row.line}", message))
        return None if impossible else values


def score_file(path: Path, params: ScoreParams) -> list[ScoredRow]:
    """Every row of a `hoso score` table with its outcome; InputError lists every bad row."""
    if not path.is_file():
        raise InputError([Problem(str(path), "", "không có tệp này")])
    problems: list[Problem] = []
    rows = read_table(path, SCORE_COLUMNS, problems, extra_ok=True)
    if problems:
        raise InputError(problems)
    headers = {c.key: c.key for c in SCORE_COLUMNS}
    scored = []
    for row in rows:
        cells = Cells(path.name, row, problems, headers)
        kind = cells.get("kind", parse_kind, Kind.INDIVIDUAL)
        name = row.get("name") or row.get("code")
        if not name:
            problems.append(Problem(path.name, f"dòng {row.line}", "thiếu họ và tên"))
        sheet = cells.sheet(kind, "general", "results")
        if sheet is not None and name:
            scored.append(ScoredRow(name, row.line, sheet, classify(sheet, params)))
    if problems:
        raise InputError(problems)
    return scored
