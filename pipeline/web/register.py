"""Turn the receipt desk's register and received dossiers into statuses, and Excel both ways.

The level above expects one dossier from each unit on its register by the deadline of the
unit's type (the profile's `han_nop`: 15/12 for a chi bộ cơ sở, 25/12 for a đảng bộ cơ sở
in Kế hoạch 41-KH/ĐUK, editable). Each received file goes through the same receipt check
as `hoso check`; the verdict is complete, incomplete (with the items missing) or failed
(pages altered, no readable manifest, not a dossier at all). A unit's status is its
newest submission's; late means handed in after the deadline's day, or not at all once
it has passed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from pipeline.errors import Problem, UnreadableDossierError
from pipeline.model import UnitType
from pipeline.profiles import load_profile, profile_for_year
from pipeline.vntext import fold
from pipeline.web.files import BlobStore, expect
from pipeline.web.store import Expected, Store, Submission

if TYPE_CHECKING:
    from pipeline.check import CheckReport

KIND_NAMES = {UnitType.CHI_BO_CO_SO.value: "Chi bộ cơ sở",
              UnitType.DANG_BO_CO_SO.value: "Đảng bộ cơ sở"}
STATUS_NAMES = {
    "expected": "Chờ nộp", "received": "Đã nhận", "complete": "Đủ",
    "incomplete": "Còn thiếu", "failed": "Không đạt kiểm tra", "late": "Nộp muộn",
}
VERDICT_NAMES = {"complete": "Đủ, nhất quán", "incomplete": "Còn thiếu",
                 "failed": "Không đạt kiểm tra"}


@dataclass(frozen=True)
class BoardRow:
    unit: Expected
    deadline: date | None
    latest: Submission | None
    count: int  # submissions so far
    late: bool

    @property
    def statuses(self) -> frozenset[str]:
        found = {"expected"} if self.latest is None else {"received", self.latest.verdict}
        return frozenset(found | ({"late"} if self.late else set()))

    @property
    def notes(self) -> tuple[str, ...]:
        """What the desk should read first: the items missing, or why the check failed."""
        if self.latest is None:
            return ()
        if self.latest.verdict != "failed":
            return self.latest.missing
        lines = [line.strip().removeprefix("- ").removeprefix("Lỗi: ")
                 for line in self.latest.report.splitlines()
                 if line.lstrip().startswith(("- ", "Lỗi: "))]
        return tuple(lines[:3]) + (("…",) if len(lines) > 3 else ())

    @property
    def status(self) -> str:
        return "expected" if self.latest is None else self.latest.verdict


def default_deadlines(year: int) -> dict[str, date]:
    """Each unit type's deadline in the regime of this review year."""
    profile = load_profile(profile_for_year(year))
    return {kind: due for kind in KIND_NAMES
            if (due := profile.deadline(kind, year)) is not None}


def deadlines(store: Store, year: int) -> dict[str, date]:
    """The profile's deadlines, with the ones the desk changed."""
    return {**default_deadlines(year), **store.deadlines()}


def review_year(now: datetime) -> int:
    """Dossiers of a year arrive in its December, or early in the next January."""
    return now.year if now.month > 6 else now.year - 1


def board(store: Store, now: datetime) -> list[BoardRow]:
    due = deadlines(store, review_year(now))
    by_unit: dict[int, list[Submission]] = {}
    for submission in store.submissions():
        by_unit.setdefault(submission.expected_id, []).append(submission)
    rows = []
    for unit in store.expected():
        handed = by_unit.get(unit.id, [])
        deadline = due.get(unit.kind)
        first = handed[0] if handed else None
        late = deadline is not None and (
            datetime.fromisoformat(first.received_at).date() > deadline if first
            else now.date() > deadline)
        rows.append(BoardRow(unit, deadline, handed[-1] if handed else None, len(handed), late))
    return rows


SORT_KEYS = {
    "ten": lambda r: fold(r.unit.name),
    "loai": lambda r: (r.unit.kind, fold(r.unit.name)),
    "trang-thai": lambda r: (list(STATUS_NAMES).index(r.status), fold(r.unit.name)),
    "han": lambda r: (r.deadline or date.max, fold(r.unit.name)),
    "nhan": lambda r: (r.latest.received_at if r.latest else "~", fold(r.unit.name)),
}


def filtered(rows: Iterable[BoardRow], status: str, sort: str) -> list[BoardRow]:
    kept = [r for r in rows if not status or status in r.statuses]
    return sorted(kept, key=SORT_KEYS.get(sort, SORT_KEYS["ten"]))  # type: ignore[arg-type]


