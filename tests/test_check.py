"""hoso check: a received dossier is verified page by page, never on the manifest's word."""

from __future__ import annotations

import io
import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from pipeline.check import check_path
from pipeline.cli import main
from pipeline.dossier import BuildResult
from pipeline.errors import UnreadableDossierError
from tests.conftest import CHI_BO, DANG_BO


def manifest_of(result: BuildResult) -> dict:
    return json.loads((result.out / "ho-so.json").read_text(encoding="utf-8"))


def rewrite(source: Path, target: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    """Copy a dossier through pypdf, letting `edit` change the writer (keeps attachments)."""
    writer = PdfWriter(clone_from=PdfReader(source))
    edit(writer)
    with target.open("wb") as f:
        writer.write(f)
    return target


def item(result: BuildResult, number: str, section: str = "organisation") -> dict:
    return next(i for i in manifest_of(result)["items"]
                if i["item"] == number and i["section"] == section)


def test_complete_sample_passes(built_chi_bo: BuildResult) -> None:
    report = check_path(built_chi_bo.out / "ho-so.pdf")
    assert report.complete and report.exit_code == 0 and report.has_manifest
    assert [i.item for i in report.items if i.section == "organisation"] == \
        [str(n) for n in range(1, 16)]


def test_incomplete_sample_names_what_is_missing(built_dang_bo: BuildResult) -> None:
    report = check_path(built_dang_bo.out / "ho-so.pdf")
    assert report.exit_code == 1
    missing = {(i.section, i.item, i.person) for i in report.items if i.status == "missing"}
    assert missing == {("organisation", "8", ""), ("personal", "4", "Trần Xuân Cường")}
    assert not [i for i in report.items if i.problems]  # nothing else is wrong


def test_torn_out_page_is_found(built_chi_bo: BuildResult, tmp_path: Path) -> None:
    page = item(built_chi_bo, "9")["first_page"] + 1

    def tear(writer: PdfWriter) -> None:
        del writer.pages[page - 1]

    report = check_path(rewrite(built_chi_bo.out / "ho-so.pdf", tmp_path / "x.pdf", tear))
    assert report.exit_code == 1
    assert any("bảng kê ghi" in p and "trang" in p for p in report.problems)
    assert any(i.problems for i in report.items)


def test_reordered_pages_are_found(built_chi_bo: BuildResult, tmp_path: Path) -> None:
    first = item(built_chi_bo, "2")["first_page"]

    source = PdfReader(built_chi_bo.out / "ho-so.pdf")
    order = list(range(len(source.pages)))
    order[first - 1], order[first] = order[first], order[first - 1]
    writer = PdfWriter()
    for index in order:
        writer.add_page(source.pages[index])
    for name, contents in source.attachments.items():
        writer.add_attachment(name, contents[0])
    path = tmp_path / "x.pdf"
    with path.open("wb") as f:
        writer.write(f)
    report = check_path(path)
    two = next(i for i in report.items if i.item == "2" and i.section == "organisation")
    assert any("sha256" in p for p in two.problems)
    assert report.exit_code == 1


def test_blanked_page_is_found(built_chi_bo: BuildResult, tmp_path: Path) -> None:
    target = item(built_chi_bo, "7")["first_page"]

    def blank(writer: PdfWriter) -> None:
        from pypdf.generic import DecodedStreamObject, NameObject

        stream = DecodedStreamObject()
        stream.set_data(b"")
        writer.pages[target - 1][NameObject("/Contents")] = writer._add_object(stream)

    report = check_path(rewrite(built_chi_bo.out / "ho-so.pdf", tmp_path / "x.pdf", blank))
    seven = next(i for i in report.items if i.item == "7" and i.section == "organisation")
    assert seven.problems and report.exit_code == 1


def test_replaced_page_and_filled_placeholder_are_found(built_dang_bo: BuildResult,
                                                        tmp_path: Path) -> None:
    placeholder = item(built_dang_bo, "8")["first_page"]
    donor = PdfReader(DANG_BO / "dinh-kem" / "02-bao-cao-tong-ket.pdf").pages[0]

    def replace_page(writer: PdfWriter) -> None:
        writer.insert_page(donor, placeholder - 1)
        del writer.pages[placeholder]

    report = check_path(rewrite(built_dang_bo.out / "ho-so.pdf", tmp_path / "x.pdf",
                                replace_page))
    eight = next(i for i in report.items if i.item == "8" and i.section == "organisation")
    assert any("không phải trang báo thiếu" in p for p in eight.problems)
    assert any("sha256" in p for p in eight.problems)


def test_extra_pages_are_found(built_chi_bo: BuildResult, tmp_path: Path) -> None:
    def add(writer: PdfWriter) -> None:
        writer.add_blank_page()

    report = check_path(rewrite(built_chi_bo.out / "ho-so.pdf", tmp_path / "x.pdf", add))
    assert any("không thuộc mục nào" in p for p in report.problems)


def test_manifest_that_lies_is_not_believed(built_dang_bo: BuildResult, tmp_path: Path) -> None:
    """A manifest edited to call the missing item present does not make it present."""
    manifest = manifest_of(built_dang_bo)
    for entry in manifest["items"]:
        if entry["status"] == "missing":
            entry["status"] = "present"
    manifest["findings"] = []

    def lie(writer: PdfWriter) -> None:
        writer.attachments  # noqa: B018 - make sure the name tree exists
        writer._root_object["/Names"].pop("/EmbeddedFiles")
        writer.add_attachment("ho-so.json", json.dumps(manifest).encode())

    report = check_path(rewrite(built_dang_bo.out / "ho-so.pdf", tmp_path / "x.pdf", lie))
    assert report.exit_code == 1
    assert any("trang báo thiếu" in p for i in report.items for p in i.problems)


def test_rule_violations_are_recomputed(built_chi_bo: BuildResult, tmp_path: Path) -> None:
    manifest = manifest_of(built_chi_bo)
    members = next(g for g in manifest["ratings"]["groups"] if g["group"] == "members")
    members["levels"]["HTXSNV"] = 6  # 6 > 20 % × 11

    def lie(writer: PdfWriter) -> None:
        writer._root_object["/Names"].pop("/EmbeddedFiles")
        writer.add_attachment("ho-so.json", json.dumps(manifest).encode())

    report = check_path(rewrite(built_chi_bo.out / "ho-so.pdf", tmp_path / "x.pdf", lie))
    assert any("6 HTXSNV" in v and "tính lại" in v for v in report.violations)
    assert report.exit_code == 1


def test_without_manifest_says_so_and_what_it_checked(built_chi_bo: BuildResult,
                                                      tmp_path: Path) -> None:
    def strip(writer: PdfWriter) -> None:
        writer._root_object["/Names"].pop("/EmbeddedFiles")

    report = check_path(rewrite(built_chi_bo.out / "ho-so.pdf", tmp_path / "x.pdf", strip))
    assert not report.has_manifest and report.exit_code == 1
    assert any("không có bảng kê" in p for p in report.problems)
    assert report.verified and any("sha256" in u for u in report.unverified)
    assert {i.item for i in report.items if i.status == "present"} >= {"1", "9", "15"}
    assert {i.item for i in report.items if i.status == "not_applicable"} == {"10", "11", "12"}


def test_check_folder(unit_copy) -> None:  # type: ignore[no-untyped-def]
    assert check_path(CHI_BO).exit_code == 0
    folder = unit_copy()
    (folder / "dinh-kem" / "07-qd-xep-loai-ccvc.jpg").unlink()
    report = check_path(folder)
    assert report.exit_code == 1
    assert [i.item for i in report.items if i.status == "missing"] == ["7"]


# --- hostile and broken files -----------------------------------------------------------


def _truncated(built: BuildResult) -> bytes:
    data = (built.out / "ho-so.pdf").read_bytes()
    return data[: len(data) // 3]


def _encrypted(built: BuildResult) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(built.out / "ho-so.pdf"))
    writer.encrypt("bi-mat")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _deep(_: BuildResult) -> bytes:
    # a catalog whose outline is an array nested 100 000 deep
    body = b"[" * 100_000 + b"]" * 100_000
    return (b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R /X " + body + b" >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n"
            b"%%EOF\n")


@pytest.mark.parametrize(("make", "expected"), [
    (_truncated, "hỏng"),
    (_encrypted, "mật khẩu"),
    (lambda _: b"GIF89a not a pdf at all", "không phải tệp PDF"),
    (lambda _: b"", "không phải tệp PDF"),
    (_deep, ""),
])
def test_broken_files_exit_2_with_one_line(built_chi_bo: BuildResult, tmp_path: Path,
                                           make, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "nhan-duoc.pdf"
    path.write_bytes(make(built_chi_bo))
    started = time.monotonic()
    result = CliRunner().invoke(main, ["check", str(path)])
    assert time.monotonic() - started < 30
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in result.output


def test_limits_on_size_and_time(built_chi_bo: BuildResult, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.check as check

    path = tmp_path / "lon.pdf"
    shutil.copy(built_chi_bo.out / "ho-so.pdf", path)
    monkeypatch.setattr(check, "MAX_BYTES", 1000)
    with pytest.raises(UnreadableDossierError, match="quá lớn"):
        check.check_path(path)
    monkeypatch.setattr(check, "MAX_BYTES", 10**9)
    monkeypatch.setattr(check, "MAX_PAGES", 5)
    with pytest.raises(UnreadableDossierError, match="quá nhiều trang"):
        check.check_path(path)
    monkeypatch.setattr(check, "MAX_PAGES", 3000)
    monkeypatch.setattr(check, "check_pdf", lambda *_: time.sleep(30))
    started = time.monotonic()
    with pytest.raises(UnreadableDossierError, match="quá 1 giây"):
        check.check_path(path, timeout=1)
    assert time.monotonic() - started < 10


def test_json_output(built_chi_bo: BuildResult) -> None:
    result = CliRunner().invoke(main, ["check", str(built_chi_bo.out / "ho-so.pdf"),
                                       "--format", "json"])
    data = json.loads(result.output)
    assert result.exit_code == 0 and data["complete"] is True and data["manifest"] is True
    assert len([i for i in data["items"] if i["section"] == "organisation"]) == 15
