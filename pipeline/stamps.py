"""Turn page numbers into the overlays that print them (top centre, on a white patch),
drawn from one laid-out sample instead of one laid-out page per number.

WeasyPrint laid out one A4 page per number, 64 numbers to a document: 0.13 s of a
renderer's time for the first 64 and as much for every further 64 (six documents for a
367-page dossier). Yet the overlay of a number is the same drawing for every number of
as many digits but for the glyphs, when the font's digits are all as wide and do not
kern. So the sample lays out, once, each digit alone (the font it embeds then has all
ten), one page per count of digits (`00`, `000`, …) and one page with every pair of
digits side by side; the overlay of 47 is the page of `00` with the glyphs of 4 and 7.
A number with a pair the font kerns (`11` in Times New Roman), or a sample without that
shape, gets an overlay laid out on its own page, as before: the same pages either way.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pypdf import PageObject, PdfReader

DIGITS = "0123456789"
MOST_DIGITS = 6  # page numbers up to 999,999


def _every_pair() -> str:
    """A string of digits with every ordered pair of digits in it once (de Bruijn)."""
    sequence: list[int] = []
    word = [0, 0, 0]

    def extend(t: int, p: int) -> None:
        if t > 2:
            if 2 % p == 0:
                sequence.extend(word[1:p + 1])
            return
        word[t] = word[t - p]
        extend(t + 1, p)
        for digit in range(word[t - p] + 1, 10):
            word[t] = digit
            extend(t + 1, t)

    extend(1, 1)
    return "".join(map(str, sequence)) + "0"


PAIRS = _every_pair()
SAMPLE = [*DIGITS, *("0" * count for count in range(2, MOST_DIGITS + 1)), PAIRS]
# A run of glyphs: [<00130014>] TJ, two bytes a glyph, or with adjustments between them.
GLYPH_RUN = re.compile(rb"\[((?:<[0-9a-f]*>|-?[0-9.]+)*)\] TJ")
RUN_PART = re.compile(rb"<([0-9a-f]*)>|(-?[0-9.]+)")


@dataclass(frozen=True)
class Stamp:
    """What an overlay draws, and the sample page whose resources and box it uses."""

    drawing: bytes
    page: PageObject


class Stamps:
    """The overlays of every page number, from the laid-out sample (`SAMPLE`);
    `lay_out_alone(n)` lays out the overlay of n on its own page when the sample cannot
    serve."""

    def __init__(self, sample_pdf: bytes, lay_out_alone: Callable[[int], bytes]) -> None:
        self.pages = list(PdfReader(io.BytesIO(sample_pdf)).pages)
        self.lay_out_alone = lay_out_alone
        self.drawings = [_drawing(page) for page in self.pages]
        self.kerned: set[str] = set()  # pairs of digits drawn closer or apart
        self.glyphs = self._digit_glyphs()
        self.alone: dict[int, Stamp] = {}

    def stamp(self, number: int) -> Stamp:
        text = str(number)
        if self.glyphs is None or len(text) > MOST_DIGITS or number < 0 or \
                any(text[i:i + 2] in self.kerned for i in range(len(text) - 1)):
            return self._alone(number)
        index = 0 if len(text) == 1 else len(DIGITS) + len(text) - 2  # "0", or "00"…
        glyphs = b"".join(self.glyphs[digit] for digit in text)
        drawing = GLYPH_RUN.sub(lambda _: b"[<" + glyphs + b">] TJ", self.drawings[index])
        return Stamp(drawing, self.pages[index])

    def _digit_glyphs(self) -> dict[str, bytes] | None:
        """Each digit's glyph, when the sample has the expected shape: each page draws
        one run of glyphs, the single digits' pages the same but for their glyph (so all
        digits are as wide), and the zeros' pages that many zeros, side by side."""
        if len(self.pages) != len(SAMPLE):
            return None
        runs = [_glyph_run(drawing) for drawing in self.drawings]
        if any(run is None for run in runs[:-1]):
            return None
        singles = [run for run in runs[:len(DIGITS)] if run and len(run[0]) == 1]
        if len(singles) != len(DIGITS):
            return None
        glyphs = {digit: run[0][0] for digit, run in zip(DIGITS, singles, strict=True)}
        zero = glyphs["0"]
        shapes = {GLYPH_RUN.sub(b"", self.drawings[index]) for index in range(len(DIGITS))}
        zeros = all(run is not None and run == ([zero] * len(text), set())
                    for run, text in zip(runs[len(DIGITS):-1], SAMPLE[len(DIGITS):-1],
                                         strict=True))
        if len(set(glyphs.values())) != len(DIGITS) or len(shapes) != 1 or not zeros:
            return None
        pairs = runs[-1]
        if pairs is None or pairs[0] != [glyphs[digit] for digit in PAIRS]:
            return None
        self.kerned = {PAIRS[i:i + 2] for i in pairs[1]}
        return glyphs

    def _alone(self, number: int) -> Stamp:
        if number not in self.alone:
            page = PdfReader(io.BytesIO(self.lay_out_alone(number))).pages[0]
            self.alone[number] = Stamp(_drawing(page), page)
        return self.alone[number]


def _drawing(page: Any) -> bytes:
    contents = page.get_contents()
    return bytes(contents.get_data()) if contents is not None else b""


def _glyph_run(drawing: bytes) -> tuple[list[bytes], set[int]] | None:
    """The glyphs of the drawing's one run, and after which of them the run moves (a
    kerning adjustment); None if it has no run or several."""
    found = GLYPH_RUN.findall(drawing)
    if len(found) != 1:
        return None
    glyphs: list[bytes] = []
    moved: set[int] = set()
    for code, adjustment in RUN_PART.findall(found[0]):
        if adjustment and float(adjustment) != 0 and glyphs:
            moved.add(len(glyphs) - 1)
        glyphs.extend(code[i:i + 4] for i in range(0, len(code), 4))
    return glyphs, {i for i in moved if i < len(glyphs) - 1}
