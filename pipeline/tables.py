"""Turn a CSV or Excel table into rows of clean text keyed by canonical column names.

Headers are matched tolerantly (case, diacritics, spacing), so `Họ và tên`, `ho_ten` and
`HỌ VÀ TÊN` are one column. Every cell is NFC-normalised and checked for legacy encodings
and the look-alike Ð; problems are collected, never raised one by one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pipeline.errors import Problem
from pipeline.vntext import fold, nfc, text_problem

TABLE_SUFFIXES = (".csv", ".xlsx")
MAX_TABLE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    aliases: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class Row:
    line: int  # 1-based line (CSV) or row (Excel) number; the header is line 1
    values: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str:
        return dict(self.values).get(key, "")


def find_table(folder: Path, stem: str) -> Path | None:
    for suffix in TABLE_SUFFIXES:
        candidate = folder / f"{stem}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def read_table(path: Path, columns: Sequence[Column], problems: list[Problem]) -> list[Row]:
    """Rows of the table with canonical keys; problems are appended, never raised."""
    name = path.name
    if path.stat().st_size > MAX_TABLE_BYTES:
        problems.append(Problem(name, "", "tệp quá lớn (trên 20 MB)"))
        return []
    try:
        raw = _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)
    except UnicodeDecodeError:
        problems.append(Problem(name, "", "tệp không phải UTF-8 (có lẽ là bảng mã cũ "
                                "Windows-1258/TCVN3/VNI); hãy lưu lại dưới dạng CSV UTF-8"))
        return []
    except Exception as exc:  # openpyxl / csv raise many kinds on a broken file
        problems.append(Problem(name, "", f"không đọc được bảng ({type(exc).__name__})"))
        return []
    if not raw:
        problems.append(Problem(name, "", "bảng trống, thiếu dòng tiêu đề"))
        return []
    header, body = raw[0], raw[1:]
    keys = _match_header(header, columns, name, problems)
    rows = []
    for offset, cells in enumerate(body, start=2):
        if not any(c.strip() for c in cells):
            continue
        values = []
        for index, key in enumerate(keys):
            cell = nfc(cells[index].strip()) if index < len(cells) else ""
            if key is None:
                continue
            issue = text_problem(cell) if cell else None
            if issue:
                problems.append(Problem(name, f"dòng {offset}, cột «{header[index]}»", issue))
            values.append((key, cell))
        rows.append(Row(offset, tuple(values)))
    return rows


def _match_header(header: list[str], columns: Sequence[Column], name: str,
                  problems: list[Problem]) -> list[str | None]:
    lookup = {}
    for column in columns:
        for alias in (column.key, *column.aliases):
            lookup[fold(alias)] = column.key
    keys: list[str | None] = []
    for title in header:
        folded = fold(title)
        key = lookup.get(folded)
        if key is None and folded:
            problems.append(Problem(name, f"dòng 1, cột «{title}»", "tên cột không có trong "
                                    "mẫu; xem README để biết các cột được dùng"))
        if key is not None and key in keys:
            problems.append(Problem(name, f"dòng 1, cột «{title}»", "cột bị lặp"))
        keys.append(key)
    for column in columns:
        if column.required and column.key not in keys:
            problems.append(Problem(name, "dòng 1", f"thiếu cột «{column.aliases[0]}»"))
    return keys


def _read_csv(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    dialect = csv.excel
    sample = text[:4096]
    if sample.count(";") > sample.count(","):
        dialect = csv.excel
        return [row for row in csv.reader(io.StringIO(text), dialect, delimiter=";")]
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
