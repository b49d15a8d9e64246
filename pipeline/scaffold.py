"""Turn a unit type into an empty, commented unit folder (`hoso init`)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from pipeline import load
from pipeline.errors import UsageError
from pipeline.model import UnitType
from pipeline.paths import ROOT
from pipeline.profiles import load_profile, profile_for_year
from pipeline.tables import WORKBOOK, Column

INIT = ROOT / "templates" / "init"

_DANG_BO_DOCUMENTS = """\
#  qd-xep-loai-to-chuc-truc-thuoc: {so: 19-QĐ/ĐU, ngay: 11/12/YEAR}
#  qd-xep-loai-cap-uy-truc-thuoc: {so: 20-QĐ/ĐU, ngay: 11/12/YEAR}
#  qd-xep-loai-cap-uy-vien-truc-thuoc: {so: 21-QĐ/ĐU, ngay: 11/12/YEAR}
"""


def header_line(columns: tuple[Column, ...], skip: set[str] = frozenset()) -> bytes:  # type: ignore[assignment]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        [c.aliases[0] if c.aliases else c.key for c in columns if c.key not in skip])
    return buffer.getvalue().encode("utf-8")


def init_unit(folder: Path, kind: UnitType, year: int | None = None,
              regime: str | None = None, csv_files: bool = False) -> list[Path]:
    """Write the empty folder; refuse to touch a folder that already has files.

    The tables go into one Excel workbook, du-lieu.xlsx (drop-down lists, date cells, a
    guide sheet), or with `csv_files` into one CSV each. Under a regime that rates by
    score (qd366) the CSV folder gets the score table instead of the ballot tables."""
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(f"thư mục «{folder}» đã có tệp; hãy chọn một thư mục mới")
    year = year or date.today().year
    regime = regime or profile_for_year(year)
    scored = load_profile(regime).rules.scored
    base = kind is UnitType.CHI_BO_CO_SO
    code = "CB" if base else "ĐU"
    name = "Chi bộ …" if base else "Đảng bộ …"
    yaml_text = (INIT / "don-vi.yaml").read_text(encoding="utf-8").format(
        type=kind.value, name=name, code=code, year=year, regime=regime,
        extra_documents="" if base else _DANG_BO_DOCUMENTS.replace("YEAR", str(year)))
    member_skip = {"chi_bo", "cap_uy_chi_bo"} if base else set()
    files = {
        load.UNIT_FILE: yaml_text.encode("utf-8"),
        f"{load.MEMBERS}.csv": header_line(load.MEMBER_COLUMNS, member_skip),
        f"{load.MEMBER_BALLOTS}.csv": header_line(load.PERSON_BALLOT_COLUMNS,
                                                  {"noi_bo_phieu"}),
        f"{load.COMMITTEE_BALLOTS}.csv": header_line(load.PERSON_BALLOT_COLUMNS),
        f"{load.COLLECTIVE_BALLOTS}.csv": header_line(load.COLLECTIVE_BALLOT_COLUMNS),
        "HUONG-DAN.txt": (INIT / "HUONG-DAN.txt").read_bytes(),
        "danh-gia.yaml": (INIT / "danh-gia.yaml").read_bytes(),
        "kiem-diem/HUONG-DAN.md": (INIT / "kiem-diem.md").read_bytes(),
    }
    if not base:
        files[f"{load.SUB_UNITS}.csv"] = header_line(load.SUB_UNIT_COLUMNS)
    if scored:  # items (3), (5) are score summaries (diem-danh-gia), not Mẫu 3/4 grades
        del files["danh-gia.yaml"]
        for stem in (load.MEMBER_BALLOTS, load.COMMITTEE_BALLOTS, load.COLLECTIVE_BALLOTS):
            del files[f"{stem}.csv"]
        files[f"{load.SCORES}.csv"] = header_line(load.SCORE_COLUMNS)
    if not csv_files:
        from pipeline.workbook import sheets_for, write_workbook

        for name in [n for n in files if n.endswith(".csv")]:
            del files[name]
        guide = (INIT / "HUONG-DAN.txt").read_text(encoding="utf-8")
        files[WORKBOOK] = write_workbook(sheets_for(kind, scored), guide)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / load.ATTACHMENTS_DIR).mkdir(exist_ok=True)
    written = []
    for name_, data in files.items():
        (folder / name_).parent.mkdir(parents=True, exist_ok=True)
        (folder / name_).write_bytes(data)
        written.append(folder / name_)
    return written
