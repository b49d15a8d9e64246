"""Vietnamese notation and text hygiene (typography.md "Dates and numbers", "Text quality")."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.vntext import (
    date_words,
    fold,
    header_date,
    number,
    percent,
    text_problem,
    upper,
    vote_notation,
)


@pytest.mark.parametrize(("day", "expected"), [
    (date(2023, 1, 5), "ngày 05 tháng 01 năm 2023"),
    (date(2026, 2, 9), "ngày 09 tháng 02 năm 2026"),
    (date(2026, 5, 27), "ngày 27 tháng 5 năm 2026"),
    (date(2022, 11, 21), "ngày 21 tháng 11 năm 2022"),
    (date(2025, 3, 1), "ngày 01 tháng 3 năm 2025"),
])
def test_header_dates_follow_the_zero_padding_rule(day: date, expected: str) -> None:
    assert date_words(day) == expected
    assert header_date("Thành phố Huế", day) == f"Thành phố Huế, {expected}"


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_header_date_padding_property(day: date) -> None:
    words = date_words(day).split()
    assert words[1] == f"{day.day:02d}"
    assert words[3] == (f"{day.month:02d}" if day.month <= 2 else str(day.month))
    assert words[5] == str(day.year)


def test_numbers_and_percentages() -> None:
    assert number(1234) == "1.234"
    assert number(0.5, 2) == "0,5"
    assert percent(7, 10) == "70%"
    assert percent(141, 200) == "70,5%"
    assert percent(1, 3) == "33,33%"
    assert percent(1, 0) == "0%"


@given(st.integers(0, 99), st.integers(0, 99), st.integers(1, 99))
def test_vote_notation_is_three_zero_padded_fields(votes: int, present: int,
                                                   total: int) -> None:
    fields = vote_notation(votes, present, total).split("/")
    assert [int(f) for f in fields] == [votes, present, total]
    assert all(len(f) >= 2 for f in fields)


def test_upper_keeps_diacritics_nfc() -> None:
    assert upper("đảng ủy khối cơ quan") == "ĐẢNG ỦY KHỐI CƠ QUAN"
    decomposed = unicodedata.normalize("NFD", "chi bộ")
    assert upper(decomposed) == "CHI BỘ"
    assert unicodedata.is_normalized("NFC", upper(decomposed))


@pytest.mark.parametrize("text", ["§¶ng bé", "Ñaûng uûy", "Chi bé §¶ng"])
def test_legacy_encodings_are_detected(text: str) -> None:
    assert "TCVN3/VNI" in (text_problem(text) or "")


def test_lookalike_d_is_detected() -> None:
    assert "U+00D0" in (text_problem("\u00d0ảng ủy") or "")


@pytest.mark.parametrize("text", ["Nguyễn Thị Hồng Ngọc", "Trưởng phòng Hạ tầng số",
                                  "Điều 5 § 2", "ĐẢNG ỦY KHỐI", "Hoàn thành tốt nhiệm vụ"])
def test_clean_vietnamese_is_accepted(text: str) -> None:
    assert text_problem(text) is None


def test_fold_matches_headers_tolerantly() -> None:
    assert fold("Họ và tên") == fold("HỌ VÀ TÊN") == fold("ho_va_ten") == "ho va ten"
    assert fold("Đảng viên") == "dang vien"


@given(st.one_of(st.integers(-10**9, 10**9),
                 st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
                 st.decimals(-10**9, 10**9, allow_nan=False, allow_infinity=False, places=3)),
       st.integers(0, 3))
def test_number_is_babels_vietnamese_format(value: float, decimals: int) -> None:
    """`number` keeps babel's parsed pattern and locale, and its recent results: the
    text is still babel's format_decimal, whatever the value's type."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    assert number(value, decimals) == format_decimal(value, format=pattern, locale="vi")
