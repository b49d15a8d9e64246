"""A long list laid out a window of rows at a time: the same pages as one pass, pixel
for pixel, and every window makes progress."""

from __future__ import annotations

import io
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from pipeline import chunks, dossier
from pipeline.cache import FormCache
from pipeline.chunks import (
    NO_CUT,
    ROW_ATTRIBUTE,
    RowList,
    Window,
    lay_out_in_windows,
    lay_out_then_cut,
    split_rows,
    split_sections,
)
from pipeline.forms import FormDoc
from pipeline.pdfdigest import pages_digest
from pipeline.render import CachedWindows, Renderer
from tests.conftest import CHI_BO, DANG_BO

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def member_list(renderer: Renderer) -> str:
    """The HTML of the đảng bộ sample's decision on its 64 members, with their list."""
    return sample_form(renderer, "qd-xep-loai-dang-vien")


def ballot_list(renderer: Renderer) -> str:
    """The HTML of one chi bộ's list of its members' ballots (16 members), whose list is
    in the form's body, between its opening paragraph and its closing and signature."""
    return sample_form(renderer, "ds-phieu-dang-vien-chi-bo", "HC")


def sample_form(renderer: Renderer, name: str, subject: str | None = None,
                unit_dir: Path = DANG_BO) -> str:
    profile = dossier.unit_profile(unit_dir, None)
    unit = dossier.load_for(unit_dir, profile)
    assessment = dossier.assess(unit, profile)
    form: FormDoc = next(f for f in dossier.plan_forms(unit, profile, assessment)
                         if f.form == name and f.subject == subject)
    return renderer.html(form.template, **form.context)


@pytest.fixture(scope="module")
def large_unit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A đảng bộ of 1,000 members in 63 chi bộ (tools/make_large_unit.py): its lists of
    chi bộ and of the 63 members rewarded run over several pages."""
    folder = tmp_path_factory.mktemp("large") / "dang-bo-1000"
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_large_unit.py"), "1000",
                    str(folder)], check=True)
    return folder


def recorded_layouts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The HTML of every document the renderers lay out from now on."""
    laid_out: list[str] = []
    lay_out = Renderer._lay_out

    def recording(self: Renderer, html: str) -> Any:
        laid_out.append(html)
        return lay_out(self, html)

    monkeypatch.setattr(Renderer, "_lay_out", recording)
    return laid_out


def page_images(pdf: bytes) -> list[bytes]:
    document = pdfium.PdfDocument(pdf)
    return [document[i].render(scale=2).to_pil().tobytes() for i in range(len(document))]


def test_the_member_list_is_split_into_its_rows(renderer: Renderer) -> None:
    rows = split_rows(member_list(renderer))
    assert rows is not None
    # 64 members, one title row per chi bộ trực thuộc
    assert sum(1 for r in rows.rows if 'class="group"' not in r) == 64
    assert all(r.startswith("<tr") for r in rows.rows)
    assert "QUYẾT ĐỊNH" in rows.head and "QUYẾT ĐỊNH" not in rows.continued_head
    assert "DANH SÁCH TỔNG HỢP" not in rows.continued_head
    assert "<thead>" in rows.continued_head  # a continued window starts with the header
    window = rows.window(10, 12)
    assert f'<tr {ROW_ATTRIBUTE}="10"' in window and f'{ROW_ATTRIBUTE}="12"' not in window


def test_forms_without_a_marked_list_are_laid_out_in_one_pass() -> None:
    assert split_rows("<html><body><table><tbody><tr><td>1</td></tr></tbody></table>") is None
    lead_after_rows = ("<body><table><tbody><!--hoso:rows--><tr><td>1</td></tr>"
                       "<!--hoso:/rows--></tbody></table><!--hoso:lead-->x<!--hoso:/lead-->")
    assert split_rows(lead_after_rows) is None


def test_a_list_in_the_body_is_split_and_its_closing_follows_the_rows(
        renderer: Renderer) -> None:
    rows = split_rows(ballot_list(renderer))
    assert rows is not None and len(rows.rows) == 16
    assert "tổng hợp kết quả" in rows.head and "tổng hợp kết quả" not in rows.continued_head
    assert "<thead>" in rows.continued_head
    assert "Danh sách gồm 16 đảng viên" in rows.tail and "Nơi nhận" in rows.tail


