"""Vietnamese text: turn raw strings into clean NFC text, and values into Vietnamese notation.

Input side: `fold` for tolerant matching of headers and values, `text_problem` to detect
legacy encodings (TCVN3 / VNI pasted from old Word files) and the look-alike Ð.
Output side: header dates, numbers, percentages, the `07/08/10` vote notation and names
in upper case (typography.md "Dates and numbers").
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

LOOKALIKE_D = "\u00d0"  # Ð (Icelandic eth); the Vietnamese capital is Đ U+0110

# Latin-1 letters that Vietnamese really uses; any other Latin-1 symbol or letter in a
# Vietnamese text is the fingerprint of TCVN3 or VNI text decoded as Windows-1252.
_VIETNAMESE_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_LEGACY_SUSPECTS = {chr(c) for c in range(0xA1, 0x100)} - _VIETNAMESE_LATIN1 - {
    "°", "±", "×", "÷", "²", "³", "½", "¼", "¾", "«", "»", "·", "§", "©", "®",
}
# ('§', '«»' … are common in plain text; TCVN3 is still caught by its other symbols.)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=8192)  # the same statuses, roles and cell names, row after row
def fold(text: str) -> str:
    """Lower-case ASCII skeleton of a text, for tolerant matching of headers and values."""
    text = nfc(text).replace("đ", "d").replace("Đ", "D").replace(LOOKALIKE_D, "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalnum() else " " for c in bare.lower())
    return " ".join(cleaned.split())


@lru_cache(maxsize=8192)
def text_problem(text: str) -> str | None:
    """Why a text cannot be accepted as clean Vietnamese, or None if it can.

    Legacy text shows two or more stray Latin-1 symbols, or one glued to a letter
    ("§¶ng", "Ñaûng"); a lone "§ 5" in clean text is not flagged.
    """
    control = next((c for c in text if ord(c) < 32 and c not in "\t\n\r"), None)
    if control is not None:
        return (f"có ký tự điều khiển (mã {ord(control)}) không in được, có lẽ do chép từ "
                "tệp hỏng; hãy gõ lại ô này")
    if LOOKALIKE_D in text:
        return "có chữ «Ð» (U+00D0) giống chữ Đ; hãy gõ lại bằng chữ «Đ» tiếng Việt (U+0110)"
    suspects = [i for i, c in enumerate(text) if c in _LEGACY_SUSPECTS]
    glued = any(i + 1 < len(text) and text[i + 1].isalpha() for i in suspects)
    if len(suspects) >= 2 or glued:
        shown = "".join(dict.fromkeys(text[i] for i in suspects))[:6]
        return (f"chữ bị lỗi mã (có ký tự «{shown}»), có lẽ là văn bản TCVN3/VNI cũ; hãy "
                "chuyển sang Unicode (ví dụ bằng Unikey) rồi nhập lại")
    return None


# --- output notation -------------------------------------------------------------------


def header_date(place: str, day: date) -> str:
    """`Hà Nội, ngày 05 tháng 01 năm 2023`: day zero-padded, month padded only for 1 and 2."""
    return f"{place}, {date_words(day)}"


def date_words(day: date) -> str:
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def short_date(day: date) -> str:
    """`25/12/2022`, the way dates are written inside the text."""
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def number(value: float | int | Decimal, decimals: int = 0) -> str:
    """`1.234` and `0,5`: Vietnamese separators, via babel's vi locale."""
    return _number(str(value), decimals)  # babel formats Decimal(str(value)) too


@lru_cache(maxsize=4096)
def _number(text: str, decimals: int) -> str:
    """Kept for the values seen last: a list of 3,000 members has 12,000 numbers, in
    its HTML and again in its Word file, mostly the same few shares."""
    return str(_pattern(decimals).apply(Decimal(text), _vietnamese()))


# What babel's format_decimal parses at every call, once.
@cache
def _pattern(decimals: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "#" * decimals if decimals else ""))


@cache
def _vietnamese() -> Locale:
    return Locale.parse("vi")


def percent(part: int, whole: int) -> str:
    """`70%` or `70,5%` (at most two decimals); `0%` when there is no whole."""
    if whole <= 0:
        return "0%"
    return number(round(part * 100 / whole, 2), decimals=2) + "%"


def vote_notation(votes: int, present: int, total: int) -> str:
    """`07/08/10`: votes / present / total full members, each at least two digits."""
    return f"{votes:02d}/{present:02d}/{total:02d}"


def upper(text: str) -> str:
    """Upper case with Vietnamese diacritics kept and NFC preserved (ủy → ỦY)."""
    return nfc(nfc(text).upper())
