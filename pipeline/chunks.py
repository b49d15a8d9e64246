"""Turn the HTML of a form with a long list into the pieces laid out one after another,
a few pages at a time, so that memory stays flat however long the list is.

WeasyPrint keeps every page of a document in memory until it is written: the member list
of a 3,000-member đảng bộ (250 landscape pages) held 650 MiB in one process. Its rows are
independent of one another (the table has fixed column widths, a row never breaks across
pages, the header repeats), so the list can be laid out in windows of rows: lay out a
window, keep its full pages, and start the next window at the first row of the last,
unfinished page. Each page is then laid out from the same row at its top as in one pass,
so the pages look the same (tests/test_chunks.py compares them pixel by pixel).

The windows are also what a rebuild lays out again: a one-member change lays out only
the window that shows that member (the others come from the cache). So each window is
a few pages: after the first, its rows are those of `WINDOW_PAGES` pages like the last
full page of the window before, and a few over, so that little is laid out and dropped
(the unfinished page). Fixed windows of 200 rows laid out 16 pages again for a change in
the middle of a 1,000-member list, and dropped half a page per window.

A template opts in with HTML comments, which change nothing on the page:
- `<!--hoso:rows-->` … `<!--hoso:/rows-->` around the rows of the list's `<tbody>`;
- `<!--hoso:lead-->` … `<!--hoso:/lead-->` around what only the first window shows (the
  decision before the list, the list's title), all of it before the rows.
The list may be in the form's body, with the form's closing after it; the lead then ends
before the list (`{% block lead_end %}` in templates/mau/_base.html).
A form without them is laid out in one pass. A list shorter than four first windows is
laid out in one pass too, then cut where its pages start with a row of their own
(`lay_out_then_cut`): a rebuild lays out the page that changed (a change to the chi bộ
sample's last member: the decision list's last page, laid out and written in 31 ms
instead of both pages in 78 ms), and a first build lays it out once.

A form may also be cut where a part of it starts on a page of its own: a decision's list
on its landscape pages (`<!--hoso:section-->`, `split_sections`). Each section is laid
out, and cached, as a document of its own: a member's change to the list lays out the
list again, not the decision before it (the chi bộ sample's one-member rebuild in the
watch: the decision 107 -> 74 ms).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

ROWS_START, ROWS_END = "<!--hoso:rows-->", "<!--hoso:/rows-->"
SECTION = "<!--hoso:section-->"
BODY = re.compile(r"<body[^>]*>")
LEAD = re.compile(r"<!--hoso:lead-->.*?<!--hoso:/lead-->", re.DOTALL)
ROW_START = re.compile(r"(?=<tr[\s>])")
ROW_ATTRIBUTE = "data-hoso-row"
# The first window's rows (it also holds the lead, and no page of rows is known yet).
WINDOW_ROWS = 30
# A list shorter than this many first windows is laid out in one pass and cut into its
# pages (`lay_out_then_cut`); at 2, the đảng bộ sample's 64 members were in windows, and
# a member in the middle laid out three pages again instead of one (watched rebuild
# 0.232 -> 0.196 s with 4).
SHORT_LIST_WINDOWS = 4
# Full pages per window after the first: a one-member change lays out about this many.
# Measured in the watch (pipeline/watch.py): 2 made the đảng bộ sample's one-member
# rebuild 0.34 -> 0.27 s and 250 members' 0.39 -> 0.33 s against 4, with cold builds
# unchanged; 1 was slower again (more windows to lay out, cut and join).
WINDOW_PAGES = 2


@dataclass(frozen=True)
class RowList:
    """A form's HTML split around its list: what comes before the rows (in the first
    window, and without the lead in the others), the rows, what comes after."""

    head: str
    continued_head: str
    rows: tuple[str, ...]
    tail: str

    def window(self, start: int, stop: int) -> str:
        """The HTML of rows start…stop-1, each row tagged with its number. What follows
        the list (a closing and its signature) is in the last window only: it comes after
        every row, so in any other window it would only lie on the unfinished page that
        is dropped, or after it (the open elements are closed by the HTML parser)."""
        rows = "".join(_tagged(self.rows[n], n) for n in range(start, stop))
        tail = self.tail if stop == len(self.rows) else ""
        return (self.head if start == 0 else self.continued_head) + rows + tail


def split_sections(html: str) -> list[str]:
    """The form's sections, each a document of its own, or the form alone. A section
    marker stands in the body itself (not inside an element), before an element that
    starts a page (`page-break-before: always`): what comes before it then ends on the
    page before, and the section's first page is laid out alone as in the whole form
    (tests/test_chunks.py compares the pages). Each later section has the form's head
    and `<body>` tag; its headings are not in the joined form's outline."""
    body = BODY.search(html)
    if SECTION not in html or body is None or html.index(SECTION) < body.end():
        return [html]
    head, cuts = html[:body.end()], [m.start() for m in re.finditer(SECTION, html)]
    pieces = [html[:cuts[0]] + END]
    pieces.extend(head + html[start:stop] + END for start, stop in pairwise(cuts))
    return [*pieces, head + html[cuts[-1]:]]


