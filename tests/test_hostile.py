"""A corpus of careless and hostile inputs, generated here: YAML, CSV, Excel, Markdown,
attachments and paths. Each case is refused with exit 2 and a located message, writing
nothing, or accepted when the input is valid; every case within seconds and memory.

Cases are run in-process through the CLI: refusals come before any rendering, so a case
costs a load of the unit folder; accepted cases run `hoso check FOLDER` (no rendering).
"""

from __future__ import annotations

import io
import resource
import shutil
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfWriter

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.load import load_unit
from tests.conftest import CHI_BO, QD366

SECONDS = 20.0
MEMORY_MB = 600  # growth of the test process's peak memory over one case


@dataclass(frozen=True)
class Case:
    name: str
    change: Callable[[Path], None]
    where: str | None  # the file (and row/key) the message must name; None: accepted
    sample: Path = QD366


def text(relative: str, content: str | bytes) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return change


def yaml_line(key_line: str) -> Callable[[Path], None]:
    """Add (or replace) one top-level entry of don-vi.yaml."""
    def change(folder: Path) -> None:
        path = folder / "don-vi.yaml"
        key = key_line.split(":", 1)[0]
        kept, inside = [], False
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(f"{key}:"):
                inside = True
                continue
            if inside and line.startswith((" ", "-")):
                continue  # the rest of that key's block
            inside = False
            kept.append(line)
        path.write_text("\n".join([*kept, key_line]) + "\n", encoding="utf-8")
    return change


