"""Page-number overlays drawn from one laid-out sample (pipeline/stamps.py) are the
drawings WeasyPrint makes when it lays out each number on its own page."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from pipeline import assemble
from pipeline.render import Renderer
from pipeline.stamps import PAIRS, Stamps

NUMBERS = [*range(0, 140), 199, 211, 999, 1000, 1011, 1234, 9999, 10000, 123456]


def drawing(data: bytes) -> bytes:
    return re.sub(rb"/[A-Z]{6} ", b"/Font ", data)  # the subset's name, made per font


def test_each_overlay_is_the_drawing_of_its_number_laid_out() -> None:
    renderer = Renderer()
    laid_out = PdfReader(io.BytesIO(renderer.pdf(assemble._stamp_html(renderer, NUMBERS))))
    for number, page in zip(NUMBERS, laid_out.pages, strict=True):
        stamp = assemble.stamp_page(renderer, number)
        assert drawing(stamp.drawing) == drawing(page.get_contents().get_data()), number


def test_numbers_with_a_kerned_pair_are_laid_out_alone() -> None:
    renderer = Renderer()
    sample = renderer.pdf(assemble._stamp_html(renderer, assemble.SAMPLE))
    alone: list[int] = []

    def lay_out_alone(number: int) -> bytes:
        alone.append(number)
        return renderer.pdf(assemble._stamp_html(renderer, [number]))

    stamps = Stamps(sample, lay_out_alone)
    assert len({PAIRS[i:i + 2] for i in range(len(PAIRS) - 1)}) == 100
    assert stamps.glyphs is not None and stamps.kerned == {"11"}  # Times New Roman
    for number in (2, 47, 110, 211, 1011, 3000):
        stamps.stamp(number)
    assert alone == [110, 211, 1011]
    stamps.stamp(211)
    assert alone == [110, 211, 1011]  # each laid out once


def test_a_sample_of_another_shape_lays_out_every_number_alone() -> None:
    renderer = Renderer()
    other = renderer.pdf(assemble._stamp_html(renderer, [5, 6, 7]))
    alone: list[int] = []
    stamps = Stamps(other, lambda n: alone.append(n) or other)  # type: ignore[func-returns-value]
    assert stamps.glyphs is None
    stamps.stamp(47)
    assert alone == [47]


def test_a_form_is_numbered_alone_by_an_update_that_looks_as_the_copy_did() -> None:
    """A form's standalone PDF is the form as laid out with an incremental update
    appended (pipeline/pdfupdate.py): nothing of it parsed or written again. Each page
    looks as when the whole form was copied and numbered, pixel for pixel, portrait and
    landscape; pypdf reads it strictly and finds the numbers from the second page."""
    import pypdfium2 as pdfium

    renderer = Renderer()
    form = renderer.pdf("<html><body><p>một</p><p class='page-break'>hai</p>"
                        "<section class='wide'><p>ba</p></section>"
                        "<p class='page-break'>bốn</p></body></html>")
    updated = assemble.numbered_alone(form, renderer)
    copied = assemble._numbered_copy(form, renderer)
    assert updated.startswith(form) and len(updated) < len(copied)
    reader = PdfReader(io.BytesIO(updated), strict=True)
    texts = [page.extract_text() for page in reader.pages]
    assert [t.split()[0] for t in texts] == ["một", "hai", "ba", "bốn"]
    assert [t.split()[-1] for t in texts[1:]] == ["2", "3", "4"]
    ours, theirs = pdfium.PdfDocument(updated), pdfium.PdfDocument(copied)
    assert len(ours) == len(theirs) == 4
    for index in range(4):
        assert ours[index].render(scale=1.5).to_pil().tobytes() == \
            theirs[index].render(scale=1.5).to_pil().tobytes(), index
    assert assemble.numbered_alone(renderer.pdf("<p>một</p>"), renderer) == \
        renderer.pdf("<p>một</p>")  # one page: nothing to number


def test_a_form_with_a_rotated_page_is_numbered_as_a_copy() -> None:
    """A form's pages are never rotated; were one, its number would be drawn unrotated
    by an update, so such a PDF is numbered as a copy, the number where it is seen."""
    from pypdf import PdfWriter

    renderer = Renderer()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(renderer.pdf(
        "<p>một</p><p class='page-break'>hai</p>"))))
    writer.pages[1].rotate(90)
    buffer = io.BytesIO()
    writer.write(buffer)
    numbered = assemble.numbered_alone(buffer.getvalue(), renderer)
    assert not numbered.startswith(buffer.getvalue())
    page = PdfReader(io.BytesIO(numbered)).pages[1]
    assert page.get("/Rotate", 0) == 0 and page.extract_text().split()[-1] == "2"
