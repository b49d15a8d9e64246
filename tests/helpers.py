"""Small readers used by the tests: outline, stamped numbers, TOC rows, CSV editing."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from pypdf import PdfReader

from pipeline.check import read_outline
from pipeline.check import stamped_numbers as read_stamps


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, 1-based page) for every outline entry, in order."""
    return [(e.depth, e.title, e.page) for e in read_outline(reader)]


def stamped_numbers(pdf: Path) -> list[str]:
    """The text in the top-centre band of every page (where the number is stamped)."""
    return read_stamps(pdf.read_bytes())


def toc_pages(reader: PdfReader, toc_range: range) -> dict[str, str]:
    """Item → page number as printed in the table of contents ("" when none printed).

    Personal items are keyed `Name/(n)`, organisation items `(n)`. A row is its marker
    `(n)`, the title and status, and the page number last; the stamped page number is
    merged onto the page last, so it is the final line of each page's text.
    """
    tokens: list[tuple[str, str]] = []
    for index in toc_range:
        lines = [line.strip() for line in reader.pages[index].extract_text().splitlines()]
        if lines and lines[-1] == str(index + 1):
            lines.pop()
        for line in lines:
            if line.startswith("Hồ sơ của tổ chức cơ sở đảng đóng trước"):
                break
            if line == "Mục Tài liệu Tình trạng Trang":  # the header repeats on each page
                continue
            group = re.match(r"^Hồ sơ cá nhân: (.+)$", line)
            if group:
                tokens.append(("person", group.group(1)))
                continue
            tokens.extend(("word", word) for word in line.split())
    result: dict[str, str] = {}
    person, current, last = "", None, ""
    for kind, value in [*tokens, ("end", "")]:
        if kind == "word" and not re.fullmatch(r"\(\d+\)", value):
            last = value
            continue
        if current is not None:
            result[current] = last if last.isdigit() else ""
        current, last = None, ""
        if kind == "person":
            person = value
        elif kind == "word":
            current = f"{person}/{value}" if person else value
    return result


def edit_csv(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell (row 1 is the first data row) of a CSV file in place."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows[row][rows[0].index(column)] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.reader(f))