@pytest.mark.parametrize(("unit", "form", "subject", "window_rows", "at_least"), [
    ("sample", "qd-xep-loai-dang-vien", None, 15, 4),  # 70 rows, a page at a time
    ("sample", "ds-phieu-dang-vien-chi-bo", "HC", 4, 2),  # its closing after the list
    ("large", "qd-khen-thuong-dang-vien", None, 15, 2),  # a decision's article 2 after it
    ("large", "qd-xep-loai-to-chuc-truc-thuoc", None, 15, 2),
    ("large", "tong-hop-cham-diem-truc-thuoc", None, 15, 2)])
def test_windows_give_the_pages_of_one_pass_pixel_for_pixel(
        renderer: Renderer, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
        unit: str, form: str, subject: str | None, window_rows: int, at_least: int) -> None:
    unit_dir = DANG_BO if unit == "sample" else request.getfixturevalue("large_unit")
    html = sample_form(renderer, form, subject, unit_dir)
    whole = renderer._write(renderer._lay_out(html))  # one pass
    windows = recorded_layouts(monkeypatch)
    monkeypatch.setattr(chunks, "WINDOW_PAGES", 1)
    renderer.window_rows = window_rows
    parts = renderer.pdf(html)
    assert len(windows) >= at_least  # the list really was cut
    assert page_images(parts) == page_images(whole)
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(parts)).pages]
    assert texts == [p.extract_text() for p in PdfReader(io.BytesIO(whole)).pages]
    assert renderer.pdf(html) == parts  # the same windows, the same bytes


def test_a_form_is_cut_into_sections_only_at_its_markers_in_the_body() -> None:
    head = '<html><head><title>T</title></head><body class="wide-doc">'
    assert split_sections(head + "<p>a</p></body></html>") == [head + "<p>a</p></body></html>"]
    early = "<html><head><!--hoso:section--></head><body><p>a</p></body></html>"
    assert split_sections(early) == [early]  # not in the body: no cut
    html = (head + "<p>a</p><!--hoso:section--><section>b</section>"
            "<!--hoso:section--><section>c</section></body></html>")
    assert split_sections(html) == [
        head + "<p>a</p></body></html>",
        head + "<!--hoso:section--><section>b</section></body></html>",
        head + "<!--hoso:section--><section>c</section></body></html>"]


@pytest.mark.parametrize(("unit", "form"), [
    (CHI_BO, "qd-xep-loai-dang-vien"),  # 16 members: the list in one pass
    (DANG_BO, "qd-xep-loai-dang-vien"),  # 64 members: the list in windows
    (DANG_BO, "qd-xep-loai-cap-uy-vien-truc-thuoc")])
def test_a_decision_and_its_list_are_laid_out_apart_as_in_one_pass(
        renderer: Renderer, unit: Path, form: str) -> None:
    html = sample_form(renderer, form, unit_dir=unit)
    decision, listed = split_sections(html)
    assert "QUYẾT ĐỊNH" in decision and "DANH SÁCH" not in decision
    assert "DANH SÁCH" in listed and "Điều 1." not in listed
    whole = renderer._write(renderer._lay_out(html))  # one pass
    sections = renderer.pdf(html)
    assert page_images(sections) == page_images(whole)
    assert PdfReader(io.BytesIO(sections)).metadata == PdfReader(io.BytesIO(whole)).metadata


def test_a_change_to_a_decisions_list_lays_out_the_list_alone(
        renderer: Renderer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = sample_form(renderer, "qd-xep-loai-dang-vien", unit_dir=CHI_BO)
    laid_out = recorded_layouts(monkeypatch)
    cached = Renderer()
    cached.cache = FormCache(tmp_path / "cache", b"salt")
    first = cached.pdf(html)
    assert len(laid_out) == 2
    post = "Kỹ thuật viên"
    assert html.count(post) == 1  # the list's row of that member only
    laid_out.clear()
    changed = cached.pdf(html.replace(post, "Kỹ thuật viên chính"))
    # the list's last page (chunks.lay_out_then_cut), not the decision before it
    assert len(laid_out) == 1 and "Kỹ thuật viên chính" in laid_out[0]
    assert "QUYẾT ĐỊNH" not in laid_out[0]
    assert changed == Renderer().pdf(html.replace(post, "Kỹ thuật viên chính"))
    assert "Kỹ thuật viên chính" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(changed)).pages)
    assert PdfReader(io.BytesIO(changed)).pages[0].extract_text() == \
        PdfReader(io.BytesIO(first)).pages[0].extract_text()


