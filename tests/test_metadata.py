"""What a PDF reader or Word shows of a file before it is opened: the dossier's title,
author (the unit) and subject; each Word file's title, author and its own date."""

from __future__ import annotations

from datetime import UTC, datetime

from docx import Document
from pypdf import PdfReader

from pipeline.dossier import BuildResult


def test_the_dossier_has_a_title_an_author_and_a_subject(built_qd366: BuildResult) -> None:
    info = PdfReader(built_qd366.out / "ho-so.pdf").metadata
    assert info is not None
    assert info.title == "Hồ sơ kiểm điểm, đánh giá, xếp loại chất lượng năm 2025"
    assert info.author == "Chi bộ Trung tâm Công nghệ thông tin tỉnh"
    assert info.subject == ("Chi bộ Trung tâm Công nghệ thông tin tỉnh, Đảng bộ Ủy ban nhân "
                            "dân thành phố Huế")


def test_each_form_names_its_issuer(built_qd366: BuildResult) -> None:
    info = PdfReader(built_qd366.out / "mau" / "muc-01-to-trinh-xep-loai.pdf").metadata
    assert info is not None and info.author == "Chi bộ Trung tâm Công nghệ thông tin tỉnh"
    assert info.title is not None and info.title.startswith("Tờ trình đề nghị xếp loại")


def test_word_files_carry_their_title_issuer_and_own_date(built_qd366: BuildResult) -> None:
    """The Tờ trình is dated as don-vi.yaml numbers it (12/12/2025), not 2000-01-01."""
    props = Document(str(built_qd366.out / "mau" / "muc-01-to-trinh-xep-loai.docx")
                     ).core_properties
    assert props.title.startswith("Tờ trình đề nghị xếp loại")
    assert props.author == "Chi bộ Trung tâm Công nghệ thông tin tỉnh"
    assert props.created == props.modified == datetime(2025, 12, 12, tzinfo=UTC)
    assert props.comments == "" and props.language == "vi-VN"