def receive(store: Store, blobs: BlobStore, expected_id: int, data: bytes, by: str,
            now: datetime) -> Submission:
    """Keep a received dossier, check it as `hoso check` does, record who and when."""
    from pipeline.check import check_path

    expect(data, "dossier", {"pdf"}, "một tệp PDF (ho-so.pdf)")
    digest = blobs.put(data)
    try:
        report = check_path(blobs.path(digest))
    except UnreadableDossierError as error:
        verdict, missing, text = "failed", [], str(error).replace(str(blobs.path(digest)),
                                                                  "tệp nhận được")
    else:
        verdict = _verdict(report)
        missing = [f"({i.item}) {i.title}" + (f" — {i.person}" if i.person else "")
                   for i in report.items if i.status in {"missing", "absent"}]
        text = "\n".join(report.lines()).replace(str(blobs.path(digest)), "tệp nhận được")
    submission_id = store.add_submission(expected_id, digest, len(data), by, now, verdict,
                                         missing, text)
    found = store.submission(submission_id)
    assert found is not None
    return found


def _verdict(report: CheckReport) -> str:
    if report.complete:
        return "complete"
    altered = (report.problems or report.unverified or report.signature_problems
               or any(i.problems for i in report.items))
    return "failed" if altered else "incomplete"


# Excel ---------------------------------------------------------------------------------
REGISTER_COLUMNS = ("Tên đơn vị", "Loại", "Liên hệ")


def parse_kind(text: str) -> str | None:
    folded = fold(text).replace("_", " ").strip()
    for kind, name in KIND_NAMES.items():
        if folded in {fold(name), kind.replace("_", " "), fold(name.split()[0])}:
            return kind
    return None


def read_register(data: bytes, file: str) -> tuple[list[tuple[str, str, str]], list[Problem]]:
    """The rows of an uploaded register workbook (Tên đơn vị, Loại, Liên hệ), or the
    problems, each with its row."""
    from openpyxl import load_workbook

    expect(data, "register", {"xlsx"}, "một sổ Excel .xlsx")
    sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True, max_row=5001, max_col=10))
    if not rows:
        return [], [Problem(file, "", "sổ trống")]
    header = [fold(str(c or "")) for c in rows[0]]
    wanted = {"name": ("ten don vi", "ten"), "kind": ("loai",), "contact": ("lien he",)}
    where = {key: next((i for i, h in enumerate(header) if h in names), None)
             for key, names in wanted.items()}
    problems = [Problem(file, "dòng 1", f"thiếu cột «{title}»") for key, title in
                zip(("name", "kind"), REGISTER_COLUMNS, strict=False) if where[key] is None]
    if problems:
        return [], problems
    found: list[tuple[str, str, str]] = []
    for number, row in enumerate(rows[1:], start=2):
        def cell(key: str, row: tuple[object, ...] = row) -> str:
            index = where[key]
            return "" if index is None or index >= len(row) or row[index] is None \
                else str(row[index]).strip()
        if not any(cell(k) for k in wanted):
            continue
        kind = parse_kind(cell("kind"))
        if not cell("name"):
            problems.append(Problem(file, f"dòng {number}", "thiếu tên đơn vị"))
        elif kind is None:
            problems.append(Problem(file, f"dòng {number}, cột Loại",
                                    f"«{cell('kind')}» không phải Chi bộ cơ sở hay Đảng bộ "
                                    "cơ sở"))
        else:
            found.append((cell("name"), kind, cell("contact")))
    return found, problems


def register_workbook(rows: list[BoardRow]) -> bytes:
    """The register as an Excel workbook, equal bytes for an equal register."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from pipeline.workbook import deterministic_bytes

    book = Workbook()
    sheet = book.active
    sheet.title = "So nhan ho so"
    heads = ("STT", *REGISTER_COLUMNS, "Hạn nộp", "Trạng thái", "Nộp muộn", "Số lần nộp",
             "Nhận lần cuối", "Người nhận", "Còn thiếu / lỗi", "Mã SHA-256")
    sheet.append(heads)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=1):
        last = row.latest
        sheet.append((
            number, row.unit.name, KIND_NAMES.get(row.unit.kind, row.unit.kind),
            row.unit.contact, row.deadline.strftime("%d/%m/%Y") if row.deadline else "",
            STATUS_NAMES[row.status], "Có" if row.late else "", row.count,
            when(last.received_at if last else None), last.received_by if last else "",
            "; ".join(row.notes), last.sha256 if last else ""))
    for letter, width in zip("ABCDEFGHIJKL", (5, 40, 16, 28, 12, 18, 10, 10, 18, 14, 50, 66),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    return deterministic_bytes(book)


def when(iso: str | None) -> str:
    """A recorded moment as a clerk writes it: 09:00 12/12/2025."""
    return datetime.fromisoformat(iso).strftime("%H:%M %d/%m/%Y") if iso else ""