# --- the cut, on a layout that is simulated: rows of given heights on pages of 10 ------


@dataclass
class FakeBox:
    element_tag: str
    element: dict[str, str] | None
    children: list[FakeBox] = field(default_factory=list)

    def descendants(self) -> Any:
        yield self
        for child in self.children:
            yield from child.descendants()


@dataclass
class FakePage:
    _page_box: FakeBox


@dataclass
class FakeDocument:
    pages: list[FakePage]
    first_row: int

    def copy(self, pages: list[FakePage]) -> FakeDocument:
        return FakeDocument(pages, self.first_row)


def fake_layout(heights: list[int]) -> chunks.Layout:
    """Rows of these heights (a row taller than a page gets pages of its own) greedily
    on pages 10 high; a row's number is read back from the window's HTML."""

    def lay_out(html: str) -> FakeDocument:
        numbers = [int(x.split('"')[1]) for x in html.split(ROW_ATTRIBUTE + "=")[1:]]
        pages: list[list[int]] = [[]]
        used = 0
        for n in numbers:
            height = heights[n]
            if used + height > 10 and pages[-1]:
                pages.append([])
                used = 0
            pages[-1].append(n)
            used += height
            while used > 10:  # split across pages
                pages.append([n])
                used -= 10
        boxes = [FakePage(FakeBox("page", None, [FakeBox("tr", {ROW_ATTRIBUTE: str(n)})
                                                 for n in page])) for page in pages]
        return FakeDocument(boxes, numbers[0])

    return lay_out


def rows_of(count: int) -> RowList:
    return RowList("<table><tbody>", "<table><tbody>", tuple("<tr><td></td></tr>"
                                                             for _ in range(count)), "</tbody>")


def pages_of(documents: list[FakeDocument]) -> list[list[int]]:
    return [[int(b.element[ROW_ATTRIBUTE]) for b in p._page_box.children if b.element]
            for d in documents for p in d.pages]


def test_each_window_keeps_its_full_pages_and_the_next_starts_at_the_cut() -> None:
    heights = [1, 2, 3] * 20
    documents = list(lay_out_in_windows(rows_of(60), fake_layout(heights), lambda d: d,
                                        window_rows=12))
    one_pass = fake_layout(heights)(rows_of(60).window(0, 60))
    assert len(documents) > 3
    assert pages_of(documents) == pages_of([one_pass])


def test_later_windows_take_the_rows_of_a_few_pages_and_drop_little(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks, "WINDOW_PAGES", 3)
    laid_out: list[int] = []
    layout = fake_layout([1] * 100)  # 10 rows a page

    def counting(html: str) -> FakeDocument:
        document = layout(html)
        laid_out.append(sum(len(p._page_box.children) for p in document.pages))
        return document

    documents = list(lay_out_in_windows(rows_of(100), counting, lambda d: d,
                                        window_rows=12))
    # the last window holds the rest, cut after its layout into its pages
    assert [len(d.pages) for d in documents] == [1, 3, 3, 1, 1, 1]
    assert laid_out == [12, 31, 31, 30]  # 3 pages and one row over; the last, the rest
    assert pages_of(documents) == pages_of([layout(rows_of(100).window(0, 100))])


def test_a_row_taller_than_the_window_widens_it_and_nothing_is_lost() -> None:
    heights = [1] * 10 + [25] + [1] * 10  # row 10 spans three pages
    documents = list(lay_out_in_windows(rows_of(21), fake_layout(heights), lambda d: d,
                                        window_rows=3))
    one_pass = fake_layout(heights)(rows_of(21).window(0, 21))
    assert pages_of(documents) == pages_of([one_pass])


class DictStore:
    """Windows kept in a dict, as the form cache keeps them."""

    def __init__(self) -> None:
        self.windows: dict[str, Window] = {}
        self.indexes: dict[str, dict[int, int]] = {}

    def get_window(self, html: str) -> Window | None:
        return self.windows.get(html)

    def put_window(self, html: str, window: Window) -> None:
        self.windows[html] = window

    def page_index(self, head: str) -> dict[int, int]:
        return dict(self.indexes.get(head, {}))

    def put_page_index(self, head: str, index: dict[int, int]) -> None:
        self.indexes[head] = dict(index)


