"""The form catalogue: PDF and DOCX say the same, every glyph is in the bundled font,
narratives and grades flow into their forms, and hoso prepare writes the handouts."""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from docx.oxml.ns import qn
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from pipeline.cli import main
from pipeline.dossier import BuildResult, PrepareResult, build
from pipeline.errors import InputError
from pipeline.load import load_unit
from pipeline.paths import FONTS
from pipeline.render import Renderer
from tests.conftest import CHI_BO, DANG_BO

Copy = Callable[..., Path]


@pytest.fixture(scope="session")
def prepared(prepared_dang_bo: PrepareResult) -> PrepareResult:
    return prepared_dang_bo


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        seen = []
        for row in table.rows:
            for cell in row.cells:  # merged cells (across and down) repeat: keep each once
                if cell._tc not in seen:
                    seen.append(cell._tc)
                    parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def words(text: str) -> list[str]:
    """The words of a text, without page numbers and the dotted lines to write on."""
    return [w for w in re.split(r"\s+", text) if w and not w.isdigit() and w.strip("…")]


def all_form_pairs(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*.docx"))


def test_every_form_says_the_same_in_pdf_and_docx(built_chi_bo: BuildResult,
                                                  built_dang_bo: BuildResult,
                                                  prepared: PrepareResult,
                                                  built_qd366: BuildResult,
                                                  prepared_qd366: PrepareResult) -> None:
    pairs = all_form_pairs(built_chi_bo.out / "mau", built_dang_bo.out / "mau", prepared.out,
                           built_qd366.out / "mau", prepared_qd366.out)
    assert len(pairs) >= 80
    for path in pairs:
        in_pdf, in_docx = pdf_text(path.with_suffix(".pdf")), docx_text(path)
        # Every word of each is in the other. Text extraction from a PDF table may glue
        # two cells ("chúHTXSNV"), so a word is looked for in the text without spaces.
        for text, other in ((in_pdf, in_docx), (in_docx, in_pdf)):
            squeezed = "".join(other.split())
            missing = {w for w in words(text) if w not in squeezed}
            assert not missing, (path.name, sorted(missing)[:10])
        assert "{{" not in in_docx and "{%" not in in_docx, path.name


def test_word_templates_are_what_the_generator_writes() -> None:
    import importlib.util

    from pipeline.forms import BUILDERS
    from pipeline.paths import ROOT, TEMPLATES

    spec = importlib.util.spec_from_file_location(
        "make_docx_templates", ROOT / "tools" / "make_docx_templates.py")
    assert spec and spec.loader
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert set(generator.LAYOUTS) == set(BUILDERS)
    for form in BUILDERS:
        assert (TEMPLATES / f"{form}.html").exists()
        committed = zipfile.ZipFile(TEMPLATES / "docx" / f"{form}.docx")
        fresh = zipfile.ZipFile(io.BytesIO(generator.template_bytes(form)))
        for part in ("word/document.xml", "docProps/core.xml"):  # the layout, not the styles
            assert committed.read(part) == fresh.read(part), (
                f"{form}.docx is stale: run python tools/make_docx_templates.py")


def test_word_tables_repeat_their_heading_rows(built_dang_bo: BuildResult) -> None:
    document = docx.Document(str(built_dang_bo.out / "mau" / "muc-09-qd-xep-loai-dang-vien.docx"))
    table = document.tables[-1]
    heading = table.rows[0]._tr.trPr
    assert heading is not None and heading.find(qn("w:tblHeader")) is not None
    names = {m.name for m in built_dang_bo.unit.members}
    listed = {row.cells[1].text for row in table.rows}
    assert names & listed and len(table.rows) > 60  # every member, in the Word list too


def test_every_character_is_in_the_bundled_font(built_chi_bo: BuildResult,
                                                built_dang_bo: BuildResult,
                                                prepared: PrepareResult) -> None:
    cmap = TTFont(FONTS / "LiberationSerif-Regular.ttf").getBestCmap()
    paths = [built_chi_bo.out / "ho-so.pdf", built_dang_bo.out / "ho-so.pdf",
             *all_form_pairs(built_chi_bo.out / "mau", built_dang_bo.out / "mau", prepared.out)]
    for path in paths:
        text = docx_text(path) if path.suffix == ".docx" else pdf_text(path)
        absent = {c for c in text if not c.isspace() and ord(c) not in cmap}
        assert not absent, (path.name, absent)


def test_header_dates_are_zero_padded(built_chi_bo: BuildResult,
                                      built_dang_bo: BuildResult) -> None:
    dates = []
    for folder in (built_chi_bo.out / "mau", built_dang_bo.out / "mau"):
        for path in folder.glob("*.pdf"):
            dates += re.findall(r"ngày (\d+) tháng (\d+) năm (\d{4})", pdf_text(path))
    assert dates
    for day, month, _ in dates:
        assert len(day) == 2
        assert len(month) == (2 if int(month) <= 2 else len(str(int(month))))


def test_narratives_and_grades_reach_their_forms(built_chi_bo: BuildResult) -> None:
    mau = built_chi_bo.out / "mau"
    report = pdf_text(mau / "muc-04-bao-cao-kiem-diem-tap-the.pdf")
    assert "Mẫu 01" in report and "Số 24-BC/CB" in report
    assert "Hoàn thành 14/14 chỉ tiêu kế hoạch năm" in " ".join(report.split())
    assert "VII. Tự đánh giá, xếp loại chất lượng tập thể" in report
    grid = pdf_text(mau / "muc-03-cham-diem-to-chuc.pdf")
    assert "Mẫu 3b" in grid and "Xuất sắc: 1 tiêu chí; Tốt: 7 tiêu chí" in grid
    assert "cho phép xếp loại cao nhất: Hoàn thành tốt nhiệm vụ" in " ".join(grid.split())
    comments = pdf_text(mau / "ca-nhan-DV01-3-tong-hop-y-kien.pdf")
    assert "Trương Minh Trung" in comments and "II. Ý kiến đóng góp về hạn chế" in comments


def test_generated_items_replace_missing_scans(built_chi_bo: BuildResult) -> None:
    import json

    manifest = json.loads((built_chi_bo.out / "ho-so.json").read_text(encoding="utf-8"))
    forms = {(i["section"], i["item"]): i.get("form") for i in manifest["items"]
             if i["status"] == "present" and i["source"] == "generated"}
    assert forms[("organisation", "3")] == "cham-diem-to-chuc"
    assert forms[("organisation", "4")] == "bao-cao-kiem-diem-tap-the"
    assert forms[("organisation", "5")] == "cham-diem-cap-uy"
    assert forms[("personal", "3")] == "tong-hop-y-kien"
    scans = {i["item"] for i in manifest["items"]
             if i["section"] == "personal" and i.get("source") == "attachment"}
    assert scans == {"1", "2", "4"}  # signed or third-party papers stay scans


def test_lower_level_forms_for_each_chi_bo(built_dang_bo: BuildResult) -> None:
    mau = built_dang_bo.out / "mau"
    for code in ("NOI", "NGOAI", "CLS", "HC"):
        text = pdf_text(mau / f"ds-phieu-dang-vien-chi-bo-{code}.pdf")
        assert "Mẫu 7a" in text
        committee = pdf_text(mau / f"ds-phieu-cap-uy-vien-chi-bo-{code}.pdf")
        assert "Mẫu 10a" in committee
        secretary = next(m for m in built_dang_bo.unit.members
                         if m.cell == code and m.cell_role and m.cell_role.value == 1)
        assert "T/M CHI ỦY" in committee and secretary.name in committee  # the chi bộ signs
    summary = pdf_text(mau / "tong-hop-cham-diem-truc-thuoc.pdf")
    assert "Mẫu 5a" in summary and "Chi bộ Khối Ngoại" in summary
    assert "Mẫu 9a" in pdf_text(mau / "tong-hop-cap-uy-truc-thuoc.pdf")
    page = PdfReader(mau / "ds-phieu-dang-vien-chi-bo-NOI.pdf").pages[0]
    assert page.mediabox.width > page.mediabox.height  # the wide list is landscape


def test_prepare_writes_the_handouts(prepared: PrepareResult) -> None:
    names = set(prepared.files)
    for cell in ("NOI", "NGOAI", "CLS", "HC"):
        assert f"mau-7-phieu-bieu-quyet-dang-vien-{cell}.pdf" in names
        assert f"mau-10-phieu-bieu-quyet-cap-uy-vien-{cell}.pdf" in names
    assert {"mau-2a-2b-ban-kiem-diem-ca-nhan.pdf", "mau-3-213-phieu-xin-y-kien-noi-cu-tru.pdf",
            "mau-6-tieu-chi-dang-vien.pdf", "mau-01-bao-cao-kiem-diem-tap-the.pdf"} <= names
    unit = load_unit(DANG_BO)
    cell = [m for m in unit.members if m.cell == "NOI"]
    voters = [m for m in cell if m.official and m.activity.value == "active"]
    ballot = PdfReader(prepared.out / "mau-7-phieu-bieu-quyet-dang-vien-NOI.pdf")
    assert len(ballot.pages) == len(voters)  # one copy per full member
    first = ballot.pages[0].extract_text()
    assert all(m.name in " ".join(first.split()) for m in voters)
    reviews = pdf_text(prepared.out / "mau-2a-2b-ban-kiem-diem-ca-nhan.pdf")
    assert reviews.count("BẢN KIỂM ĐIỂM CÁ NHÂN") == sum(
        1 for m in unit.members if m.activity.value == "active")
    assert "Mẫu 2B" in reviews and "Mẫu 2A" in reviews
    assert "ngày … tháng … năm 2025" in reviews


def test_prepare_needs_no_ballots(unit_copy: Copy, tmp_path: Path) -> None:
    folder = unit_copy(CHI_BO)
    for name in ("phieu-dang-vien.csv", "phieu-cap-uy-vien.csv", "phieu-tap-the.csv"):
        (folder / name).unlink()
    result = CliRunner().invoke(main, ["prepare", str(folder), "-o", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "mau-7-phieu-bieu-quyet-dang-vien.pdf").exists()
    result = CliRunner().invoke(main, ["build", str(folder), "-o", str(tmp_path / "b")])
    assert result.exit_code == 2 and "phieu-dang-vien.csv" in result.output


def test_blank_skeleton_when_no_text(unit_copy: Copy, tmp_path: Path) -> None:
    folder = unit_copy(CHI_BO)
    (folder / "kiem-diem" / "tap-the.md").unlink()
    result = build(folder, tmp_path / "out")
    assert not (result.out / "mau" / "muc-04-bao-cao-kiem-diem-tap-the.pdf").exists()
    assert any("[THIẾU]" in line and "kiem-diem/tap-the.md" in line for line in result.report)


@pytest.mark.parametrize(("file", "text", "expected"), [
    ("kiem-diem/tap-the.md", "Mở đầu không có đề mục\n## I.\nx\n", "phải bắt đầu bằng"),
    ("kiem-diem/tap-the.md", "## I\nx\n" * 2, "đã có ở trên"),
    ("kiem-diem/tap-the.md", "## Khen thưởng\nx\n", "không ứng với đề mục nào"),
    ("y-kien/DV99.md", "## I\nx\n", "không phải mã một đảng viên"),
    ("kiem-diem/DV03.md", "## I\n§¶ng ñy\n", "TCVN3/VNI"),
])
def test_bad_narratives(unit_copy: Copy, file: str, text: str, expected: str) -> None:
    folder = unit_copy(CHI_BO)
    (folder / file).parent.mkdir(exist_ok=True)
    (folder / file).write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert any(line.startswith(file) and expected in line for line in caught.value.lines())


@pytest.mark.parametrize(("text", "expected"), [
    ("to_chuc:\n  chinh_tri_tu_tuong: Giỏi\n", "cấp độ «Giỏi»"),
    ("to_chuc:\n  tieu_chi_la: Tốt\n", "tiêu chí không có trong mẫu"),
    ("to_chuc:\n  chinh_tri_tu_tuong: Tốt\n", "thiếu tiêu chí «chi_tieu_nhiem_vu»"),
    ("diem: 1\n", "khóa không có trong mẫu"),
])
def test_bad_grades(unit_copy: Copy, text: str, expected: str) -> None:
    folder = unit_copy(CHI_BO)
    (folder / "danh-gia.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    assert any(line.startswith("danh-gia.yaml") and expected in line
               for line in caught.value.lines())


def test_grades_below_the_voted_level_are_a_violation(unit_copy: Copy) -> None:
    from pipeline.profiles import load_profile
    from pipeline.rules import assess

    folder = unit_copy(CHI_BO)
    path = folder / "danh-gia.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "chi_tieu_nhiem_vu: Tốt", "chi_tieu_nhiem_vu: Trung bình", 1), encoding="utf-8")
    errors = assess(load_unit(folder), load_profile("qd124")).errors
    assert any(f.rule == "tieu-chi" and "HTTNV" in f.message and "HTNV" in f.message
               for f in errors)


def test_sub_unit_grids_and_the_10d_list(built_dang_bo: BuildResult) -> None:
    mau = built_dang_bo.out / "mau"
    grid = pdf_text(mau / "cham-diem-to-chuc-NGOAI.pdf")
    assert "Mẫu 3d" in grid and "CHI BỘ KHỐI NGOẠI" in grid and "Trung bình: 8 tiêu chí" in grid
    assert "Mẫu 4" in pdf_text(mau / "cham-diem-cap-uy-NGOAI.pdf")
    assert "(Mẫu 10d)" in pdf_text(mau / "muc-12-qd-xep-loai-cap-uy-vien-truc-thuoc.pdf")


def test_award_to_a_sub_unit_rated_htxsnv(unit_copy: Copy, tmp_path: Path) -> None:
    from tests.helpers import edit_csv, read_csv

    folder = unit_copy(DANG_BO)
    rows = read_csv(folder / "phieu-tap-the.csv")
    row = next(i for i, r in enumerate(rows) if r[0] == "HC" and r[1] == "tổ chức")
    for column, value in (("HTXSNV", "7"), ("HTTNV", "0"), ("HTNV", "0"), ("KHTNV", "0")):
        edit_csv(folder / "phieu-tap-the.csv", row, column, value)
    result = build(folder, tmp_path / "out")
    text = pdf_text(result.out / "mau" / "qd-khen-thuong-to-chuc-truc-thuoc.pdf")
    assert "Mẫu 8e" in text and "Chi bộ Hành chính – Tổng hợp" in text


def test_renderer_reads_only_bundled_files() -> None:
    from pipeline.engine import BundledOnlyFetcher
    from pipeline.paths import FONTS as fonts

    fetcher = BundledOnlyFetcher(allowed_protocols=("file",))
    for url in ("file:///etc/passwd", "http://127.0.0.1/x.png", "https://example.org/a.css",
                f"{fonts.as_uri()}/../pyproject.toml"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch((fonts / "LiberationSerif-Regular.ttf").as_uri()) is not None


def test_data_is_escaped_and_cannot_fetch(unit_copy: Copy, tmp_path: Path) -> None:
    from tests.helpers import edit_csv

    folder = unit_copy(CHI_BO)
    hostile = '<img src="file:///etc/passwd"> <b>Nguyễn Văn A</b>'
    edit_csv(folder / "dang-vien.csv", 5, "Chức vụ", hostile)
    result = build(folder, tmp_path / "out")
    decision = result.out / "mau" / "muc-09-qd-xep-loai-dang-vien"
    for text in (pdf_text(decision.with_suffix(".pdf")), docx_text(decision.with_suffix(".docx"))):
        assert '<imgsrc="file:///etc/passwd"><b>NguyễnVănA</b>' in "".join(text.split())


def test_labels_when_a_sub_unit_is_a_dang_bo_bo_phan(unit_copy: Copy, tmp_path: Path) -> None:
    from tests.helpers import edit_csv

    folder = unit_copy(DANG_BO)
    edit_csv(folder / "to-chuc-truc-thuoc.csv", 1, "Loại", "đảng bộ bộ phận")  # NOI
    result = build(folder, tmp_path / "out")
    mau = result.out / "mau"
    assert "Mẫu 7b" in pdf_text(mau / "ds-phieu-dang-vien-chi-bo-NOI.pdf")
    assert "Mẫu 7a" in pdf_text(mau / "ds-phieu-dang-vien-chi-bo-HC.pdf")
    assert "Mẫu 10b" in pdf_text(mau / "ds-phieu-cap-uy-vien-chi-bo-NOI.pdf")
    assert "Mẫu 3c" in pdf_text(mau / "cham-diem-to-chuc-NOI.pdf")
    assert "Mẫu 8c" in pdf_text(mau / "muc-10-qd-xep-loai-to-chuc-truc-thuoc.pdf")
    assert "Mẫu 9b" in pdf_text(mau / "tong-hop-cap-uy-truc-thuoc.pdf")


def test_a_dang_bo_bo_phan_sums_up_its_own_chi_bo(unit_copy: Copy, tmp_path: Path) -> None:
    from tests.factory import add_section

    folder = unit_copy(DANG_BO)
    add_section(folder)
    result = build(folder, tmp_path / "out")
    mau = result.out / "mau"
    for form, label, what in (("tong-hop-cham-diem-truc-thuoc", "Mẫu 5", "Mẫu 3"),
                              ("tong-hop-cap-uy-truc-thuoc", "Mẫu 9", "Mẫu 4")):
        text = " ".join(pdf_text(mau / f"{form}-KHOI.pdf").split())
        assert label in text and "ĐẢNG BỘ KHỐI LÂM SÀNG" in text and "T/M ĐẢNG ỦY" in text
        assert "Đảng bộ Khối Lâm sàng tổng hợp kết quả tự" in text and what in text
        assert "Khối Nội" in text and "Khối Ngoại" in text
        assert "Cận lâm sàng" not in text and "Hành chính" not in text  # not its chi bộ
        assert "Ban Chấp hành Đảng bộ Bệnh viện Đa khoa tỉnh" in text  # sent to the base
        base = " ".join(pdf_text(mau / f"{form}.pdf").split())
        assert ("Mẫu 5a" if label == "Mẫu 5" else "Mẫu 9b") in base
        assert "Cận lâm sàng" in base and "Khối Nội" in base and "Khối Lâm sàng" in base
    assert not (mau / "ds-phieu-dang-vien-chi-bo-KHOI.pdf").exists()  # no members of its own
    assert (mau / "ds-phieu-dang-vien-chi-bo-NOI.pdf").exists()
    assert result.exit_code == 1  # the two papers the sample lacks, nothing more
    check = CliRunner().invoke(main, ["check", str(result.out / "ho-so.pdf")])
    assert check.exit_code == 1 and "(tính lại;" not in check.output  # same group rules


def test_bad_parents_of_sub_units(unit_copy: Copy) -> None:
    from tests.helpers import edit_csv

    folder = unit_copy(DANG_BO)
    table = folder / "to-chuc-truc-thuoc.csv"
    table.write_text("\n".join(line + ("," if index else ",Thuộc") for index, line in
                               enumerate(table.read_text(encoding="utf-8").splitlines()))
                     + "\n", encoding="utf-8")
    edit_csv(table, 1, "Thuộc", "XYZ")  # NOI
    edit_csv(table, 2, "Thuộc", "CLS")  # NGOAI under a chi bộ
    with pytest.raises(InputError) as caught:
        load_unit(folder)
    lines = caught.value.lines()
    assert any("to-chuc-truc-thuoc.csv" in x and "dòng 2" in x and "«XYZ»" in x for x in lines)
    assert any("dòng 3" in x and "không phải đảng bộ bộ phận" in x for x in lines)


def test_the_level_above_assigns_the_mau_3_variant(unit_copy: Copy, tmp_path: Path) -> None:
    folder = unit_copy(CHI_BO)
    with (folder / "don-vi.yaml").open("a", encoding="utf-8") as f:
        f.write("nhan_mau:\n  cham-diem-to-chuc: Mẫu 3đ\n")
    result = build(folder, tmp_path / "out")
    grid = result.out / "mau" / "muc-03-cham-diem-to-chuc"
    assert "Mẫu 3đ" in pdf_text(grid.with_suffix(".pdf"))
    assert "Mẫu 3đ" in docx_text(grid.with_suffix(".docx"))
    assert "Mẫu 3b" not in pdf_text(grid.with_suffix(".pdf"))


@pytest.mark.parametrize(("entry", "where", "expected"), [
    ("  khong-co-mau: Mẫu 3đ\n", "nhan_mau.khong-co-mau", "không phải mẫu nào"),
    ("  cham-diem-to-chuc: 3đ\n", "nhan_mau.cham-diem-to-chuc", "phải có dạng «Mẫu 3đ»"),
])
def test_bad_form_labels(unit_copy: Copy, tmp_path: Path, entry: str, where: str,
                         expected: str) -> None:
    folder = unit_copy(CHI_BO)
    with (folder / "don-vi.yaml").open("a", encoding="utf-8") as f:
        f.write("nhan_mau:\n" + entry)
    result = CliRunner().invoke(main, ["build", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert f"don-vi.yaml, {where}: " in result.output and expected in result.output


def test_glyph_arrays_are_declared_once_and_keep_their_values() -> None:
    from weasyprint.pdf import fonts as weasy_fonts

    from pipeline.engine import OpenArrays

    ffi = weasy_fonts.ffi
    assert isinstance(ffi, OpenArrays)
    for values in ([3, 7, 9], list(range(57)), (0,)):
        array = ffi.new(f"hb_codepoint_t[{len(values)}]", values)
        assert ffi.typeof(array) is ffi.typeof("hb_codepoint_t[]")
        assert list(array) == list(values)
    assert ffi.typeof(ffi.new("hb_codepoint_t[4]")).length == 4  # no values: as written


def test_word_marks_in_a_text_still_become_breaks() -> None:
    """docxtpl's rewrite of tabs and line feeds runs only when a text holds one; a text
    without any is returned as it is (the fast path of PatchedOnce.resolve_listing)."""
    from pipeline.word import PatchedOnce

    template = PatchedOnce(io.BytesIO(Renderer().docx_template("ban-kiem-diem-ca-nhan")))
    plain = '<w:p><w:r><w:t xml:space="preserve">Nguyễn Văn Ánh</w:t></w:r></w:p>\n<w:p/>'
    assert template.resolve_listing(plain) is plain
    broken = template.resolve_listing(
        '<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Dòng một\nDòng hai\tcột</w:t></w:r></w:p>')
    assert "<w:br/>" in broken and "<w:tab/>" in broken and "\n" not in broken


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ctypes' Linux search")
def test_libraries_are_looked_up_in_the_loader_cache_only_while_weasyprint_loads() -> None:
    import ctypes.util

    from pipeline.libfind import loader_cache_only

    gcc, ld = ctypes.util._findLib_gcc, ctypes.util._findLib_ld  # type: ignore[attr-defined]
    with loader_cache_only():
        assert ctypes.util.find_library("libhoso-khong-co-0") is None
        assert ctypes.util.find_library("c") is not None  # in the loader's cache
        assert ctypes.util._findLib_gcc("c") is None  # type: ignore[attr-defined]  # no gcc run
    assert (ctypes.util._findLib_gcc, ctypes.util._findLib_ld) == (gcc, ld)  # type: ignore[attr-defined]


def test_the_print_stylesheet_lays_out_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without WeasyPrint's footnote, note and non-list marker rules (which only cost
    time), every form of the đảng bộ sample is the same PDF, byte for byte; a default
    stylesheet of another shape is kept whole."""
    import weasyprint

    from pipeline import engine
    from pipeline.dossier import plan_forms, unit_profile
    from pipeline.rules import assess

    profile = unit_profile(DANG_BO, None)
    unit = load_unit(DANG_BO)
    renderer = Renderer()
    htmls = [renderer.html(f.template, **f.context)
             for f in plan_forms(unit, profile, assess(unit, profile))]
    trimmed = [renderer.engine.write(renderer.engine.lay_out(h)) for h in htmls]
    monkeypatch.setattr(engine.FormHtml, "stylesheet", weasyprint.CSS(
        string=weasyprint.html.UA, counter_style=weasyprint.html.UA_COUNTER_STYLE))
    assert [renderer.engine.write(renderer.engine.lay_out(h)) for h in htmls] == trimmed

    ua = weasyprint.html.UA
    assert "::footnote-call" not in engine.print_user_agent_stylesheet(ua)
    changed = ua.replace("::note-callback {", "::note-callback,\n::x {")
    assert engine.print_user_agent_stylesheet(changed) == changed


def test_layout_runs_on_a_stack_chunk_of_its_own() -> None:
    """engine.with_room's frame declares a value stack it never uses, so that what it
    calls has a chunk of room (no mmap/munmap per deep call); the call is unchanged."""
    from pipeline.engine import ROOM, with_room

    assert with_room.__code__.co_stacksize == ROOM >= 8192
    assert with_room(lambda: "kết quả") == "kết quả"

    def deep(n: int) -> int:
        return n if n == 0 else 1 + deep(n - 1)

    assert with_room(lambda: deep(400)) == 400


def test_untouched_template_parts_are_kept_as_python_docx_wrote_them() -> None:
    """Filling a Word template keeps its styles, settings and numbering as their bytes
    (pipeline/word.py): python-docx parsed them and wrote them back the same, so every
    Word file is byte for byte what it was. Holds for every template, and must hold
    again when they are made anew (tools/make_docx_templates.py)."""
    from pipeline.render import DOCX_TEMPLATES
    from pipeline.word import UNTOUCHED, open_template

    checked = 0
    for template in sorted(DOCX_TEMPLATES.glob("*.docx")):
        parsed = docx.Document(str(template)).part.package.parts
        kept = {part.partname: part for part in open_template(str(template)).part.package.parts}
        for part in parsed:
            if part.content_type in UNTOUCHED:
                assert type(kept[part.partname]).__name__ == "Part"  # not parsed
                assert kept[part.partname].blob == part.blob, (template.name, part.partname)
                checked += 1
    assert checked >= 2 * len(list(DOCX_TEMPLATES.glob("*.docx")))  # styles, settings
