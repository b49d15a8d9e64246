"""Excel first: the workbook du-lieu.xlsx, its round trip, and one source per table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.dossier import BuildResult, build
from pipeline.errors import InputError
from pipeline.load import load_unit
from pipeline.model import UnitType
from pipeline.paths import ROOT
from pipeline.workbook import unit_workbook
from tests.conftest import DANG_BO, QD366

GUIDE = (ROOT / "templates" / "init" / "HUONG-DAN.txt").read_text(encoding="utf-8")


def to_workbook(source: Path, target: Path, kind: UnitType, scored: bool) -> Path:
    shutil.copytree(source, target)
    (target / "du-lieu.xlsx").write_bytes(unit_workbook(target, kind, scored, GUIDE))
    for table in target.glob("*.csv"):
        table.unlink()
    return target


def test_round_trip_gives_the_same_dossier(built_qd366: BuildResult, tmp_path: Path) -> None:
    folder = to_workbook(QD366, tmp_path / "don-vi", UnitType.CHI_BO_CO_SO, True)
    result = build(folder, tmp_path / "out")
    assert (result.out / "ho-so.pdf").read_bytes() == \
        (built_qd366.out / "ho-so.pdf").read_bytes()
    assert (result.out / "ho-so.json").read_bytes() == \
        (built_qd366.out / "ho-so.json").read_bytes()


def test_round_trip_of_a_dang_bo_loads_the_same_unit(tmp_path: Path) -> None:
    folder = to_workbook(DANG_BO, tmp_path / "don-vi", UnitType.DANG_BO_CO_SO, False)
    from_csv, from_book = load_unit(DANG_BO), load_unit(folder)
    assert from_book.members == tuple(
        m.__class__(**{**m.__dict__, "source": b.source}) for m, b in
        zip(from_csv.members, from_book.members, strict=True))
    assert [b.ballot.count for b in from_book.person_ballots] == \
        [b.ballot.count for b in from_csv.person_ballots]


def test_init_writes_a_workbook_a_clerk_can_fill(tmp_path: Path) -> None:
    folder = tmp_path / "moi"
    result = CliRunner().invoke(main, ["init", str(folder), "--type", "dang_bo_co_so",
                                       "--year", "2025"])
    assert result.exit_code == 0, result.output
    assert not list(folder.glob("*.csv"))
    book = load_workbook(folder / "du-lieu.xlsx")
    assert book.sheetnames[0] == "Hướng dẫn"
    assert {"dang-vien", "to-chuc-truc-thuoc", "diem-danh-gia"} <= set(book.sheetnames)
    members = book["dang-vien"]
    assert members.freeze_panes == "A2"
    headers = [c.value for c in members[1]]
    assert headers[:3] == ["Mã", "Họ và tên", "Ngày sinh"]
    lists = {str(v.sqref).split(":")[0]: v.formula1
             for v in members.data_validations.dataValidation}
    column = {h: members.cell(1, i + 1).column_letter for i, h in enumerate(headers)}
    assert "Chính thức" in lists[f"{column['Loại đảng viên']}2"]
    assert "to-chuc-truc-thuoc" in lists[f"{column['Chi bộ']}2"]
    assert "Bí thư" in lists[f"{column['Cấp ủy']}2"]
    assert members[f"{column['Ngày sinh']}2"].number_format == "DD/MM/YYYY"
    assert book["Hướng dẫn"]["A1"].value.startswith("THƯ MỤC ĐƠN VỊ")
    # The same command twice writes the same bytes (a diff in git shows only real edits).
    again = tmp_path / "lai"
    CliRunner().invoke(main, ["init", str(again), "--type", "dang_bo_co_so", "--year", "2025"])
    assert (again / "du-lieu.xlsx").read_bytes() == (folder / "du-lieu.xlsx").read_bytes()


def test_a_table_in_two_places_is_an_error_naming_both(tmp_path: Path) -> None:
    folder = to_workbook(QD366, tmp_path / "don-vi", UnitType.CHI_BO_CO_SO, True)
    shutil.copy(QD366 / "dang-vien.csv", folder / "dang-vien.csv")
    with pytest.raises(InputError) as error:
        load_unit(folder, ballots_required=False)
    text = "\n".join(error.value.lines())
    assert "«dang-vien.csv» và «du-lieu.xlsx, trang dang-vien»" in text


def test_csv_and_xlsx_of_one_table_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "don-vi"
    shutil.copytree(QD366, folder)
    from openpyxl import Workbook

    sheet_book = Workbook()
    sheet_book.active.append(["Mã", "Họ và tên"])
    sheet_book.save(folder / "dang-vien.xlsx")
    with pytest.raises(InputError) as error:
        load_unit(folder, ballots_required=False)
    assert "«dang-vien.csv» và «dang-vien.xlsx»" in "\n".join(error.value.lines())