def numbered_rows(count: int, changed: dict[int, str] | None = None) -> RowList:
    """Rows that say their number (or what `changed` says instead), so that a change
    to one row changes the HTML of the windows that hold it."""
    cells = [(changed or {}).get(n, str(n)) for n in range(count)]
    return RowList("<h1>lead</h1><table><tbody>", "<table><tbody>",
                   tuple(f"<tr><td>{cell}</td></tr>" for cell in cells), "</tbody>")


def first_rows_laid_out(layouts: list[str]) -> list[int]:
    return [int(html.split(ROW_ATTRIBUTE + '="')[1].split('"')[0]) for html in layouts]


def test_a_short_list_is_laid_out_once_and_cut_where_a_page_starts_with_its_own_row(
        ) -> None:
    heights = [1] * 8 + [15] + [1] * 14  # row 8 runs over onto a page of its own
    layouts: list[str] = []

    def counting(html: str) -> FakeDocument:
        layouts.append(html)
        return fake_layout(heights)(html)

    windows = lay_out_then_cut(numbered_rows(23), counting, lambda d: d)
    assert len(layouts) == 1
    one_pass = fake_layout(heights)(numbered_rows(23).window(0, 23))
    assert pages_of(windows) == pages_of([one_pass]) == [
        list(range(8)), [8], [8, *range(9, 14)], list(range(14, 23))]
    # the page that goes on with row 8 stays with the window that row starts
    assert [pages_of([w]) for w in windows] == [
        [list(range(8))], [[8], [8, *range(9, 14)]], [list(range(14, 23))]]


def test_a_rebuild_of_a_short_list_lays_out_the_changed_page_and_the_top_of_the_next(
        ) -> None:
    heights = [1, 2, 3] * 8  # 24 rows on 6 pages
    layouts: list[str] = []

    def counting(html: str) -> FakeDocument:
        layouts.append(html)
        return fake_layout(heights)(html)

    store = DictStore()
    first = lay_out_then_cut(numbered_rows(24), counting, lambda d: d, store)
    starts = [d.pages[0]._page_box.children[0].element[ROW_ATTRIBUTE] for d in first]
    assert starts == ["0", "5", "10", "14", "19", "23"]
    layouts.clear()
    assert pages_of(lay_out_then_cut(numbered_rows(24), counting, lambda d: d, store)) \
        == pages_of(first)
    assert layouts == []  # unchanged: every window found, none laid out
    for changed, laid_out_from in ((21, [19]), (12, [10]), (14, [10, 14]), (0, [0])):
        # the first row of a window (14) is also the row that did not fit the page before
        rows = numbered_rows(24, {changed: f"{changed} (changed)"})
        again = lay_out_then_cut(rows, counting, lambda d: d, store)
        assert first_rows_laid_out(layouts) == laid_out_from
        assert f"{changed} (changed)" in layouts[0]
        if changed in (0, 12):  # its page, and the top of the next only
            assert all(f'{ROW_ATTRIBUTE}="{row}"' not in layouts[0] for row in (16, 17))
        assert pages_of(again) == pages_of(first)
        layouts.clear()
        assert pages_of(lay_out_then_cut(rows, counting, lambda d: d, store)) == \
            pages_of(first)
        assert layouts == []  # and the changed list is found whole next time


def test_a_change_on_a_long_lists_last_page_lays_out_that_page_alone() -> None:
    heights = [1] * 105  # 10 rows a page: windows of 12, 21 (2 pages and one over), …
    layouts: list[str] = []

    def counting(html: str) -> FakeDocument:
        layouts.append(html)
        return fake_layout(heights)(html)

    store = DictStore()
    first = list(lay_out_in_windows(numbered_rows(105), counting, lambda d: d,
                                    window_rows=12, store=store))
    one_pass = fake_layout(heights)(numbered_rows(105).window(0, 105))
    assert pages_of(first) == pages_of([one_pass])
    # windows from rows 0, 10, 30, 50, 70; the rest from row 90, on pages from 90 and 100
    for changed, laid_out_from in ((103, 100), (93, 90), (85, 70), (5, 0)):
        layouts.clear()
        rows = numbered_rows(105, {changed: f"{changed} (changed)"})
        again = list(lay_out_in_windows(rows, counting, lambda d: d, window_rows=12,
                                        store=store))
        assert pages_of(again) == pages_of(first)
        # the window that holds the row, and no other: in the rest, from its page on
        assert first_rows_laid_out(layouts) == [laid_out_from]
        assert f"{changed} (changed)" in layouts[0]
        layouts.clear()
        assert pages_of(list(lay_out_in_windows(rows, counting, lambda d: d, window_rows=12,
                                                store=store))) == pages_of(first)
        assert layouts == []


