"""Turn the unit's table definitions (and, optionally, its tables) into the Excel workbook
`du-lieu.xlsx` a clerk fills in: one sheet per table, named like the files, with
Vietnamese headers, drop-down lists, date cells, a frozen header row and a "Hướng dẫn"
sheet.

The loader reads the same workbook (pipeline.tables), so a unit may keep all its tables
in it instead of one CSV each. Equal input gives equal bytes: the zip is normalised.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline import load
from pipeline.errors import Problem
from pipeline.levels import LEVELS
from pipeline.model import UnitType
from pipeline.quarters import QUARTER_COLUMNS, QUARTERS
from pipeline.tables import Column, find_table, read_table, workbook_sheets
from pipeline.zipout import normalize_zip

FIRST_DATA_ROW = 2
LAST_VALIDATED_ROW = 2000
LEVEL_CHOICES = tuple(level.name for level in LEVELS)
DATE_KEYS = {"ngay_sinh", "ngay_vao_dang", "ngay_giu_chuc_vu", "ngay_thanh_lap"}


@dataclass(frozen=True)
class Sheet:
    stem: str
    columns: tuple[Column, ...]
    choices: Mapping[str, tuple[str, ...] | str]  # column key → list, or a range formula


def sheets_for(kind: UnitType, scored: bool) -> list[Sheet]:
    """The sheets of a unit of this type and regime, in the order a clerk fills them."""
    cells = f"'{load.SUB_UNITS}'!$A${FIRST_DATA_ROW}:$A${LAST_VALIDATED_ROW}"
    base = kind is UnitType.CHI_BO_CO_SO
    roles = ("Bí thư", "Phó Bí thư", "Ủy viên")
    member_choices: dict[str, tuple[str, ...] | str] = {
        "loai": ("Chính thức", "Dự bị"), "cap_uy": roles, "cap_uy_chi_bo": roles,
        "sinh_hoat": ("miễn sinh hoạt", "đình chỉ sinh hoạt"), "xep_loai_ccvc": LEVEL_CHOICES,
        "tu_xep_loai": LEVEL_CHOICES, "tu_khac_phuc": ("Có", "Không"),
        "chuyen_den": ("Có", "Không"), "thai_san": ("Có", "Không"),
    }
    skip = {"chi_bo", "cap_uy_chi_bo"} if base else set()
    if not base:
        member_choices["chi_bo"] = cells
    sheets = [Sheet(load.MEMBERS, tuple(c for c in load.MEMBER_COLUMNS if c.key not in skip),
                    member_choices)]
    if not base:
        sheets.append(Sheet(load.SUB_UNITS, load.SUB_UNIT_COLUMNS, {
            "loai": ("chi bộ trực thuộc", "đảng bộ bộ phận"), "co_cap_uy": ("Có", "Không"),
            "thuoc": cells}))
    if scored:
        sheets.append(Sheet(load.SCORES, load.SCORE_COLUMNS, {
            "doi_tuong": ("tập thể", "lãnh đạo, quản lý", "cá nhân",
                          "ngoài hệ thống chính trị"),
            "remedied": ("Có", "Không"), "quyet_dinh": LEVEL_CHOICES}))
        sheets.append(Sheet(QUARTERS, QUARTER_COLUMNS, {
            "quy": ("1", "2", "3", "4"), "muc": LEVEL_CHOICES}))
    ballots = {"quyet_dinh": LEVEL_CHOICES}
    person = tuple(c for c in load.PERSON_BALLOT_COLUMNS if c.key != "noi_bo_phieu")
    sheets += [
        Sheet(load.MEMBER_BALLOTS, person, ballots),
        Sheet(load.COMMITTEE_BALLOTS, load.PERSON_BALLOT_COLUMNS, ballots),
        Sheet(load.COLLECTIVE_BALLOTS, load.COLLECTIVE_BALLOT_COLUMNS,
              {**ballots, "doi_tuong": ("tổ chức", "cấp ủy")}),
    ]
    return sheets


def write_workbook(sheets: Sequence[Sheet], guide: str,
                   rows: Mapping[str, list[list[str]]] | None = None) -> bytes:
    """The workbook: the guide first, then one sheet per table with its `rows`."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    intro = book.active
    intro.title = "Hướng dẫn"
    intro.column_dimensions["A"].width = 110
    for number, line in enumerate(guide.splitlines(), start=1):
        intro.cell(number, 1, line).alignment = Alignment(wrap_text=False)
    heading = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for spec in sheets:
        sheet = book.create_sheet(spec.stem)
        for index, column in enumerate(spec.columns, start=1):
            cell = sheet.cell(1, index, column.aliases[0] if column.aliases else column.key)
            cell.font, cell.fill = heading, fill
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(str(cell.value)) + 4)
            if column.key in DATE_KEYS:
                for row in range(FIRST_DATA_ROW, LAST_VALIDATED_ROW + 1):
                    sheet.cell(row, index).number_format = "DD/MM/YYYY"
            choice = spec.choices.get(column.key)
            if choice:
                formula = choice if isinstance(choice, str) else \
                    '"' + ",".join(x.replace(",", " ") for x in choice) + '"'
                if isinstance(choice, tuple) and "," in "".join(choice):
                    formula = _choice_range(book, spec.stem, column.key, choice)
                check = DataValidation(type="list", formula1=formula, allow_blank=True,
                                       showErrorMessage=False)
                check.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_VALIDATED_ROW}")
                sheet.add_data_validation(check)
        sheet.freeze_panes = "A2"
        for offset, values in enumerate((rows or {}).get(spec.stem, []),
                                        start=FIRST_DATA_ROW):
            for index, (column, value) in enumerate(zip(spec.columns, values, strict=False),
                                                    start=1):
                sheet.cell(offset, index, _typed(column.key, value))
    return deterministic_bytes(book)


