"""One page model for PDF and Word: every Word file hoso writes, opened in LibreOffice,
paginates like hoso's PDF of the same form (issue: same pages, same text on each page).

LibreOffice stands in for the clerk's Word. It gets the bundled fonts only (Liberation
Serif answers for Times New Roman, as it is metric-compatible), so both engines set the
same glyphs. Dotted lines to fill in are left out of the comparison, and so are the
characters' order within a page: two engines may paint table cells in another order.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipeline.dossier import BuildResult, PrepareResult
from pipeline.paths import FONTS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: .ci/run installs "
    "Debian's libreoffice-writer-nogui; without it Word's pagination cannot be checked")

FONT_CONFIG = f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{FONTS}</dir>
  <cachedir>{{cache}}</cachedir>
  <alias binding="same"><family>Times New Roman</family>
    <accept><family>Liberation Serif</family></accept></alias>
</fontconfig>
"""


def words_per_page(pdf: Path) -> list[Counter[str]]:
    """The words of each page, dotted lines ("……", or "....") left out."""
    pages = []
    for page in PdfReader(pdf).pages:
        text = (page.extract_text() or "").replace("…", " ")
        pages.append(Counter(w for w in text.split() if set(w) != {"."}))
    return pages


def chosen(folder: Path, per_form: int | None) -> list[Path]:
    """The Word files of a folder; with `per_form`, only that many of the per-member copies
    of each form (mau-2-…-DV01, -DV02, …): they come from one template, and the combined
    file of all members is always compared."""
    documents = sorted(folder.glob("*.docx"))
    if per_form is None:
        return documents
    kept: list[Path] = []
    seen: Counter[str] = Counter()
    for document in documents:
        stem, _, code = document.stem.rpartition("-")
        form = stem if re.fullmatch(r"[A-Z]+\d+", code) else document.stem
        seen[form] += 1
        if seen[form] <= per_form:
            kept.append(document)
    return kept


def convert_all(documents: list[Path], work: Path) -> Path:
    """DOCX files to PDF, in one LibreOffice run with the bundled fonts only."""
    out = work / "pdf"
    out.mkdir(parents=True)
    (work / "fonts.conf").write_text(FONT_CONFIG.format(cache=work / "fc-cache"))
    env = dict(os.environ, FONTCONFIG_FILE=str(work / "fonts.conf"), HOME=str(work))
    assert documents
    subprocess.run([str(SOFFICE), f"-env:UserInstallation={(work / 'profile').as_uri()}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(out),
                    *map(str, documents)],
                   env=env, check=True, capture_output=True, timeout=600)
    return out


def assert_same_pages(folder: Path, work: Path, per_form: int | None = None) -> int:
    documents = chosen(folder, per_form)
    converted = convert_all(documents, work)
    differences = []
    for document in documents:
        ours = words_per_page(document.with_suffix(".pdf"))
        theirs = words_per_page(converted / f"{document.stem}.pdf")
        if len(ours) != len(theirs):
            differences.append(f"{document.name}: {len(ours)} trang PDF, {len(theirs)} trang "
                               "Word")
            continue
        for number, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
            if a != b:
                differences.append(f"{document.name} trang {number}: chỉ PDF "
                                   f"{sorted((a - b).elements())[:8]}, chỉ Word "
                                   f"{sorted((b - a).elements())[:8]}")
    assert not differences, "\n".join(differences)
    return len(documents)


@pytest.mark.parametrize("sample", ["built_qd366", "built_chi_bo", "built_dang_bo"])
def test_word_files_of_a_build_paginate_like_the_pdf(
        sample: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    result: BuildResult = request.getfixturevalue(sample)
    assert assert_same_pages(result.out / "mau", tmp_path) >= 10


@pytest.mark.parametrize(("sample", "per_form"), [("prepared_qd366", None),
                                               ("prepared_chi_bo", None),
                                               ("prepared_dang_bo", 3)])
def test_handouts_paginate_like_the_pdf(sample: str, per_form: int | None,
                                        request: pytest.FixtureRequest, tmp_path: Path) -> None:
    result: PrepareResult = request.getfixturevalue(sample)
    assert assert_same_pages(result.out, tmp_path, per_form) >= 10


def test_the_comparison_sees_a_moved_line(built_qd366: BuildResult, tmp_path: Path) -> None:
    """The check can fail: a Word file whose text runs one line further than the PDF's
    page is caught."""
    import docx

    folder = tmp_path / "mau"
    folder.mkdir()
    source = built_qd366.out / "mau" / "muc-04-bao-cao-kiem-diem-tap-the"
    shutil.copy(source.with_suffix(".pdf"), folder)
    document = docx.Document(str(source.with_suffix(".docx")))
    for _ in range(12):  # push the last lines of page 1 onto page 2
        document.paragraphs[3].insert_paragraph_before("")
    document.save(str(folder / source.with_suffix(".docx").name))
    with pytest.raises(AssertionError, match="trang"):
        assert_same_pages(folder, tmp_path / "work")
