"""The bound dossier, reopened: pages, outline, labels, stamps, TOC, manifest, determinism."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from pipeline.dossier import BuildResult, build
from pipeline.pdfdigest import pages_digest
from tests.conftest import CHI_BO, DANG_BO
from tests.helpers import edit_csv, outline, stamped_numbers, toc_pages


def reader_of(result: BuildResult) -> PdfReader:
    return PdfReader(result.out / "ho-so.pdf")


def manifest_of(result: BuildResult) -> dict:
    return json.loads((result.out / "ho-so.json").read_text(encoding="utf-8"))


@pytest.fixture(params=["chi_bo", "dang_bo"])
def built(request: pytest.FixtureRequest) -> BuildResult:
    return request.getfixturevalue(f"built_{request.param}")


def test_exit_status_of_the_samples(built_chi_bo: BuildResult,
                                    built_dang_bo: BuildResult) -> None:
    assert built_chi_bo.exit_code == 0  # complete and consistent
    assert built_dang_bo.exit_code == 1  # two papers have not arrived
    assert "Hồ sơ đầy đủ" in built_chi_bo.report[-1]


def test_outputs_exist(built: BuildResult) -> None:
    names = {p.relative_to(built.out).as_posix() for p in built.out.rglob("*") if p.is_file()}
    assert {"ho-so.pdf", "ho-so.json", "bao-cao.txt"} <= names
    forms = {n for n in names if n.startswith("mau/")}
    stems = {Path(n).stem for n in forms}
    assert all(f"mau/{s}.pdf" in forms and f"mau/{s}.docx" in forms for s in stems)
    assert "muc-09-qd-xep-loai-dang-vien" in stems and "muc-01-to-trinh-xep-loai" in stems


def test_page_count_matches_manifest(built: BuildResult) -> None:
    reader = reader_of(built)
    assert len(reader.pages) == manifest_of(built)["pages"] == built.pages


def test_items_are_in_checklist_order(built: BuildResult) -> None:
    items = manifest_of(built)["items"]
    organisation = [i["item"] for i in items if i["section"] == "organisation"]
    assert organisation == [str(n) for n in range(1, 16)]
    pages = [i["first_page"] for i in items if "first_page" in i]
    assert pages == sorted(pages)
    personal = [i for i in items if i["section"] == "personal"]
    assert personal and min(i["first_page"] for i in personal) > max(
        i["last_page"] for i in items if i["section"] == "organisation" and "last_page" in i)


def test_outline_titles_order_and_targets(built: BuildResult) -> None:
    reader = reader_of(built)
    entries = outline(reader)
    top = [(title, page) for depth, title, page in entries
           if depth == 0 and title.startswith("(")]
    assert [t.split(")")[0] + ")" for t, _ in top] == [f"({n})" for n in range(1, 16)]
    items = {i["item"]: i for i in manifest_of(built)["items"] if i["section"] == "organisation"}
    for title, page in top:
        number = title[1:title.index(")")]
        entry = items[number]
        if entry["status"] == "not_applicable":
            assert "không áp dụng" in title
        else:
            assert page == entry["first_page"]
    # after (15), bound last: the personal sets, one entry per person, each with (1)–(4)
    index = next(i for i, e in enumerate(entries) if e[0] == 0 and e[1].startswith("Hồ sơ cá"))
    assert entries[index - 1][1].startswith("(15)") and all(e[0] > 0 for e in entries[index + 1:])
    persons = [e for e in entries[index + 1:] if e[0] == 1]
    children = [e for e in entries[index + 1:] if e[0] == 2]
    leaders = {i["person"] for i in manifest_of(built)["items"] if i["section"] == "personal"}
    assert {p[1] for p in persons} == leaders
    assert [c[1][:3] for c in children] == ["(1)", "(2)", "(3)", "(4)"] * len(leaders)
    # in the order of the pages, except items that have none
    pages = [page for depth, title, page in entries if "không áp dụng" not in title]
    assert pages == sorted(pages)


def test_page_labels_and_stamped_numbers(built: BuildResult) -> None:
    reader = reader_of(built)
    labels = reader.page_labels
    assert labels[0] == "Bìa"
    assert labels[1:] == [str(n) for n in range(2, len(reader.pages) + 1)]
    stamps = stamped_numbers(built.out / "ho-so.pdf")
    assert stamps[0] == ""  # the cover carries no number
    assert stamps[1:] == labels[1:]


def test_toc_gives_the_real_first_pages(built: BuildResult) -> None:
    reader = reader_of(built)
    manifest = manifest_of(built)
    first_item = min(i["first_page"] for i in manifest["items"] if "first_page" in i)
    printed = toc_pages(reader, range(1, first_item - 1))
    for entry in manifest["items"]:
        key = (f"{entry['person']}/({entry['item']})" if entry["section"] == "personal"
               else f"({entry['item']})")
        expected = str(entry.get("first_page", ""))
        assert printed[key] == expected, key


def test_manifest_digests_match_the_pages(built: BuildResult) -> None:
    reader = reader_of(built)
    for entry in manifest_of(built)["items"]:
        if "first_page" in entry:
            pages = reader.pages[entry["first_page"] - 1:entry["last_page"]]
            assert pages_digest(pages) == entry["sha256"]


def test_manifest_is_embedded(built: BuildResult) -> None:
    embedded = reader_of(built).attachments["ho-so.json"][0]
    assert json.loads(embedded) == manifest_of(built)
    manifest = manifest_of(built)
    assert manifest["format"] == 1 and manifest["profile"] == "qd124"
    assert manifest["unit"]["year"] == 2025


def test_not_applicable_items_and_placeholders(built_chi_bo: BuildResult,
                                               built_dang_bo: BuildResult) -> None:
    chi_bo = {i["item"]: i for i in manifest_of(built_chi_bo)["items"]
              if i["section"] == "organisation"}
    for number in ("10", "11", "12"):
        assert chi_bo[number]["status"] == "not_applicable" and chi_bo[number]["reason"]
        assert "first_page" not in chi_bo[number]
    dang_bo = manifest_of(built_dang_bo)["items"]
    missing = [i for i in dang_bo if i["status"] == "missing"]
    assert {(i["section"], i["item"]) for i in missing} == {("organisation", "8"),
                                                            ("personal", "4")}
    reader = reader_of(built_dang_bo)
    for entry in missing:
        assert entry["first_page"] == entry["last_page"]
        text = reader.pages[entry["first_page"] - 1].extract_text()
        assert "CÒN THIẾU" in text and f"MỤC ({entry['item']})" in text
    report = (built_dang_bo.out / "bao-cao.txt").read_text(encoding="utf-8")
    assert report.count("[THIẾU]") == 2


def test_generated_forms_carry_the_tallies(built_dang_bo: BuildResult) -> None:
    reader = reader_of(built_dang_bo)
    items = {i["item"]: i for i in manifest_of(built_dang_bo)["items"]
             if i["section"] == "organisation"}
    decision = items["9"]
    text = " ".join(" ".join(reader.pages[p].extract_text().split())  # lines wrap in cells
                    for p in range(decision["first_page"] - 1, decision["last_page"]))
    assert "QUYẾT ĐỊNH" in text and "Mẫu 8b" in text and "Mẫu 7d" in text
    assert "Chi bộ Khối Ngoại" in text and "người đứng đầu quyết định" in text
    assert "/16/16" in text  # the split ballot of Chi bộ Khối Ngoại (16 full members)


def test_no_font_falls_back(built: BuildResult) -> None:
    fonts: set[str] = set()
    for path in [built.out / "ho-so.pdf", *built.out.glob("mau/*.pdf")]:
        for page in PdfReader(path).pages:
            resources = page.get("/Resources") or {}
            for font in (resources.get("/Font") or {}).values():
                font = font.get_object()
                descendant = font.get("/DescendantFonts")
                descriptor = (descendant[0].get_object() if descendant else font).get(
                    "/FontDescriptor")
                assert descriptor is not None, font.get("/BaseFont")
                descriptor = descriptor.get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts and all(name.startswith("/Liberation-Serif") or
                         name.startswith("Liberation-Serif") for name in fonts), fonts


def test_docx_says_what_the_pdf_says(built: BuildResult) -> None:
    for docx_path in built.out.glob("mau/*.docx"):
        document = docx.Document(str(docx_path))
        words = " ".join(p.text for p in document.paragraphs)
        for table in document.tables:
            for row in table.rows:
                words += " " + " ".join(c.text for c in row.cells)
        pdf_text = " ".join(p.extract_text() for p in PdfReader(docx_path.with_suffix(".pdf"))
                            .pages)
        pdf_words = set(pdf_text.split())
        docx_words = set(words.split())
        shared = len(pdf_words & docx_words)
        assert shared / len(pdf_words) > 0.9, docx_path.name
        assert document.styles["Normal"].font.name == "Times New Roman"


def test_same_input_same_bytes(built_chi_bo: BuildResult, tmp_path: Path) -> None:
    again = build(CHI_BO, tmp_path / "again")
    for path in sorted(built_chi_bo.out.rglob("*")):
        if path.is_file():
            other = again.out / path.relative_to(built_chi_bo.out)
            assert hashlib.sha256(path.read_bytes()).digest() == \
                hashlib.sha256(other.read_bytes()).digest(), path.name


def test_failed_build_keeps_the_previous_output(tmp_path: Path,
                                                unit_copy: Callable[..., Path]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "ho-so.pdf").write_bytes(b"previous")
    folder = unit_copy()
    edit_csv(folder / "phieu-dang-vien.csv", 1, "Tổng số", "-3")
    from pipeline.errors import InputError

    with pytest.raises(InputError):
        build(folder, out)
    assert (out / "ho-so.pdf").read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chi-bo-co-so", "out"]


def test_rotated_scan_is_stamped_upright(built_chi_bo: BuildResult) -> None:
    source = PdfReader(CHI_BO / "dinh-kem" / "15-thong-ke-nam.pdf")
    assert source.pages[0].get("/Rotate") == 90
    item = next(i for i in manifest_of(built_chi_bo)["items"] if i["item"] == "15")
    page = reader_of(built_chi_bo).pages[item["first_page"] - 1]
    assert not page.get("/Rotate", 0)
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape, upright
    assert stamped_numbers(built_chi_bo.out / "ho-so.pdf")[item["first_page"] - 1] == \
        str(item["first_page"])


def test_images_become_a4_pages_at_their_aspect_ratio(built_chi_bo: BuildResult) -> None:
    item = next(i for i in manifest_of(built_chi_bo)["items"] if i["item"] == "3")  # a JPEG
    page = reader_of(built_chi_bo).pages[item["first_page"] - 1]
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842


def test_standalone_forms_are_numbered_from_page_two(built_chi_bo: BuildResult) -> None:
    path = built_chi_bo.out / "mau" / "muc-09-qd-xep-loai-dang-vien.pdf"
    stamps = stamped_numbers(path)
    assert stamps[0] == "" and stamps[1:] == [str(n) for n in range(2, len(stamps) + 1)]


def test_profile_changes_labels_and_legal_bases(tmp_path: Path) -> None:
    result = build(CHI_BO, tmp_path / "qd132", profile_name="qd132-2022")
    manifest = manifest_of(result)
    assert manifest["profile"] == "qd132-2022"
    item = next(i for i in manifest["items"] if i["item"] == "1")
    text = PdfReader(io.BytesIO((result.out / "ho-so.pdf").read_bytes())).pages[
        item["first_page"] - 1].extract_text()
    assert "132-QĐ/TW" in text and "124-QĐ/TW" not in text


def test_dang_bo_items_10_to_12_are_generated(built_dang_bo: BuildResult) -> None:
    items = {i["item"]: i for i in manifest_of(built_dang_bo)["items"]
             if i["section"] == "organisation"}
    for number, form in (("10", "qd-xep-loai-to-chuc-truc-thuoc"),
                         ("11", "qd-xep-loai-cap-uy-truc-thuoc"),
                         ("12", "qd-xep-loai-cap-uy-vien-truc-thuoc")):
        assert items[number]["status"] == "present" and items[number]["form"] == form


def test_dang_bo_sample_is_the_size_the_issue_asks(built_dang_bo: BuildResult) -> None:
    unit = built_dang_bo.unit
    assert len(unit.sub_units) >= 4 and len(unit.members) >= 60
    assert DANG_BO.exists()


def test_parallel_rendering_gives_the_same_bytes(built_dang_bo: BuildResult,
                                                 tmp_path: Path) -> None:
    one = build(DANG_BO, tmp_path / "one", jobs=1)
    two = built_dang_bo  # built with the automatic choice (2 processes on 2 cores)
    assert (one.out / "ho-so.pdf").read_bytes() == (two.out / "ho-so.pdf").read_bytes()
