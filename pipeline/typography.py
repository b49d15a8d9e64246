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


TYPOGRAPHY = Typography()