END = "</body></html>"  # of each section but the last, which ends as the form does


def split_rows(html: str) -> RowList | None:
    """The form's list, or None when its template did not mark one (or marked it
    inconsistently: then the form is laid out in one pass, as before)."""
    if html.count(ROWS_START) != 1 or html.count(ROWS_END) != 1:
        return None
    start = html.index(ROWS_START) + len(ROWS_START)
    end = html.index(ROWS_END)
    head, body, tail = html[:start], html[start:end], html[end:]
    if any(match.end() > start for match in LEAD.finditer(html)) or "<!--hoso:lead" in tail:
        return None  # the lead must come before the rows
    pieces = ROW_START.split(body)
    if pieces and not pieces[0].startswith("<tr"):
        head += pieces.pop(0)  # whitespace before the first row
    return RowList(head, LEAD.sub("", head), tuple(pieces), tail)


def _tagged(row: str, number: int) -> str:
    return f'<tr {ROW_ATTRIBUTE}="{number}"' + row[len("<tr"):]


Layout = Callable[[str], Any]  # HTML → weasyprint Document
Write = Callable[[Any], bytes]  # weasyprint Document → PDF bytes


@dataclass(frozen=True)
class Window:
    """A window's full pages, the row the next window starts with (None: the last) and
    how many rows the next window takes."""

    pdf: bytes
    resume: int | None
    next_rows: int = 0


# A window with no clean cut (`_lay_out_window`): the next try is wider. It is kept like
# a window, so that a rebuild does not lay out again what it cannot cut.
NO_CUT = Window(b"", None, -1)


class WindowStore(Protocol):
    """Where windows laid out before are kept (the form cache, pipeline/cache.py): a
    one-member change then lays out only the window that shows that member. A window
    may be `NO_CUT`."""

    def get_window(self, html: str) -> Window | None: ...

    def put_window(self, html: str, window: Window) -> None: ...

    def page_index(self, head: str) -> dict[int, int]: ...

    def put_page_index(self, head: str, index: dict[int, int]) -> None: ...


def lay_out_in_windows(rows: RowList, lay_out: Layout, write: Write,
                       window_rows: int = WINDOW_ROWS,
                       store: WindowStore | None = None) -> Iterator[bytes]:
    """The PDFs of the successive windows; together their pages are the form's pages.
    The first window has `window_rows` rows, each later one as many as its predecessor
    says (`Window.next_rows`), so the windows depend on the HTML alone: a cached window
    leads to the same next window as one laid out now."""
    start, size, total = 0, window_rows, len(rows.rows)
    while True:
        stop = min(start + size, total)
        if stop == total and start > 0:
            # The rest of the list, and its closing: cut after one layout, so that a
            # change on its last page lays out that page alone (`lay_out_then_cut`).
            yield from lay_out_then_cut(rows, lay_out, write, store, first=start)
            return
        html = rows.window(start, stop)
        window = store.get_window(html) if store else None
        if window is None:
            window = _lay_out_window(html, stop == total, start, lay_out, write)
            if store:
                store.put_window(html, window)
        if window is NO_CUT:
            size *= 2  # no clean cut: a wider window
            continue
        yield window.pdf
        if window.resume is None:
            return
        start, size = window.resume, max(window.next_rows, 1)