def deterministic_bytes(book: Any) -> bytes:
    """An openpyxl workbook saved so that equal content gives equal bytes: fixed
    properties and times, a normalised zip."""
    book.properties.creator = "hoso"
    book.properties.created = book.properties.modified = datetime(2000, 1, 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return normalize_zip(_fixed_times(buffer.getvalue()))


def _choice_range(book: Any, stem: str, key: str, choices: tuple[str, ...]) -> str:
    """Choices that contain a comma cannot be an inline list: put them on a hidden sheet."""
    lists = book["danh-muc"] if "danh-muc" in book.sheetnames else None
    if lists is None:
        lists = book.create_sheet("danh-muc")
        lists.sheet_state = "hidden"
    column = lists.max_column + 1 if lists.max_row > 1 or lists.cell(1, 1).value else 1
    lists.cell(1, column, f"{stem}.{key}")
    for row, value in enumerate(choices, start=2):
        lists.cell(row, column, value)
    from openpyxl.utils import get_column_letter

    letter = get_column_letter(column)
    return f"'danh-muc'!${letter}$2:${letter}${len(choices) + 1}"


def _typed(key: str, value: str) -> object:
    """A cell as Excel keeps it: dates as dates, whole numbers as numbers, else text."""
    text = value.strip()
    if key in DATE_KEYS and text:
        try:
            return load.parse_date(text)
        except ValueError:
            return text
    if re.fullmatch(r"\d{1,6}", text):
        return int(text)
    if re.fullmatch(r"\d{1,3}[.,]\d{1,2}", text):
        return float(text.replace(",", "."))
    return text


def _fixed_times(data: bytes) -> bytes:
    """openpyxl stamps the save time into docProps/core.xml: replace it."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2000-01-01T00:00:00Z",
                                 content)
            target.writestr(name, content)
    return out.getvalue()


def unit_workbook(folder: Path, kind: UnitType, scored: bool, guide: str) -> bytes:
    """The workbook of an existing unit: its tables (CSV or Excel) copied into sheets."""
    sheets = sheets_for(kind, scored)
    rows: dict[str, list[list[str]]] = {}
    for spec in sheets:
        source, _ = find_table(folder, spec.stem, workbook_sheets(folder))
        if source is None:
            continue
        problems: list[Problem] = []  # the build reports them; the copy keeps the rows
        table = read_table(source, spec.columns, problems, extra_ok=True)
        rows[spec.stem] = [[row.get(c.key) for c in spec.columns] for row in table]
    return write_workbook(sheets, guide, rows)

