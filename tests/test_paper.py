"""Paper fidelity read back from what hoso writes: the signature is never alone on a page,
every form opens with the header block, Mẫu 3-213 asks about the member's own workplace,
each member gets their own handout (PDF and Word) in every regime, and the Word tables are
built as Word paginates them (merged heading cells, heading rows repeated, rows whole)."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.dossier import BuildResult, PrepareResult
from pipeline.profiles import load_profile
from pipeline.rules import under_review

SAMPLES = ["built_qd366", "built_chi_bo", "built_dang_bo"]
HANDOUTS = ["prepared_qd366", "prepared_chi_bo"]


def form_pdfs(request: pytest.FixtureRequest, name: str) -> list[Path]:
    result = request.getfixturevalue(name)
    folder = result.out / "mau" if name.startswith("built") else result.out
    return sorted(folder.glob("*.pdf"))


def page_lines(page: object) -> list[str]:
    return [line.strip() for line in (page.extract_text() or "").splitlines()  # type: ignore[attr-defined]
            if line.strip()]


@pytest.mark.parametrize("sample", SAMPLES + HANDOUTS)
def test_the_signature_never_stands_alone_on_a_page(sample: str,
                                                     request: pytest.FixtureRequest) -> None:
    alone = []
    for pdf in form_pdfs(request, sample):
        for number, page in enumerate(PdfReader(pdf).pages, start=1):
            lines = page_lines(page)
            if not any(line.startswith("Nơi nhận") for line in lines):
                continue
            before = lines[:next(i for i, line in enumerate(lines) if line.startswith("Nơi nhận"))]
            body = [line for line in before if not line.isdigit()]  # the page number
            if not body:
                alone.append(f"{pdf.name} trang {number}")
    assert not alone, alone


@pytest.mark.parametrize("sample", SAMPLES + HANDOUTS)
def test_every_form_opens_with_the_header_block(sample: str,
                                                request: pytest.FixtureRequest) -> None:
    missing = []
    for pdf in form_pdfs(request, sample):
        lines = page_lines(PdfReader(pdf).pages[0])
        text = "\n".join(lines)
        if not ("ĐẢNG CỘNG SẢN VIỆT NAM" in text and "*" in lines
                and re.search(r"ngày \S+ tháng \S+ năm \d{4}", text)):
            missing.append(pdf.name)
    assert not missing, missing


def test_the_residence_request_asks_about_the_members_own_workplace(
        prepared_qd366: PrepareResult) -> None:
    def text(code: str) -> str:
        return pdf_text(prepared_qd366.out / f"mau-3-213-phieu-xin-y-kien-noi-cu-tru-{code}.pdf")

    dv03 = text("DV03")
    assert "Chức vụ: Trưởng phòng Hạ tầng số" in dv03
    assert re.search(r"Đơn vị công tác: Phòng Hạ tầng số, Trung tâm Công nghệ thông tin\s+tỉnh",
                     dv03)
    assert "Nơi cư trú: Phường An Cựu, thành phố Huế" in dv03
    assert "Chi bộ Trung tâm" not in dv03.split("Đơn vị công tác:")[1].split("\n")[0]
    dv14 = text("DV14")  # no workplace in the data: a line to write it in
    assert re.search(r"Đơn vị công tác: …{10,}", dv14)


def test_a_member_not_under_review_gets_no_handout(prepared_qd366: PrepareResult) -> None:
    """DV15, admitted 20/08/2025, is not reviewed in 2025 (Quy định 366, Điều 5): no file
    of their own, and not in the files for all."""
    assert not [name for name in prepared_qd366.files if "DV15" in name]
    assert "DV14" in " ".join(prepared_qd366.files)
    for combined in prepared_qd366.out.glob("mau-*[a-z].pdf"):
        assert "Trần Văn Định" not in pdf_text(combined), combined.name


def test_each_handout_is_named_by_the_form_it_holds(prepared_qd366: PrepareResult) -> None:
    """A leader's review is Mẫu 2A, a member's 2B (Hướng dẫn 43); the file for all holds
    both."""
    for name in prepared_qd366.files:
        if "ban-kiem-diem-ca-nhan" in name and name.endswith(".pdf"):
            printed = re.findall(r"^Mẫu (\w+)-HD", pdf_text(prepared_qd366.out / name), re.M)
            assert "-".join(sorted({p.lower() for p in printed})) == \
                name.removeprefix("mau-").split("-hd-")[0], (name, printed)
    assert {n.split("-ban-kiem")[0] for n in prepared_qd366.files if "ban-kiem" in n} == {
        "mau-2a-hd-kd-dg-2025", "mau-2b-hd-kd-dg-2025", "mau-2a-2b-hd-kd-dg-2025"}


def test_prepare_says_a_line_per_form(prepared_qd366: PrepareResult) -> None:
    lines = prepared_qd366.summary()
    assert "mau-2a-hd-kd-dg-2025-ban-kiem-diem-ca-nhan: 3 bản riêng từng người" in lines
    assert "mau-3-213-phieu-xin-y-kien-noi-cu-tru: bản chung và 14 bản riêng từng người" in \
        lines
    assert len(lines) < 10


@pytest.mark.parametrize("sample", HANDOUTS)
def test_each_member_gets_their_own_handouts(sample: str,
                                             request: pytest.FixtureRequest) -> None:
    result: PrepareResult = request.getfixturevalue(sample)
    unit = request.getfixturevalue(sample.replace("prepared", "built")).unit
    rules = load_profile(unit.regime or "qd124").rules
    active = [m for m in unit.members if under_review(m, unit.review_date, rules)]
    for stem in ("ban-kiem-diem-ca-nhan", "phieu-xin-y-kien-noi-cu-tru"):
        combined = [p for p in result.out.glob(f"mau-*-{stem}.pdf")]
        assert len(combined) == 1, stem
        for member in active:
            (pdf,) = result.out.glob(f"mau-*-{stem}-{member.code}.pdf")
            assert pdf.with_suffix(".docx").is_file()
            text = pdf_text(pdf)
            for signatory in signatories(text):  # the chi bộ's secretary signs too
                text = text.replace(signatory, "")
            others = [m.name for m in active if m is not member and m.name in text]
            assert member.name in text or member.name in " ".join(signatories(pdf_text(pdf)))
            assert not others, (pdf.name, others)


def pdf_text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def signatories(text: str) -> list[str]:
    """The names under "BÍ THƯ" in a signature block."""
    return re.findall(r"BÍ THƯ\n(.+)", text)


def test_word_tables_are_built_to_paginate(built_dang_bo: BuildResult) -> None:
    document = docx.Document(str(built_dang_bo.out / "mau" / "muc-09-qd-xep-loai-dang-vien.docx"))
    table = document.tables[-1]  # the list of members, on landscape pages
    first, second = (row._tr for row in table.rows[:2])
    # The two heading rows repeat on each page; STT, name and post span both.
    for tr in (first, second):
        assert tr.trPr.find(qn("w:tblHeader")) is not None
    merges = [tc.tcPr.find(qn("w:vMerge")) for tc in second.tc_lst]
    assert sum(m is not None and m.get(qn("w:val")) is None for m in merges) == 5
    # No row splits across pages.
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
    # The last article keeps with the signature block below it.
    body = document.element.body
    closing = next(t for t in body.iter(qn("w:tbl"))
                   if t.find(f"{qn('w:tblPr')}/{qn('w:tblCaption')}") is not None)
    previous = closing.getprevious()
    while "".join(previous.itertext()).strip() == "":
        assert previous.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None
        previous = previous.getprevious()
    assert "Điều 3." in "".join(previous.itertext())
    assert previous.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None


@pytest.mark.parametrize("form", ["ban-kiem-diem-ca-nhan", "tu-danh-gia-ca-nhan",
                                  "phieu-xin-y-kien-noi-cu-tru"])
def test_the_file_to_print_is_every_members_own_file_page_for_page(
        form: str, prepared_qd366: PrepareResult) -> None:
    """The combined handout binds the members' own files (joins: member), each numbered
    as its own document, pixel for pixel; and before the numbers, the members' pages are
    those a layout of the whole file gives."""
    from pipeline import dossier
    from pipeline.chunks import join_pdfs
    from pipeline.render import Renderer
    from tests.conftest import QD366

    folder = prepared_qd366.out
    (combined,) = folder.glob(f"*{form}.pdf")
    profile = dossier.unit_profile(QD366, None)
    unit = dossier.load_for(QD366, profile, before_meetings=True)
    handouts = dossier.plan_handouts(unit, profile, dossier.assess(unit, profile))
    members = [h.form for h in handouts if h.form.form == form and h.form.subject]
    own = [next(folder.glob(f"*{f.file_stem}.pdf")) for f in members]
    assert len(own) == 14 and len(set(own)) == 14  # DV15 is not under review
    assert images(combined.read_bytes()) == [image for path in own
                                             for image in images(path.read_bytes())]
    numbers = [[line for line in page_lines(page) if line.isdigit()][:1]
               for page in PdfReader(combined).pages]
    per_member = [[str(n)] if n > 1 else [] for path in own
                  for n in range(1, len(PdfReader(path).pages) + 1)]
    assert [n[:1] for n in numbers] == [n[:1] for n in per_member]
    renderer = Renderer()
    whole = next(h.form for h in handouts if h.joins and h.form.form == form)
    one_pass = renderer.pdf(renderer.html(whole.template, **whole.context))
    parts = join_pdfs([renderer.pdf(renderer.html(f.template, **f.context)) for f in members])
    assert images(parts) == images(one_pass)


def test_the_joined_file_is_written_part_by_part_and_reads_strictly(
        prepared_qd366: PrepareResult, tmp_path: Path) -> None:
    """pipeline/pdfjoin.py: the pages keep their parts' content streams byte for byte,
    a strict reader accepts the file, and the same parts give the same bytes."""
    import io

    from pipeline.pdfjoin import join_files

    parts = sorted(prepared_qd366.out.glob("*ban-kiem-diem-ca-nhan-*.pdf"))[:4]
    files = []
    for _ in range(2):
        buffer = io.BytesIO()
        join_files(parts, buffer)
        files.append(buffer.getvalue())
    assert files[0] == files[1]
    joined = PdfReader(io.BytesIO(files[0]), strict=True)
    sources = [page for part in parts for page in PdfReader(part).pages]
    assert len(joined.pages) == len(sources)
    for page, source in zip(joined.pages, sources, strict=True):
        assert page.get_contents().get_data() == source.get_contents().get_data()  # type: ignore[union-attr]
        assert page.extract_text() == source.extract_text()
    assert joined.metadata is not None and joined.metadata.title == \
        PdfReader(parts[0]).metadata.title  # type: ignore[union-attr]


@pytest.mark.parametrize("form", ["ban-kiem-diem-ca-nhan", "phieu-xin-y-kien-noi-cu-tru"])
def test_the_word_file_to_print_is_every_members_own_word_file_section_by_section(
        form: str, prepared_qd366: PrepareResult) -> None:
    """docx_writer.join_word_files: one section per member, in order, each with the
    member's own paragraphs and its page numbers starting again at 1."""
    folder = prepared_qd366.out
    (combined,) = folder.glob(f"*{form}.docx")
    own = sorted(folder.glob(f"*{form}-*.docx"), key=lambda path: path.stem.rsplit("-")[-1])
    joined = docx.Document(str(combined))
    assert len(joined.sections) == len(own) == 14  # DV15 is not under review
    texts = [p.text for p in joined.paragraphs if p.text.strip()]
    assert texts == [p.text for path in own for p in docx.Document(str(path)).paragraphs
                     if p.text.strip()]
    for section in joined.sections:
        restart = section._sectPr.find(qn("w:pgNumType"))
        assert restart is not None and restart.get(qn("w:start")) == "1"
        assert section.different_first_page_header_footer  # no number on its first page