def lay_out_then_cut(rows: RowList, lay_out: Layout, write: Write,
                     store: WindowStore | None = None, first: int = 0) -> list[bytes]:
    """The PDFs of a short list's pieces, cut where its pages start with a row of their
    own after one layout: a first build lays the list out once, as in one pass. A long
    list's last window is cut in the same way, from its `first` row on
    (`lay_out_in_windows`).

    A page's layout depends on its own rows and on the next row (that did not fit), so
    a piece's HTML, and its key, holds the rows from its first to the next piece's
    first. The store keeps the pieces and the list's page index (the rows of each
    piece's HTML, by its first row): a rebuild takes each piece from the store until
    one has changed, lays out that piece's rows again and the top of the next page (to
    see where that starts), then takes the next piece from the store again if it starts
    where it did; the rest of the list is laid out when the pages after the change move.
    A member in the middle of the đảng bộ sample's 64: its decision list's page, not
    that page to the end of the list. The same pages written from one layout or from
    another are the same bytes (tests/test_chunks.py)."""
    total = len(rows.rows)
    head = rows.head if first == 0 else f"{rows.continued_head}{FROM_ROW}{first}"
    known = store.page_index(head) if store else {}
    index: dict[int, int] = {}
    pdfs: list[bytes] = []
    made: list[tuple[str, Window]] = []
    start = first
    while start < total:
        size = known.get(start)
        if size is not None and (kept := _kept_piece(rows, start, size, store)):
            index[start] = size
            pdfs.append(kept.pdf)
            start = total if kept.resume is None else kept.resume
            continue
        document, starts, firsts, to_end = _lay_out_piece(rows, start, size, lay_out)
        pieces = len(starts) if to_end else len(starts) - 1  # the last may be unfinished
        ends = [*firsts[1:], len(document.pages)]
        for piece in range(pieces):
            following = starts[piece + 1] if piece + 1 < len(starts) else None
            stop = total if following is None else following + 1
            pdf = write(document.copy(document.pages[firsts[piece]:ends[piece]]))
            made.append((CUT_AFTER_LAYOUT + rows.window(starts[piece], stop),
                         Window(pdf, following, 0)))
            index[starts[piece]] = stop - starts[piece]
            pdfs.append(pdf)
        start = total if to_end else starts[pieces]
    # A list of one piece is kept as the form (or section) it is: nothing to add. The
    # rest of a long list is kept whatever it holds: a change before it comes to it.
    if store is not None and (len(index) > 1 or first > 0):
        for key, window in made:
            store.put_window(key, window)
        if index != known:
            store.put_page_index(head, index)
    return pdfs