def test_a_rebuild_lays_out_nothing_again_not_even_a_window_without_a_cut() -> None:
    heights = [1] * 10 + [25] + [1] * 10  # row 10 spans three pages: windows widen
    layouts: list[str] = []

    def counting(html: str) -> FakeDocument:
        layouts.append(html)
        return fake_layout(heights)(html)

    store = DictStore()
    first = list(lay_out_in_windows(rows_of(21), counting, lambda d: d, window_rows=3,
                                    store=store))
    assert any(window is NO_CUT for window in store.windows.values())
    layouts.clear()
    again = list(lay_out_in_windows(rows_of(21), counting, lambda d: d, window_rows=3,
                                    store=store))
    assert layouts == []
    assert pages_of(again) == pages_of(first)


def test_a_kept_window_that_leads_back_is_laid_out_again_not_followed() -> None:
    rows, store = numbered_rows(24), DictStore()
    store.indexes[rows.head] = {0: 3}
    store.windows[chunks.CUT_AFTER_LAYOUT + rows.window(0, 3)] = Window(b"%PDF-", 0, 3)
    windows = lay_out_then_cut(rows, fake_layout([1, 2, 3] * 8), lambda d: d, store)
    assert pages_of(windows) == pages_of([fake_layout([1, 2, 3] * 8)(rows.window(0, 24))])


def test_joined_windows_are_the_parts_pages_under_the_first_parts_title(
        renderer: Renderer) -> None:
    """chunks.join_pdfs (qpdf): every part's pages in order, the first part's outline and
    title, and the same bytes for the same parts, a part given twice included."""
    rows = split_rows(member_list(renderer))
    assert rows is not None
    lead = renderer._write(renderer._lay_out(member_list(renderer)))  # has the title
    parts = [lead] + [renderer._write(renderer._lay_out(rows.window(start, start + 10)))
                      for start in range(0, 40, 10)]
    joined = chunks.join_pdfs(parts)
    assert joined == chunks.join_pdfs(list(parts))
    read, first = PdfReader(io.BytesIO(joined)), PdfReader(io.BytesIO(parts[0]))
    assert pages_digest(read.pages) == pages_digest(
        [page for part in parts for page in PdfReader(io.BytesIO(part)).pages])
    assert [item.title for item in read.outline] == [item.title for item in first.outline]
    assert len(read.outline) == 1 and read.metadata.title == first.metadata.title
    assert read.get_destination_page_number(read.outline[0]) == 0
    doubled = chunks.join_pdfs([parts[1], parts[1]])
    one = PdfReader(io.BytesIO(parts[1])).pages
    assert pages_digest(PdfReader(io.BytesIO(doubled)).pages) == pages_digest([*one, *one])
    assert chunks.join_pdfs([parts[1]]) == parts[1]


def test_the_form_cache_keeps_windows_and_windows_without_a_cut(tmp_path: Path) -> None:
    store = CachedWindows(FormCache(tmp_path, b"salt"))
    store.put_window("<p>a</p>", NO_CUT)
    assert store.get_window("<p>a</p>") is NO_CUT
    window = Window(b"%PDF-1.7\n%%EOF\n", 12, 30)
    store.put_window("<p>b</p>", window)
    assert store.get_window("<p>b</p>") == window
    assert store.get_window("<p>c</p>") is None


def test_the_form_cache_keeps_a_short_lists_page_index(tmp_path: Path) -> None:
    store = CachedWindows(FormCache(tmp_path, b"salt"))
    assert store.page_index("<h1>lead</h1>") == {}
    store.put_page_index("<h1>lead</h1>", {25: 9, 0: 13, 12: 14})
    assert store.page_index("<h1>lead</h1>") == {0: 13, 12: 14, 25: 9}
    assert store.page_index("<h1>another lead</h1>") == {}
