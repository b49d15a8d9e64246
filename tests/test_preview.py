"""hoso preview: one PNG per page, a gallery with the outline, and changed-pages mode."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader, PdfWriter

from pipeline.cli import main
from pipeline.dossier import BuildResult


def test_every_page_and_the_outline(built_dang_bo: BuildResult, tmp_path: Path) -> None:
    out = tmp_path / "xem"
    result = CliRunner().invoke(main, ["preview", str(built_dang_bo.out / "ho-so.pdf"),
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    pngs = sorted(out.glob("trang-*.png"))
    assert len(pngs) == built_dang_bo.pages
    html = (out / "index.html").read_text(encoding="utf-8")
    assert html.count("<img ") == built_dang_bo.pages
    assert all(f'src="{p.name}"' in html for p in pngs)
    assert "(1) Tờ trình đề nghị xếp loại" in html and 'href="#trang-4"' in html
    targets = set(re.findall(r'href="#(trang-\d+)"', html))
    assert targets <= set(re.findall(r'id="(trang-\d+)"', html))
    with Image.open(pngs[0]) as first:
        assert first.height > first.width  # portrait A4


def test_asset_declarations_are_hidden_beyond_their_first_page(built_dang_bo: BuildResult,
                                                                tmp_path: Path) -> None:
    manifest = json.loads((built_dang_bo.out / "ho-so.json").read_text(encoding="utf-8"))
    assets = next(i for i in manifest["items"]
                  if i["section"] == "personal" and i["item"] == "4" and i["status"] == "present")
    assert assets["last_page"] > assets["first_page"]
    out = tmp_path / "xem"
    CliRunner().invoke(main, ["preview", str(built_dang_bo.out / "ho-so.pdf"), "-o", str(out)])
    html = (out / "index.html").read_text(encoding="utf-8")
    hidden = re.findall(r"Trang (\d+) — đã che", html)
    assert hidden == [str(p) for p in range(assets["first_page"] + 1, assets["last_page"] + 1)]


def test_changed_since_shows_only_changed_pages(built_chi_bo: BuildResult,
                                                tmp_path: Path) -> None:
    old = built_chi_bo.out / "ho-so.pdf"
    same = CliRunner().invoke(main, ["preview", str(old), "-o", str(tmp_path / "same"),
                                     "--changed-since", str(old)])
    assert same.exit_code == 0 and "0 trang thay đổi" in same.output
    assert not list((tmp_path / "same").glob("*.png"))
    # one page changed: draw a box onto page 5 of a copy
    writer = PdfWriter(clone_from=PdfReader(old))
    writer.pages[4].merge_page(PdfReader(old).pages[0])
    new = tmp_path / "new.pdf"
    with new.open("wb") as f:
        writer.write(f)
    result = CliRunner().invoke(main, ["preview", str(new), "-o", str(tmp_path / "diff"),
                                       "--changed-since", str(old)])
    assert result.exit_code == 0 and "1 trang thay đổi" in result.output
    assert [p.name for p in (tmp_path / "diff").glob("*.png")] == ["trang-005.png"]


def test_not_a_pdf_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(b"nope")
    result = CliRunner().invoke(main, ["preview", str(path)])
    assert result.exit_code == 2 and "không phải tệp PDF" in result.output
