"""Loading validates everything first and reports every problem with its location."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.load import load_unit
from tests.conftest import CHI_BO, DANG_BO
from tests.helpers import edit_csv, read_csv

Copy = Callable[..., Path]


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    return caught.value.lines()


def test_samples_load() -> None:
    assert len(load_unit(CHI_BO).members) == 15
    dang_bo = load_unit(DANG_BO)
    assert len(dang_bo.members) >= 60 and len(dang_bo.sub_units) >= 4


def test_wrong_types_are_named_with_file_row_and_column(unit_copy: Copy) -> None:
    folder = unit_copy()
    edit_csv(folder / "dang-vien.csv", 3, "Ngày vào Đảng", "32/13/2020")
    edit_csv(folder / "phieu-dang-vien.csv", 2, "HTTNV", "bảy")
    lines = problems_of(folder)
    assert any(line.startswith("dang-vien.csv, dòng 4, cột Ngày vào Đảng") and "32/13/2020"
               in line for line in lines)
    assert any(line.startswith("phieu-dang-vien.csv, dòng 3, cột HTTNV") for line in lines)


def test_unknown_level(unit_copy: Copy) -> None:
    folder = unit_copy()
    edit_csv(folder / "dang-vien.csv", 1, "Xếp loại CCVC", "Xuất sắc lắm")
    assert any("mức xếp loại «Xuất sắc lắm» không có" in line for line in problems_of(folder))


def test_duplicate_people(unit_copy: Copy) -> None:
    folder = unit_copy()
    rows = read_csv(folder / "dang-vien.csv")
    edit_csv(folder / "dang-vien.csv", 2, "Mã", rows[1][0])
    edit_csv(folder / "dang-vien.csv", 4, "Họ và tên", rows[5][1])
    edit_csv(folder / "dang-vien.csv", 4, "Ngày sinh", rows[5][2])
    lines = problems_of(folder)
    assert any("mã đảng viên «DV01» bị trùng" in line for line in lines)
    assert any("trùng họ tên và ngày sinh" in line and "dòng 5" in line for line in lines)


@pytest.mark.parametrize(("column", "value", "expected"), [
    ("HTTNV", "40", "lớn hơn số có mặt"),
    ("Có mặt", "20", "lớn hơn tổng số"),
    ("Tổng số", "12", "khác số đảng viên chính thức của chi bộ (13)"),
])
def test_ballots_that_do_not_add_up(unit_copy: Copy, column: str, value: str,
                                    expected: str) -> None:
    folder = unit_copy()
    edit_csv(folder / "phieu-dang-vien.csv", 1, column, value)
    assert any(line.startswith("phieu-dang-vien.csv, dòng 2") and expected in line
               for line in problems_of(folder))


def test_leader_who_is_not_a_member(unit_copy: Copy) -> None:
    folder = unit_copy()
    text = (folder / "don-vi.yaml").read_text(encoding="utf-8")
    (folder / "don-vi.yaml").write_text(text.replace("[DV01, DV02]", "[DV01, DV99]"),
                                        encoding="utf-8")
    assert any(line.startswith("don-vi.yaml, ho_so_ca_nhan[2]") and "DV99" in line
               for line in problems_of(folder))


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("09-hong.pdf", b"%PDF-1.7\nthis is not really a pdf", "PDF bị hỏng"),
    ("07-anh.jpg", b"\xff\xd8\xff\xe0 broken jpeg", "ảnh bị hỏng"),
    ("02-word.docx", b"PK\x03\x04", "chỉ nhận tệp PDF, JPEG hoặc PNG"),
    ("03-khong-phai.pdf", b"hello", "không phải tệp PDF"),
    ("bao-cao.pdf", b"%PDF-1.4", "tên tệp phải bắt đầu bằng số mục"),
])
def test_unreadable_attachments(unit_copy: Copy, name: str, data: bytes,
                                expected: str) -> None:
    folder = unit_copy()
    (folder / "dinh-kem" / name).write_bytes(data)
    assert any(line.startswith(f"dinh-kem/{name}") and expected in line
               for line in problems_of(folder))


def test_encrypted_pdf_attachment(unit_copy: Copy) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("mat-khau")
    buffer = io.BytesIO()
    writer.write(buffer)
    folder = unit_copy()
    (folder / "dinh-kem" / "02-bi-mat.pdf").write_bytes(buffer.getvalue())
    assert any("mật khẩu" in line for line in problems_of(folder))


def test_legacy_encoding_and_lookalike_d(unit_copy: Copy) -> None:
    folder = unit_copy()
    edit_csv(folder / "dang-vien.csv", 2, "Chức vụ", "Tr­ëng phßng")
    edit_csv(folder / "dang-vien.csv", 5, "Họ và tên", "Ðặng Văn Nam")
    lines = problems_of(folder)
    assert any(line.startswith("dang-vien.csv, dòng 3, cột «Chức vụ»") and "TCVN3/VNI" in line
               for line in lines)
    assert any(line.startswith("dang-vien.csv, dòng 6") and "U+00D0" in line for line in lines)


def test_file_in_a_legacy_code_page(unit_copy: Copy) -> None:
    folder = unit_copy()
    text = (folder / "phieu-tap-the.csv").read_text(encoding="utf-8")
    (folder / "phieu-tap-the.csv").write_bytes(text.encode("cp1258", errors="replace"))
    assert any(line.startswith("phieu-tap-the.csv") and "không phải UTF-8" in line
               for line in problems_of(folder))


def test_every_problem_is_reported_at_once(unit_copy: Copy) -> None:
    folder = unit_copy()
    edit_csv(folder / "dang-vien.csv", 1, "Loại đảng viên", "nửa vời")
    edit_csv(folder / "phieu-dang-vien.csv", 2, "Có mặt", "99")
    (folder / "dinh-kem" / "08-x.pdf").write_bytes(b"garbage")
    (folder / "don-vi.yaml").write_text(
        (folder / "don-vi.yaml").read_text(encoding="utf-8") + "ten_sai: 1\n", encoding="utf-8")
    files = {line.split(",")[0].split(":")[0] for line in problems_of(folder)}
    assert {"dang-vien.csv", "phieu-dang-vien.csv", "dinh-kem/08-x.pdf",
            "don-vi.yaml"} <= files


def test_bad_input_exits_2_and_writes_nothing(unit_copy: Copy, tmp_path: Path) -> None:
    folder = unit_copy()
    edit_csv(folder / "dang-vien.csv", 1, "Ngày vào Đảng", "hôm qua")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(folder), "-o", str(out)])
    assert result.exit_code == 2
    assert "dang-vien.csv, dòng 2" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_excel_tables_and_vietnamese_headers(unit_copy: Copy) -> None:
    folder = unit_copy()
    rows = read_csv(folder / "dang-vien.csv")
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(folder / "dang-vien.xlsx")
    (folder / "dang-vien.csv").unlink()
    unit = load_unit(folder)
    assert [m.name for m in unit.members] == [r[1] for r in rows[1:]]


def test_unknown_column_is_reported(unit_copy: Copy) -> None:
    folder = unit_copy()
    path = folder / "phieu-tap-the.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Đối tượng", "Đối tựơng sai"),
                    encoding="utf-8")
    lines = problems_of(folder)
    assert any("cột «Đối tựơng sai»" in line for line in lines)
    assert any("thiếu cột «Đối tượng»" in line for line in lines)


def test_attachments_listed_in_the_unit_file(unit_copy: Copy) -> None:
    folder = unit_copy()
    scans = folder / "ban-quet"
    scans.mkdir()
    (folder / "dinh-kem" / "08-qd-xep-loai-cong-doan.jpg").rename(scans / "cong-doan.jpg")
    (folder / "dinh-kem" / "DV02" / "4-ke-khai-tai-san.pdf").rename(scans / "tai-san.pdf")
    with (folder / "don-vi.yaml").open("a", encoding="utf-8") as f:
        f.write("dinh_kem:\n  - {muc: 8, tep: ban-quet/cong-doan.jpg}\n"
                "  - {muc: 4, ca_nhan: DV02, tep: ban-quet/tai-san.pdf}\n")
    unit = load_unit(folder)
    assert [a.path.name for a in unit.attachments_for("8")] == ["cong-doan.jpg"]
    assert [a.pages for a in unit.attachments_for("4", "DV02")] == [2]
    with (folder / "don-vi.yaml").open("a", encoding="utf-8") as f:
        f.write("  - {muc: 2, tep: ../../etc/passwd}\n")
    assert any("không có tệp «../../etc/passwd»" in line for line in problems_of(folder))
