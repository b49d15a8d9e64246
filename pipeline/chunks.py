"""Turn the HTML of a form with a long list into the pieces laid out one after another,
a few pages at a time, so that memory stays flat however long the list is.

WeasyPrint keeps every page of a document in memory until it is written: the member list
of a 3,000-member đảng bộ (250 landscape pages) held 650 MiB in one process. Its rows are
independent of one another (the table has fixed column widths, a row never breaks across
pages, the header repeats), so the list can be laid out in windows of rows: lay out a
window, keep its full pages, and start the next window at the first row of the last,
unfinished page. Each page is then laid out from the same row at its top as in one pass,
so the pages look the same (tests/test_chunks.py compares them pixel by pixel).

The pages are also what a rebuild lays out again. The list's pages are kept one by one
(`lay_out_by_pages`: a page that starts with a row of its own, with the pages that go on
from it), with a page index saying where each starts: a one-member change lays out the
page that shows that member, and the top of the next to see where that one starts; the
others come from the cache. Windows of two pages laid out about three again for a change
in the middle of the đảng bộ sample's decision list (0.25 s watched rebuild), and two
for one on its last page. Fixed windows of 200 rows had laid out 16 pages again for a
change in the middle of a 1,000-member list, and dropped half a page per window.

A template opts in with HTML comments, which change nothing on the page:
- `<!--hoso:rows-->` … `<!--hoso:/rows-->` around the rows of the list's `<tbody>`;
- `<!--hoso:lead-->` … `<!--hoso:/lead-->` around what only the first window shows (the
  decision before the list, the list's title), all of it before the rows.
The list may be in the form's body, with the form's closing after it; the lead then ends
before the list (`{% block lead_end %}` in templates/mau/_base.html).
A form without them is laid out in one pass. A list shorter than two first windows is
laid out in one pass too, then cut into its pages (a change to the chi bộ sample's last
member: the decision list's last page, laid out and written in 31 ms instead of both
pages in 78 ms).

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
# The first window's rows (it also holds the lead, and no page of rows is known yet);
# a list shorter than two of them is laid out in one pass.
WINDOW_ROWS = 60
# Full pages per window after the first, in a first build (`COLD_PAGES`: memory stays
# flat, and little is laid out and dropped) and where a rebuild lays out pages that
# moved (`REBUILD_PAGES`).
COLD_PAGES = 8
REBUILD_PAGES = 2


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
    """A piece of a list, laid out: its pages' PDF and the row the next piece starts
    with (None: it is the last)."""

    pdf: bytes
    resume: int | None


class WindowStore(Protocol):
    """Where the pieces laid out before are kept (the form cache, pipeline/cache.py),
    each under its HTML, and, under the list's head, its page index: the rows of each
    piece's HTML, by the row the piece starts with."""

    def get_window(self, html: str) -> Window | None: ...

    def put_window(self, html: str, window: Window) -> None: ...

    def page_index(self, head: str) -> dict[int, int]: ...

    def put_page_index(self, head: str, index: dict[int, int]) -> None: ...