def images(pdf: bytes) -> list[bytes]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    return [document[i].render(scale=1).to_pil().tobytes() for i in range(len(document))]


def test_a_joined_handout_needs_the_members_own(tmp_path: Path) -> None:
    from pipeline.errors import InputError
    from pipeline.paths import TEMPLATES
    from pipeline.profiles import load_profile

    text = (TEMPLATES / "profiles" / "qd124.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "qd124.yaml"
    broken.write_text(text.replace("  - {form: ban-kiem-diem-ca-nhan, per: member}\n", ""),
                      encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_profile(str(broken))
    assert any(p.where.endswith(".joins") and "per: member" in p.message
               for p in error.value.problems)


def test_what_the_meeting_said_of_the_head_is_signed_by_the_deputy(
        built_qd366: BuildResult) -> None:
    """The Bí thư (DV01) does not sign the summary of opinions on himself; the Phó Bí thư
    does. Another leader's is signed by the Bí thư."""
    head = pdf_text(built_qd366.out / "mau" / "ca-nhan-DV01-3-tong-hop-y-kien.pdf")
    assert re.search(r"T/M CHI BỘ\nPHÓ BÍ THƯ\nNguyễn Quốc Huy", head), head[-200:]
    assert "Trương Minh Trung" in head  # whom it is about
    deputy = pdf_text(built_qd366.out / "mau" / "ca-nhan-DV02-3-tong-hop-y-kien.pdf")
    assert re.search(r"T/M CHI BỘ\nBÍ THƯ\nTrương Minh Trung", deputy)
    document = docx.Document(str(built_qd366.out / "mau" / "ca-nhan-DV01-3-tong-hop-y-kien.docx"))
    assert "PHÓ BÍ THƯ" in "\n".join(cell.text for table in document.tables
                                    for row in table.rows for cell in row.cells)


def test_the_note_column_says_what_the_level_is_checked_against(
        built_qd366: BuildResult) -> None:
    """Ghi chú of the members' list: sick leave (DV13), dự bị (DV14); discipline and
    maternity leave as the member's row gives them, said once."""
    from pipeline.forms import member_note
    from pipeline.levels import Level
    from pipeline.rules import Rating, RatingStatus
    from tests.factory import member

    text = pdf_text(built_qd366.out / "mau" / "muc-09-qd-xep-loai-dang-vien.pdf")
    assert re.search(r"Lê Thị Mỹ Hạnh .* Nghỉ ốm 4 tháng", text)
    assert re.search(r"Lý Hữu Dũng .* Dự bị", text)
    rated = Rating("DV20", "Đảng viên DV20", RatingStatus.CLASSIFIED, Level.HTNV)
    disciplined = member("DV20", discipline="Khiển trách", discipline_self_remedied=True,
                         maternity_leave=True, sick_leave_months=1.5)
    assert member_note(disciplined, rated) == ("Kỷ luật Khiển trách trong năm, tự phát hiện, "
                                               "khắc phục; nghỉ ốm 1,5 tháng; nghỉ thai sản")
    capped = Rating("DV20", "", RatingStatus.CLASSIFIED, Level.HTNV, reason="nghỉ ốm 4 tháng")
    assert member_note(member("DV20", sick_leave_months=4.0), capped) == "Nghỉ ốm 4 tháng"


def test_the_list_of_leaders_is_signed_and_names_the_last_item(
        built_qd366: BuildResult, built_chi_bo: BuildResult) -> None:
    """Item (14) carries a number, so it is signed; the personal sets follow the last item
    of the regime's checklist: (21) under Quy định 366, (15) under Quy định 124."""
    for result, last in ((built_qd366, "21"), (built_chi_bo, "15")):
        pdf = result.out / "mau" / "muc-14-ds-can-bo-lanh-dao.pdf"
        text = pdf_text(pdf)
        assert f"được đóng sau mục ({last})." in " ".join(text.split())
        assert re.search(r"T/M CHI BỘ\nBÍ THƯ\nTrương Minh Trung", text), text[-300:]
        word = docx.Document(str(pdf.with_suffix(".docx")))
        cells = "\n".join(c.text for t in word.tables for row in t.rows for c in row.cells)
        assert "BÍ THƯ" in cells and "Nơi nhận" in cells


def test_form_lines_are_not_stretched(prepared_qd366: PrepareResult) -> None:
    """A form's own lines (class plain: 'Chi bộ đề xuất mức xếp loại chất lượng: …') are
    flush left as in Word, so no word gap is widened to reach the margin (pypdf then
    reads a widened gap as two spaces)."""
    for name in ("mau-2b-hd-kd-dg-2025-ban-kiem-diem-ca-nhan-DV04.pdf",
                 "mau-05-hd-kd-dg-2025-tu-danh-gia-ca-nhan-DV04.pdf"):
        text = pdf_text(prepared_qd366.out / name)
        stretched = [line for line in text.splitlines() if "  " in line.strip()]
        assert not stretched, (name, stretched)
