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
MAX_ROWS = 20_000  # a đảng bộ cơ sở has at most a few thousand members


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


WORKBOOK = "du-lieu.xlsx"  # one workbook, one sheet per table, named like the files
IGNORED_COLUMNS = {"stt", "tt", "so tt", "so thu tu", "thu tu"}  # a running number
HEADER_SEARCH_ROWS = 10  # title rows a clerk puts above the header in Excel


@dataclass(frozen=True)
class TableSource:
    """Where a table is: a CSV or .xlsx file of its own, or a sheet of du-lieu.xlsx."""

    path: Path
    sheet: str | None = None

    @property
    def label(self) -> str:
        """How messages name it: `dang-vien.csv`, `du-lieu.xlsx, trang dang-vien`."""
        return f"{self.path.name}, trang {self.sheet}" if self.sheet else self.path.name


def workbook_sheets(folder: Path, problems: list[Problem] | None = None) -> tuple[str, ...]:
    """The sheet names of the unit's workbook (none when there is no workbook); a
    workbook that cannot be opened is a problem, never silently left out."""
    path = folder / WORKBOOK
    if not path.is_file():
        return ()
    if path.stat().st_size > MAX_TABLE_BYTES:
        _note(problems, Problem(WORKBOOK, "", "tệp quá lớn (trên 20 MB)"))
        return ()
    try:
        _check_zip(path)
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        try:
            return tuple(book.sheetnames)
        finally:
            book.close()
    except ValueError as error:
        _note(problems, Problem(WORKBOOK, "", str(error)))
    except Exception as error:  # openpyxl raises many kinds on a broken file
        _note(problems, Problem(WORKBOOK, "", f"không mở được sổ Excel ({type(error).__name__}"
                                "); hãy lưu lại bằng Excel dạng .xlsx"))
    return ()


def _note(problems: list[Problem] | None, problem: Problem) -> None:
    if problems is not None:
        problems.append(problem)


def find_table(folder: Path, stem: str, sheets: tuple[str, ...] = ()
               ) -> tuple[TableSource | None, str | None]:
    """The one source of table `stem`, or a problem when there are two: the same table
    in a CSV and an .xlsx, or in a file and a sheet of the workbook, is never a silent
    choice."""
    found = [TableSource(folder / f"{stem}{suffix}") for suffix in TABLE_SUFFIXES
             if (folder / f"{stem}{suffix}").is_file()]
    sheet = next((name for name in sheets if fold(name) == fold(stem)), None)
    if sheet is not None:
        found.append(TableSource(folder / WORKBOOK, sheet))
    if len(found) > 1:
        places = " và ".join(f"«{source.label}»" for source in found)
        return None, (f"bảng {stem} có ở hai nơi: {places}; hãy giữ một nơi (xóa hoặc đổi "
                      "tên nơi kia) để chắc chắn chương trình dùng đúng bản bạn đã sửa")
    return (found[0] if found else None), None


def read_table(path: Path | TableSource, columns: Sequence[Column],
               problems: list[Problem], extra_ok: bool = False,
               notes: list[Problem] | None = None) -> list[Row]:
    """Rows of the table with canonical keys; problems are appended, never raised.

    Title rows above the header and a running-number column (STT) are accepted; with
    `extra_ok` other unknown columns are ignored too (a unit's own table given to
    `hoso tally`), and with `notes` they are ignored and each is noted there (the
    clerk's own columns in a unit's table). Line numbers are those of the file or sheet."""
    source = path if isinstance(path, TableSource) else TableSource(path)
    name = source.label
    if source.path.stat().st_size > MAX_TABLE_BYTES:
        problems.append(Problem(name, "", "tệp quá lớn (trên 20 MB)"))
        return []
    try:
        raw = (_read_xlsx(source.path, source.sheet) if source.path.suffix.lower() == ".xlsx"
               else _read_csv(source.path))
    except UnicodeDecodeError:
        problems.append(Problem(name, "", "tệp không phải UTF-8 (có lẽ là bảng mã cũ "
                                "Windows-1258/TCVN3/VNI); hãy lưu lại dưới dạng CSV UTF-8"))
        return []
    except ValueError as exc:
        problems.append(Problem(name, "", str(exc)))
        return []
    except Exception as exc:  # openpyxl / csv raise many kinds on a broken file
        problems.append(Problem(name, "", f"không đọc được bảng ({type(exc).__name__})"))
        return []
    if not raw:
        problems.append(Problem(name, "", "bảng trống, thiếu dòng tiêu đề"))
        return []
    if len(raw) > MAX_ROWS + 1:
        problems.append(Problem(name, "", f"bảng có {len(raw) - 1:,} dòng, quá giới hạn "
                                f"{MAX_ROWS:,} dòng".replace(",", ".")))
        return []
    start = _header_row(raw, columns)
    header, body = raw[start], raw[start + 1:]
    before = len(problems)
    keys = _match_header(header, columns, name, problems, start + 1, extra_ok, notes)
    if any(c.required and c.key not in keys for c in columns) and len(problems) > before:
        return []  # a missing column: said once, not again on every row
    rows = []
    for offset, cells in enumerate(body, start=start + 2):
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


