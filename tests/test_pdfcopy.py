"""pdfcopy.FormObjects places a form's pages in a writer as pypdf's add_page does: the
same pages, read back from the written file, each object serialised once for all the
bindings that place the form at the same object number."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from pipeline import dossier
from pipeline.assemble import _opened
from pipeline.dossier import BuildResult
from pipeline.pdfcopy import FormObjects, NotCopyable
from pipeline.pdfdigest import pages_digest, write_identified
from pipeline.render import Renderer
from tests.conftest import CHI_BO

FORMS = ("muc-09-qd-xep-loai-dang-vien.pdf", "muc-04-bao-cao-kiem-diem-tap-the.pdf")


@pytest.fixture(scope="module")
def forms(built_chi_bo: BuildResult) -> list[bytes]:
    found = [built_chi_bo.out / "mau" / name for name in FORMS]
    assert all(path.exists() for path in found), sorted(Path(built_chi_bo.out / "mau").iterdir())
    return [path.read_bytes() for path in found]


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def written(writer: PdfWriter) -> bytes:
    return write_identified(writer, b"test")


def texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def test_placed_pages_show_what_added_pages_show(forms: list[bytes]) -> None:
    for pdf in forms:
        added = PdfWriter()
        for page in read(pdf).pages:
            added.add_page(page)
        placed = PdfWriter()
        pages = FormObjects(read(pdf)).place(placed)
        assert len(pages) == len(read(pdf).pages) > 1
        # in the writer (what the binding digests) and in the file written
        assert pages_digest(placed.pages) == pages_digest(added.pages) == \
            pages_digest(read(pdf).pages)
        back = read(written(placed))
        assert pages_digest(back.pages) == pages_digest(read(pdf).pages)
        assert texts(back) == texts(read(pdf))
        assert all(texts(back))


def test_a_form_placed_twice_among_others(forms: list[bytes]) -> None:
    first, second = (FormObjects(read(pdf)) for pdf in forms)
    writer = PdfWriter()
    for objects in (first, second, first):
        objects.place(writer)
    back = read(written(writer))
    a, b = (len(read(pdf).pages) for pdf in forms)
    assert len(back.pages) == 2 * a + b
    runs = [back.pages[:a], back.pages[a:a + b], back.pages[a + b:]]
    assert [pages_digest(run) for run in runs] == [
        pages_digest(read(pdf).pages) for pdf in (forms[0], forms[1], forms[0])]
    assert [page.indirect_reference.idnum for page in back.pages] == sorted(
        {page.indirect_reference.idnum for page in back.pages})  # no page twice


def test_a_kept_form_writes_the_bytes_of_a_fresh_one(forms: list[bytes]) -> None:
    """A rebuild (kept objects) gives a cold build's bytes, wherever the form lands."""
    kept = FormObjects(read(forms[0]))
    for before in (None, forms[1], None, forms[1]):  # the same number again, then another
        made = []
        for objects in (kept, FormObjects(read(forms[0]))):
            writer = PdfWriter()
            if before is not None:
                FormObjects(read(before)).place(writer)
            objects.place(writer)
            made.append(written(writer))
        assert made[0] == made[1]


def test_pdfs_it_does_not_take_are_bound_as_read(forms: list[bytes]) -> None:
    writer = PdfWriter(clone_from=read(forms[0]))
    writer.pages[0].rotate(90)
    rotated = written(writer)
    with pytest.raises(NotCopyable):
        FormObjects(read(rotated))
    assert isinstance(_opened(rotated, {}, {}), PdfReader)


def test_the_forms_the_dossier_binds_are_read_before_the_binding() -> None:
    """dossier.render_forms reads each form the binding will take as it comes in
    (assemble.open_ahead), and no other: the others are never bound."""
    profile = dossier.unit_profile(CHI_BO, None)
    unit = dossier.load_for(CHI_BO, profile)
    plan = dossier.plan_forms(unit, profile, dossier.assess(unit, profile))[:3]
    renderer = Renderer(keep_compiled=True)
    forms = dossier.render_forms(plan, renderer, 1, bound={dossier._key(plan[1])})
    assert list(renderer.bound_forms) == [forms[1].pdf]
    assert isinstance(renderer.bound_forms[forms[1].pdf], FormObjects)
