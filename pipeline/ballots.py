"""Turn a ballot CSV of `hoso tally` into named ballot counts, or InputError for bad rows.

Columns (case-insensitive, Vietnamese aliases accepted): name (Họ và tên), HTXSNV, HTTNV,
HTNV, KHTNV, present (Có mặt), total (Tổng số). An impossible row (negative, more votes
than present, more present than total) is an input error, never a result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError, Problem
from pipeline.levels import LEVELS
from pipeline.tables import Column, read_table
from pipeline.tally import BallotCount, TallyResult, TallyStatus, tally

COLUMNS = (
    Column("name", ("Họ và tên", "Họ tên", "ho_ten"), required=True),
    Column("HTXSNV", ("Hoàn thành xuất sắc nhiệm vụ",), required=True),
    Column("HTTNV", ("Hoàn thành tốt nhiệm vụ",), required=True),
    Column("HTNV", ("Hoàn thành nhiệm vụ",), required=True),
    Column("KHTNV", ("Không hoàn thành nhiệm vụ",), required=True),
    Column("present", ("Có mặt", "co_mat", "Số có mặt"), required=True),
    Column("total", ("Tổng số", "tong_so", "Tổng số đảng viên chính thức"), required=True),
)


@dataclass(frozen=True)
class NamedTally:
    name: str
    line: int
    result: TallyResult

    def as_json(self) -> dict[str, Any]:
        r = self.result
        return {
            "name": self.name,
            "result": r.level.name if r.level else None,
            "status": r.status.value,
            "notation": {lv.name: r.notation(lv) for lv in LEVELS},
            "percent": {lv.name: r.percent(lv) for lv in LEVELS},
            **({"candidates": [c.name for c in r.candidates]} if r.candidates else {}),
        }


def tally_file(path: Path) -> list[NamedTally]:
    if not path.is_file():
        raise InputError([Problem(str(path), "", "không có tệp này")])
    problems: list[Problem] = []
    # extra_ok: the unit's own phieu-*.csv (with Mã, Nơi bỏ phiếu …) is accepted as it is
    rows = read_table(path, COLUMNS, problems, extra_ok=True)
    results = []
    for row in rows:
        where = f"dòng {row.line}"
        numbers = {}
        unreadable = False
        for key in ("HTXSNV", "HTTNV", "HTNV", "KHTNV", "present", "total"):
            text = row.get(key).strip()
            if not re.fullmatch(r"-?\d{1,6}", text):
                shown = text if len(text) <= 20 else text[:20] + "…"
                problems.append(Problem(path.name, f"{where}, cột {key}",
                                        f"«{shown}» không phải số nguyên (tối đa 6 chữ số)"))
                numbers[key] = 0
                unreadable = True
            else:
                numbers[key] = int(text)
        count = BallotCount((numbers["HTXSNV"], numbers["HTTNV"], numbers["HTNV"],
                             numbers["KHTNV"]), numbers["present"], numbers["total"])
        impossible = None if unreadable else count.impossibility()
        if unreadable:
            continue
        if impossible:
            problems.append(Problem(path.name, where, f"số phiếu không hợp lý: {impossible}"))
            continue
        if not row.get("name"):
            problems.append(Problem(path.name, where, "thiếu họ và tên"))
        results.append(NamedTally(row.get("name"), row.line, tally(count)))
    if problems:
        raise InputError(problems)
    return results


def all_decided(results: list[NamedTally]) -> bool:
    return all(r.result.status is TallyStatus.OK for r in results)
