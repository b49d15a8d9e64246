"""Turn the table of quarterly self-assessments (`tu-danh-gia-quy`) into one record per
member and quarter, and an annual score that departs from its quarters into a warning.

Quy định 366, Điều 15.1: the quarterly results are a basis of the annual rating
(docs/quy-dinh-366.md, "Kết quả theo quý"). The sources set no figure for how far the
year may depart from its quarters: that is the profile's `quarter_gap_points`, and a
departure is a warning unless the annual row gives its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from pipeline.errors import Problem
from pipeline.levels import Level
from pipeline.scoring import GENERAL_MAX, RESULTS_MAX, parse_points, points
from pipeline.tables import Column, Row
from pipeline.vntext import fold

QUARTERS = "tu-danh-gia-quy"
QUARTER_COLUMNS = (
    Column("ma", ("Mã", "Mã đảng viên"), required=True),
    Column("ho_ten", ("Họ và tên", "Họ tên")),
    Column("quy", ("Quý",), required=True),
    Column("chung", ("Tiêu chí chung", "Tự chấm tiêu chí chung"), required=True),
    Column("ket_qua", ("Kết quả", "Tự chấm kết quả"), required=True),
    Column("muc", ("Mức đề xuất", "Tự đề xuất xếp loại")),
)
ROMAN_QUARTERS = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class QuarterScore:
    """One member's self-assessment of one quarter (Mẫu 05 of Hướng dẫn 43, "Quý")."""

    member: str
    quarter: int  # 1–4
    general: Decimal  # …/30
    results: Decimal  # …/70
    level: Level | None  # the level proposed, if given
    line: int  # of the table

    @property
    def total(self) -> Decimal:
        return self.general + self.results

    @property
    def name(self) -> str:
        return self.name_of(self.quarter)

    @staticmethod
    def name_of(quarter: int) -> str:
        return f"Quý {ROMAN_QUARTERS[quarter - 1]}"


def read_quarters(file: str, rows: Iterable[Row], names: Mapping[str, str],
                  problems: list[Problem]) -> tuple[QuarterScore, ...]:
    """The rows as records, each bad cell a located problem: a code not in dang-vien, a
    name that disagrees with it, a quarter not 1–4, points beyond 30 or 70, a quarter
    given twice."""
    found: dict[tuple[str, int], QuarterScore] = {}
    for row in rows:
        entry = _quarter(file, row, names, problems)
        if entry is None:
            continue
        key = (entry.member, entry.quarter)
        if key in found:
            problems.append(Problem(file, f"dòng {row.line}", f"{entry.name} của {entry.member}"
                                    f" đã có ở dòng {found[key].line}"))
            continue
        found[key] = entry
    return tuple(sorted(found.values(), key=lambda q: (q.member, q.quarter)))


def _quarter(file: str, row: Row, names: Mapping[str, str],
             problems: list[Problem]) -> QuarterScore | None:
    where = f"dòng {row.line}"
    code = row.get("ma")
    before = len(problems)
    if code not in names:
        problems.append(Problem(file, where + ", cột Mã", f"«{code}» không phải mã đảng viên "
                                "trong dang-vien"))
    elif row.get("ho_ten") and fold(row.get("ho_ten")) != fold(names[code]):
        problems.append(Problem(file, where, f"họ tên «{row.get('ho_ten')}» không khớp với mã "
                                f"{code} («{names[code]}») trong dang-vien"))
    quarter = _number_of_quarter(row.get("quy"))
    if quarter is None:
        problems.append(Problem(file, where + ", cột Quý", f"quý «{row.get('quy')}» phải là 1, "
                                "2, 3, 4 (hoặc I, II, III, IV)"))
    values = []
    for key, column, maximum in (("chung", "Tiêu chí chung", GENERAL_MAX),
                                 ("ket_qua", "Kết quả", RESULTS_MAX)):
        try:
            values.append(parse_points(row.get(key), maximum))
        except ValueError as error:
            problems.append(Problem(file, f"{where}, cột {column}", str(error)))
    level = Level.parse(row.get("muc")) if row.get("muc").strip() else None
    if row.get("muc").strip() and level is None:
        problems.append(Problem(file, f"{where}, cột Mức đề xuất", f"mức «{row.get('muc')}» "
                                "không có; dùng HTXSNV, HTTNV, HTNV hoặc KHTNV"))
    if len(problems) > before or quarter is None:
        return None
    return QuarterScore(code, quarter, values[0], values[1], level, row.line)


def _number_of_quarter(text: str) -> int | None:
    value = fold(text).upper().removeprefix("QUY").strip()
    if value in {"1", "2", "3", "4"}:
        return int(value)
    if value in ROMAN_QUARTERS:
        return ROMAN_QUARTERS.index(value) + 1
    return None


def mean_total(quarters: Iterable[QuarterScore]) -> Decimal | None:
    """The quarters' mean score out of 100, or None without any."""
    totals = [q.total for q in quarters]
    if not totals:
        return None
    return (sum(totals, Decimal(0)) / len(totals)).quantize(Decimal("0.01"))


def departure(annual: Decimal, quarters: tuple[QuarterScore, ...], gap: Decimal) -> str | None:
    """Why the annual score needs a reason: it departs from the quarters' mean by more
    than `gap` points. None when it does not, or without quarters."""
    mean = mean_total(quarters)
    if mean is None or abs(annual - mean) <= gap:
        return None
    names = ", ".join(q.name for q in quarters)
    return (f"điểm tự chấm cả năm {points(annual)}/100 khác bình quân các quý ({names}: "
            f"{points(mean)}/100) hơn {points(gap)} điểm mà chưa ghi giải trình (cột «Giải "
            "trình so với các quý» của bảng điểm)")
