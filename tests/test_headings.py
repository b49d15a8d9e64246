"""The clerk's review text goes under the heading of the form it names, never elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.content import Heading, catalogue, match_heading, parse_markdown
from pipeline.errors import Problem

MAU_01 = catalogue().sections("mau_01_hd43")
MAU_2B = catalogue().sections("mau_2b_hd43")


def text_of(found: Heading | tuple[Heading, ...]) -> str:
    assert isinstance(found, Heading), found
    return found.text


@pytest.mark.parametrize("written", [
    "IV. Giải trình những vấn đề được gợi ý kiểm điểm (nếu có)",  # as printed
    "Giải trình những vấn đề được gợi ý kiểm điểm",  # without its number
    "IV - Giai trinh nhung van de duoc goi y kiem diem",  # without accents
    "iv. giải trình",  # numbered, a few of its words
])
def test_a_heading_is_named_by_its_words_numbered_or_not(written: str) -> None:
    assert text_of(match_heading(written, MAU_01)).startswith("IV. Giải trình")


def test_a_number_that_disagrees_with_the_words_names_nothing() -> None:
    # "Phương hướng" is VI in Hướng dẫn 43: the 2023 numbering (V) is not followed blindly
    assert match_heading("V. Phương hướng, biện pháp khắc phục", MAU_01) == ()
    assert text_of(match_heading("VI. Phương hướng, biện pháp khắc phục", MAU_01)) \
        .startswith("VI.")


def test_words_found_in_several_headings_are_ambiguous() -> None:
    found = match_heading("Trách nhiệm", MAU_01)
    assert isinstance(found, tuple) and len(found) == 2  # 4. and V.


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tap-the.md"
    path.write_text(text, encoding="utf-8")
    return path


def test_sections_land_under_their_headings_in_any_order(tmp_path: Path) -> None:
    problems: list[Problem] = []
    path = write(tmp_path, "## VI. Phương hướng khắc phục\nTăng cường kiểm tra.\n\n"
                 "## II. Hạn chế, khuyết điểm và nguyên nhân\nCòn chậm.\n")
    sections = parse_markdown(path, "kiem-diem/tap-the.md", MAU_01, problems)
    assert not problems
    assert [(s.heading[:3], s.paragraphs) for s in sections] == [
        ("II.", ("Còn chậm.",)), ("VI.", ("Tăng cường kiểm tra.",))]


def test_an_unknown_heading_is_refused_with_the_forms_headings(tmp_path: Path) -> None:
    problems: list[Problem] = []
    path = write(tmp_path, "## VII. Tự đánh giá, xếp loại\nTốt.\n")
    assert parse_markdown(path, "kiem-diem/tap-the.md", MAU_01, problems) == ()
    (problem,) = problems
    assert problem.file == "kiem-diem/tap-the.md" and problem.where == "dòng 1"
    assert "không ứng với đề mục nào" in problem.message
    assert "«VI. Phương hướng, biện pháp khắc phục hạn chế, khuyết điểm»" in problem.message


def test_a_heading_written_twice_is_refused(tmp_path: Path) -> None:
    problems: list[Problem] = []
    path = write(tmp_path, "## II. Hạn chế\nMột.\n## Hạn chế, khuyết điểm và nguyên nhân\nHai.\n")
    sections = parse_markdown(path, "kiem-diem/tap-the.md", MAU_01, problems)
    assert [s.paragraphs for s in sections] == [("Một.",)]
    assert len(problems) == 1 and "đã có ở trên" in problems[0].message


def test_2b_has_the_points_of_its_own_form() -> None:
    assert text_of(match_heading("2. Việc thực hiện nhiệm vụ, quyền hạn", MAU_2B)) \
        .startswith("2. Việc thực hiện nhiệm vụ, quyền hạn và kết quả")
    assert MAU_2B[0].group and not MAU_2B[1].group