def _lay_out_piece(rows: RowList, start: int, size: int | None, lay_out: Layout
                   ) -> tuple[Any, list[int], list[int], bool]:
    """The layout from row `start`: of a piece that changed (`size` rows in its HTML
    before) and an eighth of a page over, or of the rest of the list; with its cuts
    (`_page_cuts`) and whether it reaches the end. A piece that no longer ends within
    that is laid out with the rest of the list."""
    total = len(rows.rows)
    stop = total if size is None else start + size + max(1, size // 8)
    if stop < total:
        document = lay_out(rows.window(start, stop))
        starts, firsts = _page_cuts(document.pages, start)
        if len(starts) > 1:
            return document, starts, firsts, False
    document = lay_out(rows.window(start, total))
    starts, firsts = _page_cuts(document.pages, start)
    return document, starts, firsts, True


def _kept_piece(rows: RowList, start: int, size: int, store: WindowStore | None
                ) -> Window | None:
    """The piece starting at row `start`, as kept by an earlier build with `size` rows in
    its HTML, if its rows are the same now (its key says so)."""
    if store is None:
        return None
    stop = min(start + size, len(rows.rows))
    piece = store.get_window(CUT_AFTER_LAYOUT + rows.window(start, stop))
    if piece is None or piece is NO_CUT or (piece.resume is not None and piece.resume <= start):
        return None  # none, or one that leads back (a damaged index): laid out again
    return piece


# In every cache key (cache.engine_salt).
SHORT_LISTS = "lists under four windows, and the last window of others, cut after layout"
JOINED = "windows joined by qpdf"  # in every cache key (cache.engine_salt)
# Before the HTML of a window cut after one layout, in its key only: the windows of long
# lists (`lay_out_in_windows`) say how many rows the next takes in another way.
CUT_AFTER_LAYOUT = "<!--hoso:cut after layout-->"
# After the head of a long list's last window, in the key of its first window's rows.
FROM_ROW = "<!--hoso:from row-->"


def _page_cuts(pages: list[Any], start: int) -> tuple[list[int], list[int]]:
    """Where a layout starting at row `start` is cut into windows: the first row of each
    window and the index of its first page. A window starts at a page whose first row
    begins there (not one split from the page before); other pages (the closing's own
    page, the rest of a tall row) stay with the window before."""
    starts, firsts = [start], [0]
    rows = [_rows_on(page) for page in pages]
    for index in range(1, len(pages)):
        first = rows[index][0] if rows[index] else None
        if first is not None and first > starts[-1] and first not in rows[index - 1]:
            starts.append(first)
            firsts.append(index)
    return starts, firsts


def _lay_out_window(html: str, last: bool, start: int, lay_out: Layout, write: Write
                    ) -> Window:
    """Lay out one window and keep its full pages; `NO_CUT` when the last page starts
    with the window's own first row or inside a row (rows taller than the window), so
    the caller widens the window and every window makes progress."""
    document = lay_out(html)
    if last:
        return Window(write(document), None)
    pages = document.pages
    if len(pages) < 2:
        return NO_CUT
    resume, last_full = _first_row(pages[-1]), _rows_on(pages[-2])
    if resume is None or resume <= start or resume in last_full:
        return NO_CUT
    return Window(write(document.copy(pages[:-1])), resume, next_window_rows(len(last_full)))


def next_window_rows(rows_per_page: int) -> int:
    """Rows for `WINDOW_PAGES` pages holding as many rows as the last full page, and an
    eighth of a page over: with rows of about that height, the window then ends just
    past its last full page. Taller rows fill the pages sooner (more is dropped), shorter
    ones leave the last page unfinished (one page fewer is kept): both stay correct."""
    return rows_per_page * WINDOW_PAGES + max(1, rows_per_page // 8)


def _rows_on(page: Any) -> list[int]:
    """The numbers of the tagged rows laid out on a page, top to bottom."""
    numbers: list[int] = []
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if getattr(box, "element_tag", None) == "tr" and element is not None:
            number = element.get(ROW_ATTRIBUTE)
            if number is not None and (not numbers or numbers[-1] != int(number)):
                numbers.append(int(number))
    return numbers


def _first_row(page: Any) -> int | None:
    rows = _rows_on(page)
    return rows[0] if rows else None


def join_pdfs(pdfs: list[bytes]) -> bytes:
    """One PDF of the windows' pages: the first window, its title and outline, with the
    other windows' pages after its own, joined by qpdf (pikepdf). pypdf parsed every
    window to join them: 0.11-0.17 s for the 41 windows of the 1,000-member decision
    list in a fresh renderer (a one-off rebuild), 0.02 s with qpdf. The same windows give
    the same bytes: qpdf's identifier is a digest of what it writes."""
    if len(pdfs) == 1:
        return pdfs[0]
    # Loaded here, not with the module: only renderers joining long lists need it.
    import pikepdf

    joined = pikepdf.open(io.BytesIO(pdfs[0]))
    for data in pdfs[1:]:
        joined.pages.extend(pikepdf.open(io.BytesIO(data)).pages)
    out = io.BytesIO()
    joined.save(out, deterministic_id=True,
                object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()
