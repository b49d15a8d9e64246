"""Quarterly results (Quy định 366, Điều 15.1; docs/quy-dinh-366.md, "Kết quả theo quý"):
the table tu-danh-gia-quy, the year's Mẫu 05 showing the quarters it rests on, and a warning
where the year departs from them with no reason given."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from pipeline.dossier import BuildResult, prepare, validate
from pipeline.errors import UsageError
from pipeline.rules import Severity
from tests.conftest import CHI_BO, QD366

Copy = Callable[[Path], Path]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_the_years_form_shows_the_quarters_it_rests_on(built_qd366: BuildResult) -> None:
    text = pdf_text(built_qd366.out / "mau" / "tu-danh-gia-ca-nhan.pdf")
    first = text.split("Mẫu 05-HD KĐ.ĐG 2025")[1]
    assert "BẢN TỰ ĐÁNH GIÁ, XẾP LOẠI CỦA CÁ NHÂN\nNăm 2025" in first
    assert "Chức vụ Đảng: Bí thư Chi bộ" in first
    assert "Quý I 25,5 55 80,5" in first and "Quý IV 26,25 55,75 82" in first
    assert "Bình quân các quý: 81,5/100 điểm." in first and "Tổng điểm: 81,5/100" in first
    assert "II. Tự đề xuất xếp loại mức chất lượng:\n□ Hoàn thành xuất sắc nhiệm vụ ■ " \
           "Hoàn thành tốt nhiệm vụ" in first
    assert "Bình quân các quý" not in text.split("Mẫu 05-HD KĐ.ĐG 2025")[4]  # DV04: none
    word = "\n".join(p.text for p in docx.Document(
        str(built_qd366.out / "mau" / "tu-danh-gia-ca-nhan.docx")).paragraphs)
    assert "BẢN TỰ ĐÁNH GIÁ, XẾP LOẠI CỦA CÁ NHÂN" in word
    assert "Bình quân các quý: 81,5/100 điểm." in word


def set_quarter(folder: Path, old: str, new: str) -> None:
    path = folder / "tu-danh-gia-quy.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_year_far_from_its_quarters_warns_unless_it_says_why(unit_copy: Copy) -> None:
    unit = unit_copy(QD366)
    for quarter in ('1,"25,5",55', '2,"26,5",56', '3,"25,75","55,25"', '4,"26,25","55,75"'):
        set_quarter(unit, f"DV01,Trương Minh Trung,{quarter}",
                    f"DV01,Trương Minh Trung,{quarter.split(',')[0]},20,40")
    found = [f for f in validate(unit).findings if f.rule == "diem-quy"]
    assert len(found) == 1 and found[0].severity is Severity.WARNING
    assert found[0].subject == "Trương Minh Trung"
    assert "81,5/100 khác bình quân các quý (Quý I, Quý II, Quý III, Quý IV: 60/100)" in \
        found[0].message
    assert found[0].source == "Quy định 366-QĐ/TW, Điều 15.1"
    scores = unit / "diem-danh-gia.csv"
    lines = scores.read_text(encoding="utf-8").splitlines()
    lines[0] += ",Giải trình so với các quý"
    lines = [line + (",quý IV hoàn thành dự án chuyển đổi số" if line.startswith("DV01,")
                     else ",") if i else line for i, line in enumerate(lines)]
    scores.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not [f for f in validate(unit).findings if f.rule == "diem-quy"]


def test_bad_quarter_rows_are_each_named(unit_copy: Copy) -> None:
    unit = unit_copy(QD366)
    path = unit / "tu-danh-gia-quy.csv"
    path.write_text(path.read_text(encoding="utf-8")
                    + "DV01,Trương Minh Trung,5,20,40,\n"
                    + "DV02,Nguyễn Quốc Huy,2,31,40,\n"
                    + "DV99,Không Có,1,20,40,\n"
                    + "DV04,Lương Thanh Cường,1,20,40,\n"
                    + "DV03,Lương Thanh Cường,IV,20,40,Tốt lắm\n", encoding="utf-8")
    messages = [str(p) for p in validate(unit).problems]
    assert "tu-danh-gia-quy.csv, dòng 14, cột Quý: quý «5» phải là 1, 2, 3, 4 (hoặc I, II, " \
           "III, IV)" in messages
    assert any(m.startswith("tu-danh-gia-quy.csv, dòng 15, cột Tiêu chí chung: điểm «31» "
                            "vượt quá 30") for m in messages), messages
    assert any(m.startswith("tu-danh-gia-quy.csv, dòng 16, cột Mã: «DV99»") for m in messages)
    assert any(m.startswith("tu-danh-gia-quy.csv, dòng 17: họ tên «Lương Thanh Cường» không "
                            "khớp với mã DV04") for m in messages)
    assert any(m.startswith("tu-danh-gia-quy.csv, dòng 18, cột Mức đề xuất") for m in messages)
    assert len(messages) == 5, messages


def test_a_quarters_forms_are_printed_on_their_own(tmp_path: Path) -> None:
    """hoso prepare --quy 2: Mẫu 05 of the second quarter only, for every member under
    review, with the quarter's row of tu-danh-gia-quy where there is one."""
    result = prepare(QD366, tmp_path / "quy-2", quarter=2)
    assert {name.split("-tu-danh-gia")[0] for name in result.files} == {"mau-05-hd-kd-dg-2025"}
    assert len([n for n in result.files if n.endswith(".pdf")]) == 1 + 14
    leader = pdf_text(result.out / "mau-05-hd-kd-dg-2025-tu-danh-gia-ca-nhan-DV01.pdf")
    assert "BẢN TỰ ĐÁNH GIÁ, XẾP LOẠI CỦA CÁ NHÂN\nQuý II năm 2025" in leader
    assert "1. Nhóm tiêu chí chung: 26,5/30" in leader and "Tổng điểm: 82,5/100" in leader
    member = pdf_text(result.out / "mau-05-hd-kd-dg-2025-tu-danh-gia-ca-nhan-DV04.pdf")
    assert "Quý II năm 2025" in member and "Tổng điểm: …/100" in member
    word = "\n".join(p.text for p in docx.Document(
        str(result.out / "mau-05-hd-kd-dg-2025-tu-danh-gia-ca-nhan-DV01.docx")).paragraphs)
    assert "Quý II năm 2025" in word and "Tổng điểm: 82,5/100" in word


def test_a_regime_without_quarterly_forms_refuses_a_quarter(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="không có mẫu tự đánh giá theo quý"):
        prepare(CHI_BO, tmp_path / "quy-1", quarter=1)
    assert not (tmp_path / "quy-1").exists()