def _lookup(columns: Sequence[Column]) -> dict[str, str]:
    lookup = {}
    for column in columns:
        for alias in (column.key, *column.aliases):
            lookup[fold(alias)] = column.key
    return lookup


def _header_row(raw: list[list[str]], columns: Sequence[Column]) -> int:
    """The index of the header: the first of the top rows naming known columns (a title
    such as "DANH SÁCH ĐẢNG VIÊN" above it is skipped), else the first row."""
    lookup = _lookup(columns)
    needed = min(2, len(columns))
    for index, row in enumerate(raw[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if fold(cell) in lookup) >= needed:
            return index
    return 0


def _match_header(header: list[str], columns: Sequence[Column], name: str,
                  problems: list[Problem], line: int = 1,
                  extra_ok: bool = False,
                  notes: list[Problem] | None = None) -> list[str | None]:
    """The column key of each header cell. An unknown column is a problem, or, given
    `notes`, a note there (the column stays in the file and is not read), unless a
    required column is missing: the unknown one is then likely it, misspelt."""
    lookup = _lookup(columns)
    keys: list[str | None] = []
    unknown: list[tuple[str, str]] = []  # (where, hint)
    for title in header:
        folded = fold(title)
        key = lookup.get(folded)
        if key is None and folded and folded not in IGNORED_COLUMNS and not extra_ok:
            unknown.append((f"dòng {line}, cột «{title}»", _suggest(folded, lookup)))
        if key is not None and key in keys:
            problems.append(Problem(name, f"dòng {line}, cột «{title}»", "cột bị lặp"))
        keys.append(key)
    missing = [c for c in columns if c.required and c.key not in keys]
    for where, hint in unknown:
        if notes is None or missing:
            problems.append(Problem(name, where, f"tên cột không có trong mẫu{hint}; xem "
                                    "trang Hướng dẫn (HUONG-DAN.txt) để biết các cột"))
        else:
            notes.append(Problem(name, where, f"cột không có trong mẫu{hint}: được giữ "
                                 "nguyên trong bảng nhưng chương trình không đọc; đổi tên "
                                 "cột nếu đây là một cột của mẫu"))
    for column in missing:
        problems.append(Problem(name, f"dòng {line}", f"thiếu cột «{column.aliases[0]}»; "
                                "chưa đọc các dòng của bảng này"))
    return keys


def _suggest(folded: str, lookup: dict[str, str]) -> str:
    import difflib

    close = difflib.get_close_matches(folded, list(lookup), n=1, cutoff=0.75)
    return f" (có phải «{close[0]}»?)" if close else ""


def _read_csv(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig")
    dialect = csv.excel
    sample = text[:4096]
    if sample.count(";") > sample.count(","):
        dialect = csv.excel
        return [row for row in csv.reader(io.StringIO(text), dialect, delimiter=";")]
    return [row for row in csv.reader(io.StringIO(text), dialect)]


MAX_XLSX_UNPACKED = 200 * 1024 * 1024  # a zip bomb unpacks to far more
MAX_COLUMNS = 60
MAX_BLANK_RUN = 1000  # empty rows in a row: the table has ended


def _check_zip(path: Path) -> None:
    """An .xlsx is a zip: refuse one that unpacks to far more than a table can be."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ValueError("tệp Excel bị hỏng (không phải tệp .xlsx)") from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise ValueError("tệp Excel giải nén ra quá lớn (có thể là tệp độc hại); không đọc")


def _read_xlsx(path: Path, sheet_name: str | None = None) -> list[list[str]]:
    """The rows of a sheet (the first one unless named), bounded by what is really in
    it: at most MAX_ROWS + 1 rows are read whatever the sheet declares, and trailing
    empty rows are dropped."""
    from openpyxl import load_workbook

    _check_zip(path)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[sheet_name] if sheet_name else book.worksheets[0]
        rows: list[list[str]] = []
        blank_run = 0
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            cells = [_cell_text(v) for v in row]
            blank_run = 0 if any(c.strip() for c in cells) else blank_run + 1
            if blank_run > MAX_BLANK_RUN or len(rows) > MAX_ROWS + 1:
                break  # the rest is padding up to a declared size, or far too much
            rows.append(cells)
        while rows and not any(c.strip() for c in rows[-1]):
            rows.pop()
        return rows
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
