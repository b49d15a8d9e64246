"""The numbers of the party-document format (typography.md), in one place.

The PDF stylesheet (templates/mau/style.css.j2) is rendered from these values and the DOCX
writer reads the same ones, so a profile or a district can change a size once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Typography:
    page_width_mm: float = 210
    page_height_mm: float = 297
    margin_top_mm: float = 20
    margin_bottom_mm: float = 20
    margin_left_mm: float = 30
    margin_right_mm: float = 15
    font_pdf: str = "Liberation Serif"  # bundled, metric-compatible with Times New Roman
    font_docx: str = "Times New Roman"  # what Word on the clerk's machine has
    body_pt: float = 14
    motto_pt: float = 15  # ĐẢNG CỘNG SẢN VIỆT NAM
    header_pt: float = 14
    doc_type_pt: float = 15  # QUYẾT ĐỊNH, TỜ TRÌNH …
    subject_pt: float = 14
    recipients_pt: float = 12
    table_pt: float = 12
    small_pt: float = 11
    line_height: float = 1.25
    first_line_indent_mm: float = 10
    paragraph_after_pt: float = 4
    page_number_pt: float = 14
    page_number_top_mm: float = 10

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# Column widths of every bordered table, as shares of the text width. The PDF templates
# (macro `cols` of _macros.html) and the Word layouts (tools/make_docx_templates.py) both
# read them, so a row wraps, and a page breaks, at the same place in both.
COLUMNS: dict[str, tuple[float, ...]] = {
    "criteria": (8, 48, 11, 11, 11, 11),
    "vote_wide": (5, 16, 14, 9.5, 9.5, 9.5, 9.5, 12, 15),
    "vote_tall": (7, 15, 11, 12, 12, 12, 12, 12, 7),
    "proposal": (7, 28, 25, 18, 22),
    "collectives": (7, 21, 12.5, 12.5, 12.5, 12.5, 12, 10),
    "score_summary": (5, 21, 10, 10, 10, 10, 12, 22),
    "award_cells": (8, 32, 35, 25),
    "award": (8, 42, 50),
    "leaders": (8, 32, 30, 30),
    "quarters": (14, 22, 28, 14, 22),
    "checklist": (10, 62, 28),
    "ballot": (7, 22, 19, 13, 13, 13, 13),
    "sub_summary": (5, 30, 9, 9, 9, 9, 15, 14),
    "rerating": (6, 20, 16, 17, 17, 24),
}

# The two columns of the header block and of the closing block (Nơi nhận | signature).
HEADER_SHARES = (45, 55)


TYPOGRAPHY = Typography()
