"""Nothing silently wrong: a printed field still holding a template's placeholder ("…") makes
the build incomplete, naming the field; `hoso init` writes no sample document numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.dossier import validate
from pipeline.model import UnitType
from pipeline.scaffold import init_unit
from tests.conftest import DANG_BO, QD366

Copy = Callable[[Path], Path]


def with_placeholders(folder: Path) -> None:
    path = folder / "don-vi.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("cap_tren: Đảng bộ Ủy ban nhân dân thành phố Huế",
                        "cap_tren: Đảng bộ …")
    text = text.replace("dia_danh: Thành phố Huế", "dia_danh: …")
    assert text.count("…") >= 2
    path.write_text(text, encoding="utf-8")


def test_a_placeholder_makes_the_build_incomplete_naming_the_field(
        unit_copy: Copy, tmp_path: Path) -> None:
    unit = unit_copy(QD366)
    with_placeholders(unit)
    result = CliRunner().invoke(main, ["build", str(unit), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    report = (tmp_path / "out" / "bao-cao.txt").read_text(encoding="utf-8")
    assert "[CHƯA ĐIỀN] don-vi.yaml, khóa cap_tren: «Đảng bộ …»" in report
    assert "[CHƯA ĐIỀN] don-vi.yaml, khóa dia_danh: «…»" in report
    assert "Hồ sơ đầy đủ" not in report and "2 chỗ chưa điền" in report
    assert "cap_tren" in result.output


def test_names_with_dots_inside_words_are_not_placeholders(unit_copy: Copy) -> None:
    """The filled sample has none; nor has a real name with an abbreviation's dot."""
    unit = unit_copy(QD366)
    assert validate(unit).unfilled == ()
    path = unit / "don-vi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "dia_danh: Thành phố Huế", "dia_danh: TP. Huế"), encoding="utf-8")
    assert validate(unit).unfilled == ()


def test_the_web_check_lists_the_fields(unit_copy: Copy) -> None:
    unit = unit_copy(QD366)
    with_placeholders(unit)
    found = validate(unit)
    assert [(u.key, u.value) for u in found.unfilled] == [("cap_tren", "Đảng bộ …"),
                                                         ("dia_danh", "…")]


def test_init_writes_no_sample_document_numbers(tmp_path: Path) -> None:
    for kind in UnitType:
        folder = tmp_path / kind.value
        init_unit(folder, kind, 2026, "qd366", csv_files=True)
        raw = yaml.safe_load((folder / "don-vi.yaml").read_text(encoding="utf-8"))
        assert not raw.get("van_ban"), raw.get("van_ban")
        assert raw["cap_tren"] == "Đảng bộ …"  # a placeholder, which the build then names
        # Mẫu 3/4 grades are not part of Quy định 366: no file that the build would not read
        assert not (folder / "danh-gia.yaml").exists()
        assert "du-lieu.xlsx" in (folder / "HUONG-DAN.txt").read_text(encoding="utf-8")
    init_unit(tmp_path / "qd124", UnitType.CHI_BO_CO_SO, 2024, "qd124", csv_files=True)
    assert (tmp_path / "qd124" / "danh-gia.yaml").is_file()


def test_a_clerks_own_column_is_read_past_with_a_note(unit_copy: Copy, tmp_path: Path) -> None:
    """A notes column of the clerk's own stays in the file, is not read, and is said once;
    the build is complete as before."""
    unit = unit_copy(QD366)
    path = unit / "dang-vien.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",Ghi chú riêng"] + [line + ",gọi lại thứ Hai" for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(unit), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    report = (tmp_path / "out" / "bao-cao.txt").read_text(encoding="utf-8")
    assert report.count("[LƯU Ý] dang-vien.csv, dòng 1, cột «Ghi chú riêng»: cột không có "
                        "trong mẫu") == 1
    assert "Hồ sơ đầy đủ" in report
    assert [note.where for note in validate(unit).unit.notes] == [  # type: ignore[union-attr]
        "dòng 1, cột «Ghi chú riêng»"]


def test_a_name_that_disagrees_with_its_code_is_an_error_naming_both(unit_copy: Copy) -> None:
    """A score row pasted one line off would score the wrong person."""
    unit = unit_copy(QD366)
    path = unit / "diem-danh-gia.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "DV02,Nguyễn Quốc Huy,", "DV02,Lương Thanh Cường,"), encoding="utf-8")
    messages = [str(p) for p in validate(unit).problems]
    assert any("diem-danh-gia.csv, dòng 5" in m and "«Lương Thanh Cường»" in m
               and "DV02 («Nguyễn Quốc Huy»)" in m for m in messages), messages


def test_a_row_pasted_twice_is_said_once(unit_copy: Copy) -> None:
    unit = unit_copy(QD366)
    path = unit / "dang-vien.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[2]]) + "\n", encoding="utf-8")
    messages = [str(p) for p in validate(unit).problems]
    assert messages == [f"dang-vien.csv, dòng {len(lines) + 1}: chép lại đúng dòng 3; xóa một "
                        "trong hai dòng"]


def test_one_person_under_two_codes_names_the_first(unit_copy: Copy) -> None:
    unit = unit_copy(QD366)
    path = unit / "dang-vien.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[2].replace("DV02,", "DV99,", 1)]) + "\n",
                    encoding="utf-8")
    messages = [str(p) for p in validate(unit).problems]
    assert f"dang-vien.csv, dòng {len(lines) + 1}: «Nguyễn Quốc Huy» trùng họ tên và ngày " \
           "sinh với DV02 (dòng 3): một người chỉ ghi một dòng; nếu là hai người khác nhau, " \
           "kiểm tra ngày sinh" in messages, messages


def test_an_unknown_chi_bo_lists_the_codes_there_are(unit_copy: Copy) -> None:
    unit = unit_copy(DANG_BO)
    path = unit / "dang-vien.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",NOI,", ",NOY,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    messages = [str(p) for p in validate(unit).problems]
    assert "dang-vien.csv, dòng 2, cột Chi bộ: chi bộ «NOY» không có trong to-chuc-truc-thuoc; " \
           "các mã có: CLS, HC, NGOAI, NOI" in messages, messages


def test_a_sideways_scan_gets_a_note(unit_copy: Copy, tmp_path: Path) -> None:
    """A portrait page scanned sideways, stored without EXIF orientation, is bound as it
    is; the clerk is told. An upright one, or one whose EXIF turns it upright, is not."""
    from PIL import Image

    unit = unit_copy(QD366)
    scan = unit / "dinh-kem" / "07-qd-xep-loai-ccvc.jpg"
    with Image.open(scan) as image:
        upright = image.width < image.height
        image.rotate(90, expand=True).save(scan)
    assert upright  # the sample's own scan stands
    turned = unit / "dinh-kem" / "08-qd-xep-loai-cong-doan.jpg"
    with Image.open(turned) as image:
        exif = Image.Exif()
        exif[0x0112] = 6  # shown turned a quarter: upright again
        image.rotate(90, expand=True).save(turned, exif=exif)
    notes = [str(n) for n in validate(unit).unit.notes]  # type: ignore[union-attr]
    assert len(notes) == 1 and notes[0].startswith("dinh-kem/07-qd-xep-loai-ccvc.jpg: ảnh "
                                                    "nằm ngang"), notes
    result = CliRunner().invoke(main, ["build", str(unit), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output  # a note, never a block
    assert "[LƯU Ý] dinh-kem/07-qd-xep-loai-ccvc.jpg: ảnh nằm ngang" in (
        tmp_path / "out" / "bao-cao.txt").read_text(encoding="utf-8")