def lay_out_by_pages(rows: RowList, lay_out: Layout, write: Write,
                     window_rows: int = WINDOW_ROWS,
                     store: WindowStore | None = None) -> Iterator[bytes]:
    """The PDFs of the list's pieces, in order: together, their pages are the form's.

    A piece is a page that starts with a row of its own, with the pages that go on from
    it (the rest of a tall row, the closing's own page). A page's layout depends on its
    own rows and on the next one (that did not fit): a piece's HTML, and its key in the
    store, holds its rows and the next piece's first row, or the rest of the list and
    what follows it for the last piece.

    The list is laid out a window of rows at a time, so that memory stays flat: the
    first window has `window_rows` rows, each later one the rows of `COLD_PAGES` pages
    like the last full page; the pieces of a window are kept but the last, which may be
    unfinished, and the next window starts with its first row. When the rest of the list
    is shorter than two windows, it is laid out to its end at once.

    A rebuild follows the page index: it takes each piece from the store until one has
    changed, lays out that piece's rows again, a few over (its page and the top of the
    next), and takes the next piece from the store again if it starts where it did. A
    change that moves the pages after it lays them out too, `REBUILD_PAGES` at a time.
    The same pages, laid out in one window or another, give the same bytes
    (tests/test_chunks.py)."""
    total = len(rows.rows)
    known = store.page_index(rows.head) if store else {}
    index: dict[int, int] = {}
    start, size = 0, window_rows
    while start < total:
        kept = _kept_piece(rows, start, known.get(start), store)
        if kept is not None:
            index[start] = known[start]
            yield kept.pdf
            start = total if kept.resume is None else kept.resume
            continue
        if start in known:  # this piece changed: its page again, and the top of the next
            size = known[start] + max(1, known[start] // 8)
        document, starts, firsts, to_end = _lay_out_window(rows, start, size, lay_out)
        pieces = len(starts) if to_end else len(starts) - 1
        ends = [*firsts[1:], len(document.pages)]
        whole = start == 0 and to_end and pieces == 1  # kept as the form (or section) is
        for piece in range(pieces):
            following = starts[piece + 1] if piece + 1 < len(starts) else None
            key_stop = total if following is None else following + 1
            pdf = write(document.copy(document.pages[firsts[piece]:ends[piece]]))
            if store is not None and not whole:
                store.put_window(CUT_AFTER_LAYOUT + rows.window(starts[piece], key_stop),
                                 Window(pdf, following))
            index[starts[piece]] = key_stop - starts[piece]
            yield pdf
        last_full = _rows_on(document.pages[firsts[pieces] - 1]) if pieces < len(starts) \
            else []
        start = starts[pieces] if pieces < len(starts) else total
        size = next_window_rows(len(last_full), REBUILD_PAGES if known else COLD_PAGES)
    if store is not None and index != known and len(index) > 1:
        store.put_page_index(rows.head, index)


def _lay_out_window(rows: RowList, start: int, size: int, lay_out: Layout
                    ) -> tuple[Any, list[int], list[int], bool]:
    """The layout of `size` rows from `start` (of the rest of the list, if it is shorter
    than two such windows, then said), with its cuts (`_page_cuts`); wider until a page
    after the first starts with a row of its own, so that every window makes progress."""
    total = len(rows.rows)
    while True:
        stop = total if total - start < 2 * size else start + size
        document = lay_out(rows.window(start, stop))
        starts, firsts = _page_cuts(document.pages, start)
        if stop == total or len(starts) > 1:
            return document, starts, firsts, stop == total
        size *= 2


def _kept_piece(rows: RowList, start: int, size: int | None, store: WindowStore | None
                ) -> Window | None:
    """The piece starting at row `start`, as kept by an earlier build with `size` rows in
    its HTML, if its rows are the same now (its key says so)."""
    if store is None or size is None:
        return None
    piece = store.get_window(CUT_AFTER_LAYOUT + rows.window(start, min(start + size,
                                                                         len(rows.rows))))
    if piece is None or (piece.resume is not None and piece.resume <= start):
        return None  # none, or one that leads back (a damaged index): laid out again
    return piece


# In every cache key (cache.engine_salt).
SHORT_LISTS = "lists cut into pages after layout, with a page index"
JOINED = "windows joined by qpdf"  # in every cache key (cache.engine_salt)
# Before the HTML of a piece, in its key only.
CUT_AFTER_LAYOUT = "<!--hoso:cut after layout-->"


def _page_cuts(pages: list[Any], start: int) -> tuple[list[int], list[int]]:
    """Where a layout starting at row `start` is cut into pieces: the first row of each
    piece and the index of its first page. A piece starts at a page whose first row
    begins there (not one split from the page before); other pages (the closing's own
    page, the rest of a tall row) stay with the piece before."""
    starts, firsts = [start], [0]
    rows = [_rows_on(page) for page in pages]
    for index in range(1, len(pages)):
        first = rows[index][0] if rows[index] else None
        if first is not None and first > starts[-1] and first not in rows[index - 1]:
            starts.append(first)
            firsts.append(index)
    return starts, firsts


def next_window_rows(rows_per_page: int, pages: int) -> int:
    """Rows for `pages` pages holding as many rows as the last full page, and an eighth
    of a page over: with rows of about that height, the window then ends just past its
    last full page. Taller rows fill the pages sooner (more is dropped), shorter ones
    leave the last page unfinished (one page fewer is kept): both stay correct."""
    return max(1, rows_per_page * pages + max(1, rows_per_page // 8))


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