def replace_in(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / relative
        content = path.read_text(encoding="utf-8")
        assert old in content, (relative, old)
        path.write_text(content.replace(old, new, 1), encoding="utf-8")
    return change


def members(transform: Callable[[list[str]], list[str]]) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / "dang-vien.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(transform(lines)) + "\n", encoding="utf-8")
    return change


def remove(relative: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        target = folder / relative
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    return change


def both(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        for each in changes:
            each(folder)
    return change


# --- generators of hostile files -----------------------------------------------------------


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9))


def million_row_sheet(folder: Path) -> None:
    """A workbook whose sheet declares A1:S1048576 but holds the real table."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "dang-vien"
    for line in (folder / "dang-vien.csv").read_text(encoding="utf-8").splitlines():
        sheet.append(next(iter(__import__("csv").reader([line]))))
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name.endswith("sheet1.xml"):
                data = data.replace(b'<dimension ref="A1:S16"/>',
                                    b'<dimension ref="A1:S1048576"/>')
            target.writestr(name, data)
    (folder / "dang-vien.csv").unlink()
    (folder / "du-lieu.xlsx").write_bytes(out.getvalue())


def zip_bomb(folder: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("[Content_Types].xml", "<Types/>")
        target.writestr("xl/sharedStrings.xml", b"\0" * (300 * 2**20))
    (folder / "du-lieu.xlsx").write_bytes(out.getvalue())


def pdf_file(pages: int = 1, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pixel_bomb(folder: Path) -> None:
    image = Image.new("1", (20000, 20000))
    image.save(folder / "dinh-kem" / "07-qd-ccvc.png", optimize=True)
    (folder / "dinh-kem" / "07-qd-xep-loai-ccvc.jpg").unlink()


def link(relative: str, target: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / relative
        if path.exists():
            path.unlink()
        path.symlink_to(target)
    return change


HEADER = "Mã,Họ và tên,Ngày sinh,Chức vụ,Cấp ủy,Loại đảng viên,Ngày vào Đảng"
SCORE = "diem-danh-gia.csv"

CASES = [
    # YAML: structure, types, aliases, limits
    Case("yaml-alias-bomb", text("don-vi.yaml", BOMB), "don-vi.yaml"),
    Case("yaml-recursive-alias", yaml_line("noi_nhan: &x [*x]"), "don-vi.yaml"),
    Case("yaml-mapping-for-text", yaml_line("ten: {a: 1}"), "don-vi.yaml, ten"),
    Case("yaml-integer-key", yaml_line("123: x"), "don-vi.yaml, 123"),
    Case("yaml-null-key", yaml_line("~: x"), "don-vi.yaml"),
    Case("yaml-list-root", text("don-vi.yaml", "- a\n- b\n"), "don-vi.yaml"),
    Case("yaml-scalar-root", text("don-vi.yaml", "chỉ là chữ\n"), "don-vi.yaml"),
    Case("yaml-syntax", text("don-vi.yaml", "ten: [a\nnam: 2025\n"), "don-vi.yaml, dòng"),
    Case("yaml-tab", text("don-vi.yaml", "ten:\n\t- a\n"), "don-vi.yaml"),
    Case("yaml-year-words", yaml_line("nam: hai nghìn"), "don-vi.yaml, nam"),
    Case("yaml-year-bool", yaml_line("nam: true"), "don-vi.yaml, nam"),
    Case("yaml-bad-date", yaml_line("ngay_danh_gia: 31/02/2025"), "don-vi.yaml, ngay_danh_gia"),
    Case("yaml-documents-list", yaml_line("van_ban: [1, 2]"), "don-vi.yaml, van_ban"),
    Case("yaml-document-text", yaml_line("van_ban: {to-trinh-xep-loai: x}"),
         "don-vi.yaml, van_ban.to-trinh-xep-loai"),
    Case("yaml-document-int-key", yaml_line("van_ban: {123: {so: 1-TTr/CB, ngay: 01/12/2025}}"),
         "don-vi.yaml, van_ban.123"),
    Case("yaml-leaders-text", yaml_line("ho_so_ca_nhan: DV01"), "don-vi.yaml, ho_so_ca_nhan"),
    Case("yaml-leaders-mapping", yaml_line("ho_so_ca_nhan: [{a: b}]"),
         "don-vi.yaml, ho_so_ca_nhan[1]"),
    Case("yaml-recipients-numbers", yaml_line("noi_nhan: [1, 2]"), "don-vi.yaml, noi_nhan"),
    Case("yaml-signatory-list", yaml_line("nguoi_ky: [x]"), "don-vi.yaml, nguoi_ky"),
    Case("yaml-signatory-nested", yaml_line("nguoi_ky: {ho_ten: {x: y}}"),
         "don-vi.yaml, nguoi_ky.ho_ten"),
    Case("yaml-labels-list", yaml_line("nhan_mau: {bao-cao-kiem-diem-tap-the: [1]}"),
         "don-vi.yaml, nhan_mau.bao-cao-kiem-diem-tap-the"),
    Case("yaml-attachments-mapping", yaml_line("dinh_kem: {muc: 2}"), "don-vi.yaml, dinh_kem"),
    Case("yaml-attachment-escape", yaml_line("dinh_kem: [{muc: 2, tep: ../../../etc/passwd}]"),
         "don-vi.yaml, dinh_kem[1]"),
    Case("yaml-regime-path", yaml_line("quy_dinh: ../../../tmp/x"), "don-vi.yaml, quy_dinh"),
    Case("yaml-cap-number", yaml_line("ty_le_htxsnv: 30"), "don-vi.yaml, ty_le_htxsnv"),
    Case("yaml-cap-too-high", yaml_line("ty_le_htxsnv: {ty_le: 40, can_cu: CV 1}"),
         "don-vi.yaml, ty_le_htxsnv.ty_le"),
    Case("yaml-rerating-level", yaml_line("xep_loai_lai: [{ma: DV01, muc_cu: X, muc_moi: "
                                          "HTNV, ly_do: y}]"), "don-vi.yaml, xep_loai_lai[1]"),
    Case("yaml-long-name", yaml_line("ten: " + "Chi bộ " * 800), "don-vi.yaml, ten"),
    Case("yaml-tcvn3", yaml_line("ten: Chi bé §¶ng"), "don-vi.yaml, ten"),
    Case("yaml-huge-file", text("don-vi.yaml", "ten: x\n# " + "x" * (2 * 2**20) + "\n"),
         "don-vi.yaml"),
    Case("yaml-not-utf8", text("don-vi.yaml", b"ten: Chi b\xf4 \xd0\xe2ng\n"),
         "don-vi.yaml"),
    Case("yaml-typo-key", yaml_line("ten_don_vi: x"), "don-vi.yaml, ten_don_vi"),
    Case("yaml-missing", remove("don-vi.yaml"), "don-vi.yaml"),
    Case("yaml-unit-type", yaml_line("loai: dang_uy"), "don-vi.yaml, loai"),
    # CSV: habits accepted, problems located
    Case("csv-title-row", members(lambda x: ["DANH SÁCH ĐẢNG VIÊN CHI BỘ,,,", "", *x]), None),
    Case("csv-stt-column", members(lambda x: ["STT," + x[0]] + [f"{i},{r}" for i, r in
                                                                   enumerate(x[1:], 1)]), None),
    Case("csv-semicolons", members(lambda x: [r.replace(",", ";") if '"' not in r else
                                              r.replace(",", ";").replace(";", ",", 0)
                                              for r in x[:1]] + x[1:]), "dang-vien.csv"),
    Case("csv-bom", lambda f: (f / "dang-vien.csv").write_bytes(
        b"\xef\xbb\xbf" + (f / "dang-vien.csv").read_bytes()), None),
    Case("csv-cp1258", lambda f: (f / "dang-vien.csv").write_bytes(
        (f / "dang-vien.csv").read_text(encoding="utf-8").encode("cp1258", "replace")),
        "dang-vien.csv"),
    Case("csv-150k-rows", text("dang-vien.csv", HEADER + "\n" + "".join(
        f"X{i},Người {i},01/01/1980,,,Chính thức,01/01/2000\n" for i in range(150_000))),
        "dang-vien.csv"),
    Case("csv-5000-digits", replace_in("phieu-dang-vien.csv", ",0,7,4,2,13,13,",
                                       ",0," + "9" * 5000 + ",4,2,13,13,"),
         "phieu-dang-vien.csv, dòng 2", CHI_BO),
    Case("csv-negative-votes", replace_in("phieu-dang-vien.csv", ",0,7,4,2,13,13,",
                                          ",0,-7,4,2,13,13,"), "phieu-dang-vien.csv, dòng 2",
         CHI_BO),
    Case("csv-missing-column", members(lambda x: [",".join(x[0].split(",")[:1]
                                                           + x[0].split(",")[2:])]
                                       + [",".join(r.split(",")[:1] + r.split(",")[2:])
                                          for r in x[1:2]]), "dang-vien.csv, dòng 1"),
    Case("csv-unknown-column", members(lambda x: [x[0] + ",Ghi chú riêng", *x[1:]]),
         None),  # the clerk's own column: read past, with a note (tests/test_unfilled.py)
    Case("csv-duplicate-column", members(lambda x: [x[0] + ",Họ và tên", *x[1:]]),
         "dang-vien.csv, dòng 1"),
    Case("csv-duplicate-code", members(lambda x: [*x, x[2]]), "dang-vien.csv"),
    Case("csv-bad-date", replace_in("dang-vien.csv", "03/04/1998", "45/13/1998"),
         "dang-vien.csv, dòng 2"),
    Case("csv-nul-bytes", lambda f: (f / "dang-vien.csv").write_bytes(
        (f / "dang-vien.csv").read_bytes().replace(b"DV03", b"DV\0\x0003")), "dang-vien.csv"),
    Case("csv-too-large", text("dang-vien.csv", HEADER + "\n" + "#" * (21 * 2**20)),
         "dang-vien.csv"),
    Case("csv-empty", text("dang-vien.csv", ""), "dang-vien.csv"),
    Case("csv-header-only", members(lambda x: x[:1]), "dang-vien.csv"),
    Case("csv-formula-text", replace_in("dang-vien.csv", "Kỹ sư mạng", "=cmd|' /C calc'!A0"),
         None),
    Case("csv-markup-in-name", replace_in("dang-vien.csv", "Kỹ sư mạng",
                                          "<script>alert(1)</script>"), None),
    Case("csv-score-over-30", replace_in(SCORE, '"26,5","56,5",26,56', '"36,5","56,5",26,56'),
         "diem-danh-gia.csv, dòng 2"),
    Case("csv-done-over-tasks", replace_in(SCORE, "56,10,10,10,1", "56,10,11,10,1"),
         "diem-danh-gia.csv, dòng 2"),
    Case("csv-wrong-file-name", lambda f: (f / "dang-vien.csv").rename(f / "dang_vien.csv"),
         "dang_vien.csv"),
    # Excel
    Case("xlsx-million-rows", million_row_sheet, None),
    Case("xlsx-zip-bomb", zip_bomb, "du-lieu.xlsx"),
    Case("xlsx-not-a-zip", text("du-lieu.xlsx", b"PK\x03\x04 not really"), "du-lieu.xlsx"),
    Case("xls-legacy", text("dang-vien.xls", b"\xd0\xcf\x11\xe0 old excel"), "dang-vien.xls"),
    Case("xlsx-and-csv", lambda f: shutil.copy(f / "dang-vien.csv", f / "dang-vien.xlsx"),
         "dang-vien"),
    # Markdown
    Case("md-markup", text("kiem-diem/tap-the.md", "## I\n\n<img src='file:///etc/passwd'>"
                                                    "<script>x</script>\n"), None),
    Case("md-unknown-member", text("kiem-diem/DV99.md", "## I\n\nx\n"), "kiem-diem/DV99.md"),
    Case("md-huge", text("kiem-diem/tap-the.md", "## I\n\n" + "x" * (3 * 2**20)),
         "kiem-diem/tap-the.md"),
    Case("md-binary", text("y-kien/DV01.md", b"\xff\xfe\x00binary\x00"), "y-kien/DV01.md"),
    # Attachments
    Case("pdf-encrypted", text("dinh-kem/02-bao-cao-tong-ket.pdf", pdf_file(1, "mk")),
         "dinh-kem/02-bao-cao-tong-ket.pdf"),
    Case("pdf-truncated", lambda f: (f / "dinh-kem" / "15-thong-ke-nam.pdf").write_bytes(
        (f / "dinh-kem" / "15-thong-ke-nam.pdf").read_bytes()[:400]),
        "dinh-kem/15-thong-ke-nam.pdf"),
    Case("pdf-too-many-pages", text("dinh-kem/02-bao-cao-tong-ket.pdf", pdf_file(301)),
         "dinh-kem/02-bao-cao-tong-ket.pdf"),
    Case("png-pixel-bomb", pixel_bomb, "dinh-kem/07-qd-ccvc.png"),
    Case("pdf-not-pdf", text("dinh-kem/02-bao-cao-tong-ket.pdf", b"MZ\x90 an exe"),
         "dinh-kem/02-bao-cao-tong-ket.pdf"),
    Case("attachment-no-item", text("dinh-kem/bao-cao.pdf", pdf_file()), "dinh-kem/bao-cao.pdf"),
    Case("attachment-deep", text("dinh-kem/DV01/a/1-x.pdf", pdf_file()), "dinh-kem/DV01/a"),
    Case("attachment-not-member", text("dinh-kem/DV77/1-x.pdf", pdf_file()), "dinh-kem/DV77"),
    Case("attachment-thumbs", text("dinh-kem/Thumbs.db", b"\0\0"), None),
    Case("attachment-office-lock", text("dinh-kem/~$bao-cao.docx", b"\0\0"), None),
    # Paths
    Case("link-table", link("dang-vien.csv", "/etc/passwd"), "dang-vien.csv"),
    Case("link-attachment", link("dinh-kem/02-bao-cao-tong-ket.pdf", "/etc/hostname"),
         "dinh-kem/02-bao-cao-tong-ket.pdf"),
    Case("link-folder", both(remove("y-kien"), link("y-kien", "/etc")), "y-kien"),
]


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    folder = tmp_path / "don-vi"
    shutil.copytree(case.sample, folder, symlinks=True)
    case.change(folder)
    out = tmp_path / "ket-qua"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    started = time.monotonic()
    if case.where is None:
        result = CliRunner().invoke(main, ["check", str(folder)])
        assert result.exit_code in (0, 1), result.output
    else:
        result = CliRunner().invoke(main, ["build", str(folder), "-o", str(out)])
        assert result.exit_code == 2, result.output
        errors = [x for x in result.output.splitlines() if x.startswith("Lỗi: ")]
        assert errors and any(case.where in x for x in errors), result.output
        assert not out.exists() and not list(tmp_path.glob(".hoso-*"))
    assert "Traceback" not in result.output and "Lỗi trong hoso" not in result.output
    assert time.monotonic() - started < SECONDS
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024 - peak
    assert grown < MEMORY_MB, f"{grown} MB"


def test_a_header_problem_is_reported_once(tmp_path: Path) -> None:
    folder = tmp_path / "don-vi"
    shutil.copytree(QD366, folder)
    members(lambda x: [x[0].replace("Loại đảng viên", "Loai DV"), *x[1:]])(folder)
    with pytest.raises(InputError) as error:
        load_unit(folder, ballots_required=False)
    lines = error.value.lines()
    assert sum("Loai DV" in x for x in lines) == 1
    assert sum("Loại đảng viên" in x for x in lines) == 1, lines


def test_a_wrong_total_explains_who_is_counted(tmp_path: Path) -> None:
    folder = tmp_path / "don-vi"
    shutil.copytree(CHI_BO, folder)
    replace_in("dang-vien.csv", "Kỹ sư mạng,,Chính thức,21/12/2001,,",
               "Kỹ sư mạng,,Chính thức,21/12/2001,miễn sinh hoạt,")(folder)
    with pytest.raises(InputError) as error:
        load_unit(folder)
    lines = [x for x in error.value.lines() if "tổng số" in x]
    assert len(lines) <= 3, lines  # one per ballot file and body, not one per row
    assert "DV07 (miễn sinh hoạt)" in lines[0] and "Không tính" in lines[0]


# --- a fuzz test of the loader ----------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**30),
                    st.floats(allow_nan=True), st.text(max_size=30))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=10),
                                                           st.integers()), inner, max_size=4)),
    max_leaves=12)
KEYS = ["loai", "ten", "ky_hieu", "cap_tren", "nam", "ngay_danh_gia", "van_ban", "nguoi_ky",
        "ho_so_ca_nhan", "noi_nhan", "dinh_kem", "nhan_mau", "quy_dinh", "ty_le_htxsnv",
        "xep_loai_lai", "co_cap_uy", "ngay_thanh_lap"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=4),
       st.lists(st.text(max_size=12), min_size=1, max_size=6))
def test_the_loader_never_crashes(tmp_path_factory: pytest.TempPathFactory,
                                  entries: dict[str, object], cells: list[str]) -> None:
    import yaml

    folder = tmp_path_factory.mktemp("fuzz") / "don-vi"
    shutil.copytree(QD366, folder)
    data = yaml.safe_load((folder / "don-vi.yaml").read_text(encoding="utf-8"))
    data.update(entries)
    (folder / "don-vi.yaml").write_text(yaml.safe_dump(data, allow_unicode=True),
                                        encoding="utf-8")
    import csv

    path = folder / "dang-vien.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[2] = (cells + rows[2][len(cells):])[:len(rows[0])]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(folder)])
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output and "Lỗi trong hoso" not in result.output
