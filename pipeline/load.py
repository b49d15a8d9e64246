"""Turn a unit folder into a validated `Unit`, or raise InputError listing every problem.

Nothing is written by this stage. Every file is read, every row checked, and all the
problems are gathered (mkdocs-style) before anything is raised, each naming its file and
row or key, in Vietnamese. The folder layout is documented in README.md ("Thư mục đơn vị").
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from pipeline import content
from pipeline.errors import InputError, Problem
from pipeline.levels import Level
from pipeline.model import (
    Activity,
    Ballot,
    CollectiveBallot,
    DocumentRef,
    Member,
    PersonBallot,
    Rerating,
    Role,
    ScoreEntry,
    Signatory,
    Source,
    Subject,
    SubUnit,
    SubUnitType,
    Unit,
    UnitType,
)
from pipeline.quarters import QUARTER_COLUMNS, QUARTERS, QuarterScore, read_quarters
from pipeline.safeyaml import MAX_YAML_BYTES, load_untrusted, odd_keys
from pipeline.scoring import (
    GENERAL_MAX,
    RESULTS_MAX,
    TASK_COLUMNS,
    Cells,
    Kind,
    parse_kind,
    parse_points,
)
from pipeline.tables import WORKBOOK, Column, Row, find_table, read_table, workbook_sheets
from pipeline.tally import BallotCount
from pipeline.vntext import fold, nfc, text_problem, upper

if TYPE_CHECKING:  # attachments loads pypdf and PIL: only when the unit is read
    from pipeline.attachments import CachedInspections

UNIT_FILE = "don-vi.yaml"
MEMBERS = "dang-vien"
SUB_UNITS = "to-chuc-truc-thuoc"
MEMBER_BALLOTS = "phieu-dang-vien"
COMMITTEE_BALLOTS = "phieu-cap-uy-vien"
COLLECTIVE_BALLOTS = "phieu-tap-the"
SCORES = "diem-danh-gia"
ATTACHMENTS_DIR = "dinh-kem"

T = TypeVar("T")

MEMBER_COLUMNS = (
    Column("ma", ("Mã", "Mã đảng viên", "Mã số"), required=True),
    Column("ho_ten", ("Họ và tên", "Họ tên"), required=True),
    Column("ngay_sinh", ("Ngày sinh",)),
    Column("chi_bo", ("Chi bộ", "Chi bộ trực thuộc", "Sinh hoạt tại chi bộ")),
    Column("chuc_vu", ("Chức vụ", "Chức vụ chính quyền, đoàn thể")),
    Column("don_vi", ("Đơn vị công tác", "Nơi công tác", "Cơ quan, đơn vị")),
    Column("cap_uy", ("Cấp ủy", "Chức vụ cấp ủy cơ sở")),
    Column("cap_uy_chi_bo", ("Cấp ủy chi bộ", "Chức vụ chi ủy")),
    Column("loai", ("Loại đảng viên", "Chính thức/Dự bị"), required=True),
    Column("ngay_vao_dang", ("Ngày vào Đảng", "Ngày kết nạp"), required=True),
    Column("sinh_hoat", ("Tình trạng sinh hoạt",)),
    Column("xep_loai_ccvc", ("Xếp loại CCVC", "Xếp loại công chức, viên chức")),
    Column("thang_nghi_om", ("Số tháng nghỉ ốm", "Nghỉ ốm (tháng)")),
    Column("ky_luat", ("Kỷ luật trong năm", "Kỷ luật")),
    Column("tu_khac_phuc", ("Tự phát hiện, khắc phục", "Tự khắc phục")),
    Column("noi_cu_tru", ("Nơi cư trú",)),
    Column("tu_xep_loai", ("Tự xếp loại", "Tự nhận mức xếp loại")),
    Column("chuyen_den", ("Chuyển đến trong năm", "Chuyển đến")),
    Column("ngay_giu_chuc_vu", ("Ngày giữ chức vụ", "Ngày bổ nhiệm")),
    Column("thai_san", ("Nghỉ thai sản",)),
)
SUB_UNIT_COLUMNS = (
    Column("ma", ("Mã", "Mã tổ chức"), required=True),
    Column("ten", ("Tên", "Tên tổ chức", "Tên chi bộ"), required=True),
    Column("loai", ("Loại", "Loại hình")),
    Column("ngay_thanh_lap", ("Ngày thành lập",)),
    Column("co_cap_uy", ("Có cấp ủy", "Có chi ủy")),
    Column("thuoc", ("Thuộc", "Thuộc đảng bộ bộ phận", "Đảng bộ bộ phận")),
)
VOTE_COLUMNS = (
    Column("HTXSNV", ("HTXSNV", "Hoàn thành xuất sắc nhiệm vụ"), required=True),
    Column("HTTNV", ("HTTNV", "Hoàn thành tốt nhiệm vụ"), required=True),
    Column("HTNV", ("HTNV", "Hoàn thành nhiệm vụ"), required=True),
    Column("KHTNV", ("KHTNV", "Không hoàn thành nhiệm vụ"), required=True),
    Column("co_mat", ("Có mặt", "present", "Số có mặt"), required=True),
    Column("tong_so", ("Tổng số", "total", "Tổng số đảng viên chính thức"), required=True),
    Column("quyet_dinh", ("Người đứng đầu quyết định", "Quyết định của người đứng đầu")),
)
PERSON_BALLOT_COLUMNS = (
    Column("ma", ("Mã", "Mã đảng viên"), required=True),
    Column("ho_ten", ("Họ và tên", "Họ tên")),
    Column("noi_bo_phieu", ("Nơi bỏ phiếu", "Cấp ủy bỏ phiếu")),
    *VOTE_COLUMNS,
)
COLLECTIVE_BALLOT_COLUMNS = (
    Column("to_chuc", ("Tổ chức", "Mã tổ chức"), required=True),
    Column("doi_tuong", ("Đối tượng",), required=True),
    *VOTE_COLUMNS,
)

# The score table of Quy định 366 (Điều 11–12): one row per person or collective, with the
# self-score and the score proposed after review ("thẩm định"), each as 30 + 70 points.
SCORE_COLUMNS = (
    Column("ma", ("Mã", "Mã đảng viên, tập thể"), required=True),
    Column("ho_ten", ("Họ và tên", "Họ tên", "Tên")),
    Column("doi_tuong", ("Đối tượng",)),
    Column("tu_cham_chung", ("Tự chấm tiêu chí chung",), required=True),
    Column("tu_cham_ket_qua", ("Tự chấm kết quả",), required=True),
    Column("tham_dinh_chung", ("Thẩm định tiêu chí chung",)),
    Column("tham_dinh_ket_qua", ("Thẩm định kết quả",)),
    *TASK_COLUMNS,
    Column("quyet_dinh", ("Mức quyết định", "Mức cấp có thẩm quyền quyết định")),
    Column("giai_trinh_quy", ("Giải trình so với các quý",)),
)
SCORE_HEADERS = {c.key: c.aliases[0] for c in SCORE_COLUMNS}
ORGANISATION_KEYS = {"to chuc", "co so", "don vi", "to chuc dang"}
COMMITTEE_KEYS = {"cap uy", "tap the cap uy", "chi uy", "dang uy", "ban chap hanh"}

UNIT_KEYS = {
    "loai", "ten", "ky_hieu", "cap_tren", "co_quan_cap_tren", "dia_danh", "nam",
    "ngay_danh_gia", "ngay_thanh_lap", "co_cap_uy", "van_ban", "nguoi_ky",
    "ho_so_ca_nhan", "noi_nhan", "dinh_kem", "nhan_mau", "quy_dinh", "ty_le_htxsnv",
    "xep_loai_lai", "khong_ap_dung", "hoi_nghi",
}
MAX_TEXT = 200  # characters of a name or a header line (it goes into titles and metadata)
BASE_BODY = {"", "co so", "cap uy co so", "dang uy", "chi uy", "chi bo"}


class Collector:
    """Gathers problems; `check` records one when a condition fails."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []  # what is read past, never an error (a clerk's column)
        self.sheets: tuple[str, ...] = ()  # of the unit's workbook du-lieu.xlsx

    def add(self, file: str, where: str, message: str) -> None:
        self.problems.append(Problem(file, where, message))

    def parse(self, file: str, where: str, text: str, parser: Callable[[str], T],
              default: T) -> T:
        try:
            return parser(text)
        except ValueError as exc:
            self.add(file, where, str(exc))
            return default


# --- value parsers: each raises ValueError with a Vietnamese message ---------------------


def parse_date(text: str | date) -> date:
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if not isinstance(text, str):
        raise ValueError(f"«{text}» phải là một ngày dd/mm/yyyy")
    value = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"ngày «{value}» không hợp lệ (viết dd/mm/yyyy, ví dụ 05/01/2025)")


def parse_optional_date(text: str | date) -> date | None:
    if isinstance(text, date):
        return parse_date(text)
    if not isinstance(text, str):
        raise ValueError(f"«{text}» phải là một ngày dd/mm/yyyy")
    return parse_date(text) if text.strip() else None


def parse_level(text: str) -> Level:
    level = Level.parse(text)
    if level is None:
        raise ValueError(f"mức xếp loại «{text}» không có; dùng HTXSNV, HTTNV, HTNV hoặc KHTNV")
    return level


def parse_optional_level(text: str) -> Level | None:
    return parse_level(text) if text.strip() else None


def parse_bool(text: str) -> bool:
    key = fold(text)
    if key in {"", "khong", "no", "false", "0", "k"}:
        return False
    if key in {"co", "x", "yes", "true", "1", "c"}:
        return True
    raise ValueError(f"«{text}» phải là Có hoặc Không")


def parse_official(text: str) -> bool:
    key = fold(text)
    if key in {"chinh thuc", "ct", "co", "x"}:
        return True
    if key in {"du bi", "db", "khong"}:
        return False
    raise ValueError(f"loại đảng viên «{text}» phải là «chính thức» hoặc «dự bị»")


def parse_role(text: str) -> Role | None:
    key = fold(text)
    if not key:
        return None
    if key.startswith("pho bi thu"):
        return Role.DEPUTY
    if key.startswith("bi thu"):
        return Role.SECRETARY
    if key.startswith("uy vien") or key in {"cap uy vien", "dang uy vien", "chi uy vien"}:
        return Role.MEMBER
    raise ValueError(f"chức vụ cấp ủy «{text}» phải là Bí thư, Phó Bí thư hoặc Ủy viên")


def parse_activity(text: str) -> Activity:
    key = fold(text)
    if key in {"", "dang sinh hoat", "binh thuong"}:
        return Activity.ACTIVE
    if key.startswith("mien"):
        return Activity.EXEMPT
    if key.startswith("dinh chi"):
        return Activity.SUSPENDED
    raise ValueError(f"tình trạng sinh hoạt «{text}» phải để trống, «miễn sinh hoạt» "
                     "hoặc «đình chỉ sinh hoạt»")


def parse_count(text: str) -> int:
    value = text.strip()
    if not re.fullmatch(r"-?\d{1,6}", value):
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise ValueError(f"«{shown}» không phải số nguyên (tối đa 6 chữ số)")
    return int(value)


def parse_months(text: str) -> float:
    value = text.strip().replace(",", ".")
    if not value:
        return 0.0
    try:
        months = float(value)
    except ValueError:
        raise ValueError(f"số tháng «{text}» không phải là số") from None
    if not 0 <= months <= 12:
        raise ValueError(f"số tháng nghỉ ốm «{text}» phải từ 0 đến 12")
    return months


def parse_sub_type(text: str) -> SubUnitType:
    key = fold(text)
    if key in {"", "chi bo", "chi bo truc thuoc", "chi_bo_truc_thuoc"}:
        return SubUnitType.CHI_BO_TRUC_THUOC
    if key in {"dang bo bo phan", "dang_bo_bo_phan"}:
        return SubUnitType.DANG_BO_BO_PHAN
    raise ValueError(f"loại tổ chức «{text}» phải là «chi bộ trực thuộc» hoặc "
                     "«đảng bộ bộ phận»")


# --- the folder -------------------------------------------------------------------------


def load_unit(folder: Path, ballots_required: bool = True,
              form_ids: frozenset[str] = frozenset(), scores_required: bool = False,
              cap_ratio_max: float = 0.0, inspections: CachedInspections | None = None,
              heading_sets: Mapping[str, str] | None = None) -> Unit:
    """Read and validate everything in the unit folder; raise InputError with all problems.

    Before the meetings (hoso prepare) there are no ballots yet: `ballots_required=False`.
    `form_ids` are the profile's forms, which nhan_mau may name (none: not checked).
    Under Quy định 366 the score table is what rates (`scores_required`), and a unit may
    claim the higher HTXSNV cap up to `cap_ratio_max` (0: no exception in this regime).
    PDF attachments inspected before are taken from `inspections`. `heading_sets` names
    the headings of tieu-chi.yaml that each review text is written under (the profile's
    de_muc; none: those of Quy định 124 and 132).
    """
    if not folder.is_dir():
        raise InputError([Problem(str(folder), "", "không có thư mục đơn vị này")])
    c = Collector()
    refuse_links(folder, c)
    if c.problems:  # read nothing through a link, not even for an error message
        raise InputError(c.problems)
    c.sheets = workbook_sheets(folder, c.problems)
    _unknown_files(folder, c)
    raw = _read_unit_yaml(folder, c)
    kind = (c if raw is not UNREADABLE else Collector()).parse(
        UNIT_FILE, "loai", str(raw.get("loai", "")), _unit_type, UnitType.CHI_BO_CO_SO)
    sub_units = _load_sub_units(folder, kind, c)
    members = _load_members(folder, kind, {s.code for s in sub_units}, c)
    person_ballots = _load_person_ballots(folder, members, sub_units, c, ballots_required)
    collective_ballots = _load_collective_ballots(folder, sub_units, c, ballots_required)
    leaders = _leaders(raw, members, c)
    # pypdf and PIL load here, in this process (the guarded readers of the attachments
    # are forked from it), after a build has started its renderers (dossier.build).
    from pipeline import attachments as attach

    files = attach.gather(folder / ATTACHMENTS_DIR, raw.get("dinh_kem"), UNIT_FILE,
                          {m.code for m in members}, c.problems, inspections)
    c.notes.extend(Problem(x.label, "", SIDEWAYS) for x in files if x.landscape)
    grades = content.load_grades(folder, {s.code for s in sub_units}, c.problems)
    scores = _load_scores(folder, members, sub_units, c, scores_required)
    quarters = _load_quarters(folder, members, c)
    narratives = content.load_narratives(
        folder, {m.code for m in members}, _review_forms(members, leaders, scores),
        dict(heading_sets or content.LEGACY_HEADING_SETS), c.problems)
    # An unreadable don-vi.yaml is one problem, not one more per key it would have had.
    header = _unit_header(raw, kind, members, form_ids, c if raw is not UNREADABLE
                          else Collector())
    cap = _cap_exception(raw.get("ty_le_htxsnv"), cap_ratio_max, c)
    reratings = _reratings(raw.get("xep_loai_lai"), members, c)
    _check_ballot_totals(kind, members, sub_units, person_ballots, collective_ballots, c)
    if c.problems:
        raise InputError(sorted(set(c.problems), key=_problem_order))
    return Unit(
        folder=folder,
        kind=kind,
        members=members,
        sub_units=sub_units,
        person_ballots=person_ballots,
        collective_ballots=collective_ballots,
        leaders=leaders,
        attachments=files,
        grades=grades,
        narratives=narratives,
        scores=scores,
        cap_ratio=cap[0],
        cap_ratio_basis=cap[1],
        reratings=reratings,
        quarters=quarters,
        notes=tuple(c.notes),
        **header,
    )


SIDEWAYS = ("ảnh nằm ngang nên được đặt trên trang A4 ngang; nếu đó là trang giấy dọc bị "
            "quét xoay, hãy xoay lại ảnh cho thẳng rồi dựng lại")


def refuse_links(folder: Path, c: Collector) -> None:
    """A link (symlink) anywhere in the unit folder could make hoso read a file outside
    it (in CI, a file of the runner): every one is refused, none is followed."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in sorted(dirs + files):
            path = Path(root, name)
            if path.is_symlink():
                c.add(path.relative_to(folder).as_posix(), "", "là liên kết (symlink) tới "
                      "chỗ khác; hoso chỉ đọc tệp thật trong thư mục đơn vị, hãy chép tệp vào")


TABLES = (MEMBERS, SUB_UNITS, MEMBER_BALLOTS, COMMITTEE_BALLOTS, COLLECTIVE_BALLOTS, SCORES,
          QUARTERS)
OTHER_FILES = (UNIT_FILE, "danh-gia.yaml", WORKBOOK, "HUONG-DAN.txt")


def _unknown_files(folder: Path, c: Collector) -> None:
    """A table or YAML file under a name hoso does not read would be silently left out:
    name it, with the name it probably meant."""
    import difflib

    from pipeline.attachments import ignored

    expected = [*OTHER_FILES, *(f"{t}{x}" for t in TABLES for x in (".csv", ".xlsx"))]
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or ignored(path.name) or path.name in expected \
                or suffix not in {".csv", ".xlsx", ".xls", ".yaml", ".yml"}:
            continue
        close = difflib.get_close_matches(fold(path.stem), [fold(n) for n in expected],
                                          n=1, cutoff=0.6)
        meant = next((n for n in expected if close and fold(n) == close[0]), None)
        hint = f"; có phải «{meant}»?" if meant else f"; các tên được đọc: {MEMBERS}.csv, …"
        if suffix == ".xls":
            hint = "; hãy lưu lại dạng Excel .xlsx" + (f" với tên «{meant}»" if meant else "")
        c.add(path.name, "", f"tệp này không được đọc vì tên không có trong mẫu{hint}")
    for sheet in c.sheets:
        if fold(sheet) not in {fold(t) for t in TABLES} and fold(sheet) not in HELP_SHEETS:
            c.add(f"{WORKBOOK}, trang {sheet}", "", "trang này không được đọc; tên trang "
                  f"phải là tên bảng: {', '.join(TABLES)}")


HELP_SHEETS = {"huong dan", "danh muc"}  # sheets of du-lieu.xlsx for people, not data


def regime_hint(folder: Path) -> tuple[str | None, int | None]:
    """`quy_dinh` and `nam` of don-vi.yaml, to choose the profile before the full load
    (which reports any problem with them); (None, None) when they cannot be read."""
    try:
        path = folder / UNIT_FILE
        if path.stat().st_size > MAX_YAML_BYTES:
            return None, None
        data = load_untrusted(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    regime, year = data.get("quy_dinh"), data.get("nam")
    return (str(regime) if isinstance(regime, str) and regime else None,
            year if isinstance(year, int) and not isinstance(year, bool) else None)


def _review_forms(members: tuple[Member, ...], leaders: tuple[str, ...],
                  scores: tuple[ScoreEntry, ...]) -> dict[str, str]:
    """Each member's review form: their role in the score table (lanh_dao, ca_nhan,
    ngoai_he_thong), else lanh_dao for a post or a personal set, dang_vien for the rest."""
    kinds = {e.subject: e.kind.value for e in scores if not e.collective}
    return {m.code: kinds.get(m.code) or ("lanh_dao" if m.base_role or m.cell_role
                                          or m.code in leaders else "dang_vien")
            for m in members}


def _load_scores(folder: Path, members: tuple[Member, ...], sub_units: tuple[SubUnit, ...],
                 c: Collector, required: bool) -> tuple[ScoreEntry, ...]:
    file, rows = _table(folder, SCORES, SCORE_COLUMNS, c, required)
    by_code = {m.code: m for m in members}
    cells = {s.code for s in sub_units}
    entries = []
    for row in rows:
        key = _score_subject(row, by_code, cells, file, c)
        if key is None:
            continue
        entry = _score_entry(row, key, file, c)
        if entry is not None:
            entries.append(entry)
    _duplicates(file, [(f"{e.subject}/{e.collective}/{e.committee}", e.source)
                       for e in entries], "dòng điểm (mã)", c)
    return tuple(entries)


def _load_quarters(folder: Path, members: tuple[Member, ...],
                   c: Collector) -> tuple[QuarterScore, ...]:
    """tu-danh-gia-quy (optional): each member's self-assessment of each quarter."""
    file, rows = _table(folder, QUARTERS, QUARTER_COLUMNS, c, required=False)
    return read_quarters(file, rows, {m.code: m.name for m in members}, c.problems)


def _score_subject(row: Row, by_code: dict[str, Member], cells: set[str], file: str,
                   c: Collector) -> tuple[str, bool, bool] | None:
    """(subject, collective, committee) of a row: DV01; «tổ chức» / «cấp ủy» of the base;
    a sub-unit code, or «CB01 cấp ủy» for its committee."""
    code = row.get("ma")
    folded = fold(code)
    if code in by_code:
        member = by_code[code]
        if row.get("ho_ten") and fold(row.get("ho_ten")) != fold(member.name):
            c.add(file, f"dòng {row.line}", f"họ tên «{row.get('ho_ten')}» không khớp với mã "
                  f"{code} («{member.name}») trong {MEMBERS}")
        return code, False, False
    if folded in ORGANISATION_KEYS:
        return "", True, False
    if folded in COMMITTEE_KEYS:
        return "", True, True
    head, _, rest = code.replace("/", " ").partition(" ")
    if head in cells and (not rest or fold(rest) in COMMITTEE_KEYS | ORGANISATION_KEYS):
        return head, True, fold(rest) in COMMITTEE_KEYS
    c.add(file, f"dòng {row.line}, cột Mã", f"«{code}» không phải mã đảng viên trong "
          f"{MEMBERS}, «tổ chức», «cấp ủy» hay mã một tổ chức trực thuộc (thêm «cấp ủy» "
          "cho cấp ủy của tổ chức đó)")
    return None


def _score_entry(row: Row, key: tuple[str, bool, bool], file: str,
                 c: Collector) -> ScoreEntry | None:
    subject, collective, committee = key
    cells = Cells(file, row, c.problems, SCORE_HEADERS)
    default = Kind.COLLECTIVE if collective else Kind.INDIVIDUAL
    kind = cells.get("doi_tuong", lambda t: parse_kind(t) if t.strip() else default, default)
    if collective and kind is not Kind.COLLECTIVE:
        c.add(file, f"dòng {row.line}, cột Đối tượng", "dòng của một tập thể phải có đối "
              "tượng «tập thể»")
    if not collective and kind is Kind.COLLECTIVE:
        c.add(file, f"dòng {row.line}, cột Đối tượng", "dòng của một đảng viên không thể "
              "có đối tượng «tập thể»")
    self_general = cells.get("tu_cham_chung", parse_points, Decimal(0), GENERAL_MAX)
    self_results = cells.get("tu_cham_ket_qua", parse_points, Decimal(0), RESULTS_MAX)
    reviewed = bool(row.get("tham_dinh_chung") or row.get("tham_dinh_ket_qua"))
    if reviewed and not (row.get("tham_dinh_chung") and row.get("tham_dinh_ket_qua")):
        c.add(file, f"dòng {row.line}", "điểm thẩm định cần đủ hai cột: tiêu chí chung và "
              "kết quả")
        reviewed = False
    sheet = cells.sheet(kind, "tham_dinh_chung" if reviewed else "tu_cham_chung",
                        "tham_dinh_ket_qua" if reviewed else "tu_cham_ket_qua")
    decided = c.parse(file, f"dòng {row.line}, cột Mức quyết định", row.get("quyet_dinh"),
                      parse_optional_level, None)
    if sheet is None:
        return None
    return ScoreEntry(subject, collective, committee, kind, self_general, self_results,
                      sheet, reviewed, decided, Source(file, row.line),
                      row.get("giai_trinh_quy"))


def _cap_exception(raw: Any, maximum: float, c: Collector) -> tuple[float | None, str]:
    """ty_le_htxsnv: {ty_le: 25, can_cu: "Công văn số … của …"}: the higher cap the
    competent level allowed for outstanding results (Quy định 366, Điều 11)."""
    if raw is None:
        return None, ""
    if not isinstance(raw, dict) or not isinstance(raw.get("ty_le"), int | float) \
            or isinstance(raw.get("ty_le"), bool):
        c.add(UNIT_FILE, "ty_le_htxsnv", "phải là bảng {ty_le: 25, can_cu: văn bản cho phép}")
        return None, ""
    ratio = float(raw["ty_le"]) / 100
    basis = raw.get("can_cu")
    if not isinstance(basis, str) or not basis.strip():
        c.add(UNIT_FILE, "ty_le_htxsnv.can_cu", "ghi văn bản của cấp có thẩm quyền cho phép "
              "tỷ lệ này")
    if maximum <= 0:
        c.add(UNIT_FILE, "ty_le_htxsnv", "bộ quy định áp dụng không cho phép nâng tỷ lệ "
              "HTXSNV; hãy xóa khóa này")
        return None, ""
    if not 0 < ratio <= maximum + 1e-9:
        c.add(UNIT_FILE, "ty_le_htxsnv.ty_le", f"tỷ lệ {raw['ty_le']}% vượt mức tối đa "
              f"{round(maximum * 100)}% mà quy định cho phép")
        return None, ""
    return ratio, nfc(str(basis or "").strip())


def _reratings(raw: Any, members: tuple[Member, ...], c: Collector) -> tuple[Rerating, ...]:
    """xep_loai_lai: [{ma, muc_cu, muc_moi, ly_do}]: ratings changed after the fact
    (Mẫu 03 of Hướng dẫn 43)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add(UNIT_FILE, "xep_loai_lai", "phải là danh sách {ma, muc_cu, muc_moi, ly_do}")
        return ()
    codes = {m.code for m in members}
    out = []
    for index, entry in enumerate(raw, start=1):
        where = f"xep_loai_lai[{index}]"
        code = str(entry.get("ma") or "") if isinstance(entry, dict) else ""
        if not isinstance(entry, dict) or not code or code not in codes:
            c.add(UNIT_FILE, where, "cần «ma» là mã một đảng viên trong dang-vien")
            continue
        old = c.parse(UNIT_FILE, where + ".muc_cu", str(entry.get("muc_cu", "")),
                      parse_level, Level.HTNV)
        new = c.parse(UNIT_FILE, where + ".muc_moi", str(entry.get("muc_moi", "")),
                      parse_level, Level.HTNV)
        reason = entry.get("ly_do")
        if not isinstance(reason, str) or not reason.strip():
            c.add(UNIT_FILE, where + ".ly_do", "ghi lý do xếp loại lại")
            reason = ""
        out.append(Rerating(code, old, new, nfc(reason.strip())))
    return tuple(out)


def _problem_order(p: Problem) -> tuple[str, int, str]:
    match = re.search(r"dòng (\d+)", p.where)
    return (p.file, int(match.group(1)) if match else 0, p.where + p.message)


def _unit_type(text: str) -> UnitType:
    try:
        return UnitType(fold(text).replace(" ", "_"))
    except ValueError:
        raise ValueError(f"loại tổ chức «{text}» phải là chi_bo_co_so hoặc dang_bo_co_so") \
            from None


UNREADABLE: dict[str, Any] = {}  # what _read_unit_yaml gives for a file it cannot use


def _read_unit_yaml(folder: Path, c: Collector) -> dict[str, Any]:
    """don-vi.yaml as a mapping, or UNREADABLE (the problem recorded once)."""
    path = folder / UNIT_FILE
    if not path.is_file():
        c.add(UNIT_FILE, "", "thiếu tệp thông tin đơn vị (chạy «hoso init» để có tệp mẫu)")
        return UNREADABLE
    if path.stat().st_size > MAX_YAML_BYTES:
        c.add(UNIT_FILE, "", f"tệp quá lớn (trên {MAX_YAML_BYTES // 1024} KB); tệp thông tin "
              "đơn vị chỉ vài chục dòng")
        return UNREADABLE
    try:
        data = load_untrusted(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        c.add(UNIT_FILE, "", "tệp không phải UTF-8; hãy lưu lại với bảng mã UTF-8")
        return UNREADABLE
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"dòng {mark.line + 1}" if mark else ""
        c.add(UNIT_FILE, where, f"sai cú pháp YAML ({getattr(exc, 'problem', exc)})")
        return UNREADABLE
    except RecursionError:
        c.add(UNIT_FILE, "", "cấu trúc lồng nhau quá sâu")
        return UNREADABLE
    if not isinstance(data, dict):
        c.add(UNIT_FILE, "", "tệp phải là một bảng khóa: giá trị")
        return UNREADABLE
    for where, message in odd_keys(data):
        c.add(UNIT_FILE, where, message)
    data = _text_keys_only(data)
    for key in sorted(set(data) - UNIT_KEYS):
        c.add(UNIT_FILE, str(key), "khóa không có trong mẫu (gõ sai?)")
    _check_yaml_text(data, "", c)
    return data


def _text_keys_only(value: Any) -> Any:
    """The data without the keys odd_keys reported, so each problem is said once."""
    if isinstance(value, dict):
        return {k: _text_keys_only(v) for k, v in value.items() if isinstance(k, str)}
    if isinstance(value, list):
        return [_text_keys_only(v) for v in value]
    return value


def _check_yaml_text(value: Any, where: str, c: Collector) -> None:
    if isinstance(value, str):
        issue = text_problem(value)
        if issue:
            c.add(UNIT_FILE, where, issue)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_yaml_text(item, f"{where}.{key}" if where else str(key), c)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_yaml_text(item, f"{where}[{index + 1}]", c)


def _text(raw: dict[str, Any], key: str, c: Collector, required: bool = True) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            c.add(UNIT_FILE, key, "thiếu giá trị")
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        c.add(UNIT_FILE, key, "phải là một dòng chữ")
        return ""
    text = nfc(str(value).strip())
    if len(text) > MAX_TEXT:
        c.add(UNIT_FILE, key, f"dài {len(text)} ký tự, quá {MAX_TEXT} ký tự cho phép")
        return text[:MAX_TEXT]
    return text


def _unit_header(raw: dict[str, Any], kind: UnitType, members: tuple[Member, ...],
                 form_ids: frozenset[str], c: Collector) -> dict[str, Any]:
    year = raw.get("nam")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        c.add(UNIT_FILE, "nam", "năm đánh giá phải là số, ví dụ 2025")
        year = 2000
    review = c.parse(UNIT_FILE, "ngay_danh_gia", raw.get("ngay_danh_gia") or "",
                     parse_date, date(year, 12, 1))
    founded = c.parse(UNIT_FILE, "ngay_thanh_lap", raw.get("ngay_thanh_lap") or "",
                      parse_optional_date, None) if raw.get("ngay_thanh_lap") else None
    has_committee = raw.get("co_cap_uy", True)
    if not isinstance(has_committee, bool):
        c.add(UNIT_FILE, "co_cap_uy", "phải là true hoặc false")
        has_committee = True
    return {
        "name": _text(raw, "ten", c),
        "code": _text(raw, "ky_hieu", c),
        "parent": _text(raw, "cap_tren", c),
        "parent_body": _text(raw, "co_quan_cap_tren", c),
        "place": _text(raw, "dia_danh", c),
        "year": year,
        "review_date": review,
        "founded": founded,
        "has_committee": has_committee,
        "documents": _documents(raw.get("van_ban"), c),
        "signatory": _signatory(raw.get("nguoi_ky"), kind, members, c),
        "recipients": tuple(_string_list(raw, "noi_nhan", c)),
        "labels": _labels(raw.get("nhan_mau"), form_ids, c),
        "regime": _regime(raw.get("quy_dinh"), c),
        "absent_items": _absent_items(raw.get("khong_ap_dung"), c),
        "meeting": _meeting(raw.get("hoi_nghi"), c),
    }


MEETING_KEYS = {"dia_diem", "chu_tri", "thu_ky", "co_mat"}


def _meeting(raw: Any, c: Collector) -> tuple[tuple[str, str], ...]:
    """hoi_nghi: {dia_diem, chu_tri, thu_ky, co_mat}: what the draft minutes of the review
    meeting print; what is left out is printed as a line to fill in by hand."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        c.add(UNIT_FILE, "hoi_nghi", "phải là bảng: dia_diem, chu_tri, thu_ky, co_mat")
        return ()
    found = []
    for key, value in sorted(raw.items(), key=lambda kv: str(kv[0])):
        text = nfc(str(value if value is not None else "").strip())
        if key not in MEETING_KEYS:
            c.add(UNIT_FILE, f"hoi_nghi.{key}", "khóa không có trong mẫu; dùng dia_diem, "
                  "chu_tri, thu_ky, co_mat")
        elif key == "co_mat" and not (isinstance(value, int) and value >= 0):
            c.add(UNIT_FILE, "hoi_nghi.co_mat", "số đảng viên có mặt phải là số")
        elif len(text) > MAX_TEXT:
            c.add(UNIT_FILE, f"hoi_nghi.{key}", "tối đa 200 ký tự")
        elif text:
            found.append((str(key), text))
    return tuple(found)


def _absent_items(raw: Any, c: Collector) -> tuple[tuple[str, str], ...]:
    """khong_ap_dung: {"7": "đơn vị là doanh nghiệp, không có công chức, viên chức"}: the
    items of the checklist the unit does not have, each with its reason."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        c.add(UNIT_FILE, "khong_ap_dung", "phải là bảng: số mục → lý do, ví dụ "
              "\"8\": đơn vị không có tổ chức công đoàn")
        return ()
    found = []
    for item, reason in sorted(raw.items(), key=lambda kv: str(kv[0])):
        text = nfc(str(reason or "").strip())
        if not re.fullmatch(r"\d{1,2}", str(item)):
            c.add(UNIT_FILE, f"khong_ap_dung.{item}", "phải là số mục của danh mục hồ sơ")
        elif not text or len(text) > MAX_TEXT:
            c.add(UNIT_FILE, f"khong_ap_dung.{item}", "cần ghi lý do (tối đa 200 ký tự)")
        else:
            found.append((str(item), text))
    return tuple(found)


def _regime(raw: Any, c: Collector) -> str | None:
    if raw is None:
        return None
    from pipeline.profiles import available_profiles

    known = available_profiles()
    if not isinstance(raw, str) or raw not in known:
        c.add(UNIT_FILE, "quy_dinh", f"«{raw}» không phải bộ quy định nào; dùng: "
              + ", ".join(known))
        return None
    return raw


def _labels(raw: Any, form_ids: frozenset[str], c: Collector) -> tuple[tuple[str, str], ...]:
    """Labels the level above assigned to this unit's forms (nhan_mau: {cham-diem-to-chuc:
    Mẫu 3đ}), each for a form of the profile."""
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        c.add(UNIT_FILE, "nhan_mau", "phải là bảng: mẫu → nhãn, ví dụ cham-diem-to-chuc: Mẫu 3đ")
        return ()
    labels = []
    for form, label in sorted(raw.items(), key=lambda kv: str(kv[0])):
        text = nfc(str(label).strip())
        if form_ids and form not in form_ids:
            c.add(UNIT_FILE, f"nhan_mau.{form}", "không phải mẫu nào của bộ quy định; dùng: "
                  + ", ".join(sorted(form_ids)))
            continue
        if not re.fullmatch(r"Mẫu [0-9][\w-]{0,11}", text):
            c.add(UNIT_FILE, f"nhan_mau.{form}", f"nhãn «{text}» phải có dạng «Mẫu 3đ»")
            continue
        labels.append((str(form), text))
    return tuple(labels)


DOCUMENT_KEYS = (
    "to-trinh-xep-loai", "tong-hop-phieu-cap-uy-vien", "qd-xep-loai-dang-vien",
    "qd-xep-loai-to-chuc-truc-thuoc", "qd-xep-loai-cap-uy-truc-thuoc",
    "qd-xep-loai-cap-uy-vien-truc-thuoc", "qd-khen-thuong-dang-vien",
    "bao-cao-kiem-diem-tap-the", "cham-diem-to-chuc", "cham-diem-cap-uy",
    "qd-khen-thuong-to-chuc-truc-thuoc",
)


def _documents(raw: Any, c: Collector) -> tuple[tuple[str, DocumentRef], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        c.add(UNIT_FILE, "van_ban", "phải là bảng: tên văn bản → {so, ngay}")
        return ()
    refs = []
    for key, spec in sorted(raw.items()):
        where = f"van_ban.{key}"
        if key not in DOCUMENT_KEYS:
            c.add(UNIT_FILE, where, f"văn bản không có trong mẫu; dùng: {', '.join(DOCUMENT_KEYS)}")
            continue
        if not isinstance(spec, dict) or "so" not in spec or "ngay" not in spec:
            c.add(UNIT_FILE, where, "cần có «so» (ví dụ 15-TTr/CB) và «ngay»")
            continue
        number = nfc(str(spec["so"]).strip())
        if not re.fullmatch(r"\d+-[A-Za-zĐđ]+/[\wĐđ\-]+", number):
            c.add(UNIT_FILE, where + ".so", f"số văn bản «{number}» phải có dạng 15-TTr/CB "
                  "(không ghi «Số», không dấu hai chấm)")
        issued = c.parse(UNIT_FILE, where + ".ngay", spec["ngay"], parse_date, date(2000, 1, 1))
        refs.append((key, DocumentRef(number, issued)))
    return tuple(refs)


def _signatory(raw: Any, kind: UnitType, members: tuple[Member, ...],
               c: Collector) -> Signatory:
    authority = "T/M CHI BỘ" if kind is UnitType.CHI_BO_CO_SO else "T/M ĐẢNG ỦY"
    if isinstance(raw, dict):
        values = {}
        for key, default in (("quyen_han", authority), ("chuc_vu", "BÍ THƯ"), ("ho_ten", "")):
            value = raw.get(key, default)
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                c.add(UNIT_FILE, f"nguoi_ky.{key}", f"phải là một dòng chữ (tối đa {MAX_TEXT} "
                      "ký tự)")
                value = default
            values[key] = value
        return Signatory(upper(values["quyen_han"]), upper(values["chuc_vu"]),
                         nfc(values["ho_ten"]))
    if raw is not None:
        c.add(UNIT_FILE, "nguoi_ky", "phải là bảng quyen_han / chuc_vu / ho_ten")
    secretaries = [m for m in members if m.base_role is Role.SECRETARY]
    if len(secretaries) != 1:
        if members:
            c.add(UNIT_FILE, "nguoi_ky", "cần đúng một Bí thư trong cột «Cấp ủy» của "
                  "dang-vien, hoặc ghi rõ nguoi_ky")
        return Signatory(authority, "BÍ THƯ", "")
    return Signatory(authority, "BÍ THƯ", secretaries[0].name)


def _string_list(raw: dict[str, Any], key: str, c: Collector) -> list[str]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.add(UNIT_FILE, key, "phải là danh sách các dòng chữ")
        return []
    return [nfc(v.strip()) for v in value]


def _table(folder: Path, stem: str, columns: tuple[Column, ...], c: Collector,
           required: bool) -> tuple[str, list[Row]]:
    source, conflict = find_table(folder, stem, c.sheets)
    if conflict:
        c.add(stem, "", conflict)
        return stem, []
    if source is None:
        if required:
            c.add(f"{stem}.csv", "", f"thiếu bảng này (tệp CSV hoặc Excel, hoặc trang «{stem}» "
                  f"trong {WORKBOOK})")
        return f"{stem}.csv", []
    return source.label, read_table(source, columns, c.problems, notes=c.notes)


def _load_sub_units(folder: Path, kind: UnitType, c: Collector) -> tuple[SubUnit, ...]:
    required = kind is UnitType.DANG_BO_CO_SO
    file, rows = _table(folder, SUB_UNITS, SUB_UNIT_COLUMNS, c, required)
    if rows and not required:
        c.add(file, "", "chi bộ cơ sở không có tổ chức đảng trực thuộc; hãy xóa bảng này")
        return ()
    units = []
    for row in rows:
        where = f"dòng {row.line}"
        code = row.get("ma")
        if not code:
            c.add(file, where, "thiếu mã tổ chức")
        units.append(SubUnit(
            code=code,
            name=row.get("ten") or code,
            kind=c.parse(file, where, row.get("loai"), parse_sub_type,
                         SubUnitType.CHI_BO_TRUC_THUOC),
            founded=c.parse(file, where, row.get("ngay_thanh_lap"), parse_optional_date, None),
            has_committee=c.parse(file, where, row.get("co_cap_uy") or "có", parse_bool, True),
            source=Source(file, row.line),
            parent=row.get("thuoc") or None,
        ))
    _duplicates(file, [(u.code, u.source) for u in units], "mã tổ chức", c)
    _check_parents(file, units, c)
    if required and rows and len(units) < 1:
        c.add(file, "", "đảng bộ cơ sở phải có ít nhất một tổ chức đảng trực thuộc")
    return tuple(units)


def _check_parents(file: str, units: list[SubUnit], c: Collector) -> None:
    """A chi bộ may belong to a đảng bộ bộ phận of the same table; nothing deeper."""
    kinds = {u.code: u.kind for u in units}
    for u in units:
        if u.parent is None:
            continue
        where = u.source.where
        if u.is_section:
            c.add(file, where, f"«{u.code}» là đảng bộ bộ phận nên trực thuộc thẳng đảng ủy "
                  "cơ sở; hãy để trống cột Thuộc")
        elif u.parent not in kinds:
            c.add(file, where, f"cột Thuộc ghi «{u.parent}», không phải mã một tổ chức trong "
                  "bảng này")
        elif kinds[u.parent] is not SubUnitType.DANG_BO_BO_PHAN:
            c.add(file, where, f"cột Thuộc ghi «{u.parent}», nhưng tổ chức đó không phải đảng "
                  "bộ bộ phận")


def _duplicates(file: str, keyed: list[tuple[str, Source]], what: str, c: Collector) -> None:
    counts = Counter(key for key, _ in keyed if key)
    for key, source in keyed:
        if counts[key] > 1:
            c.add(file, source.where, f"{what} «{key}» bị trùng")


def _load_members(folder: Path, kind: UnitType, cells: set[str],
                  c: Collector) -> tuple[Member, ...]:
    file, rows = _table(folder, MEMBERS, MEMBER_COLUMNS, c, required=True)
    rows = _without_repeats(rows, file, c)
    members = [_member(row, file, kind, cells, c) for row in rows]
    _duplicates(file, [(m.code, m.source) for m in members], "mã đảng viên", c)
    _same_people(members, file, c)
    if not members and not any(p.file == file for p in c.problems):
        c.add(file, "", "chưa có đảng viên nào")
    return tuple(members)


def _without_repeats(rows: list[Row], file: str, c: Collector) -> list[Row]:
    """The rows, each row pasted again word for word said once and left out: it would
    otherwise be reported as a repeated code and a repeated person."""
    first_line: dict[tuple[tuple[str, str], ...], int] = {}
    kept = []
    for row in rows:
        values = tuple(sorted((k, fold(v)) for k, v in row.values if v))
        if values in first_line:
            c.add(file, f"dòng {row.line}", f"chép lại đúng dòng {first_line[values]}; xóa "
                  "một trong hai dòng")
            continue
        first_line[values] = row.line
        kept.append(row)
    return kept


def _same_people(members: list[Member], file: str, c: Collector) -> None:
    """Two rows of one name and one birth date are one person written twice, unless the
    birth date is missing (two people of one name)."""
    seen: dict[tuple[str, date | None], Member] = {}
    for m in members:
        first = seen.setdefault((fold(m.name), m.birth_date), m)
        if first is m:
            continue
        hint = ("ghi ngày sinh của từng người" if m.birth_date is None else
                "một người chỉ ghi một dòng; nếu là hai người khác nhau, kiểm tra ngày sinh")
        c.add(file, m.source.where, f"«{m.name}» trùng họ tên và ngày sinh với {first.code} "
              f"({first.source.where}): {hint}")


def _member(row: Row, file: str, kind: UnitType, cells: set[str], c: Collector) -> Member:
    where = f"dòng {row.line}"
    name = row.get("ho_ten")
    if not name:
        c.add(file, where, "thiếu họ và tên")
    if not row.get("ma"):
        c.add(file, where, "thiếu mã đảng viên")
    cell = row.get("chi_bo") or None
    if kind is UnitType.DANG_BO_CO_SO and cell not in cells:
        known = f"; các mã có: {', '.join(sorted(cells))}" if cells else ""
        c.add(file, where + ", cột Chi bộ", f"chi bộ «{cell or ''}» không có trong "
              f"{SUB_UNITS}{known}" if cell else "đảng bộ cơ sở: phải ghi mã chi bộ nơi đảng "
              f"viên sinh hoạt{known}")
    if kind is UnitType.CHI_BO_CO_SO and cell:
        c.add(file, where, "chi bộ cơ sở không có chi bộ trực thuộc; để trống cột «Chi bộ»")
        cell = None
    cell_role = c.parse(file, where + ", cột Cấp ủy chi bộ", row.get("cap_uy_chi_bo"),
                        parse_role, None)
    if cell_role and kind is UnitType.CHI_BO_CO_SO:
        c.add(file, where, "chi bộ cơ sở: dùng cột «Cấp ủy», không dùng «Cấp ủy chi bộ»")
    return Member(
        code=row.get("ma"),
        name=name,
        cell=cell,
        official=c.parse(file, where + ", cột Loại đảng viên", row.get("loai"),
                         parse_official, True),
        admitted=c.parse(file, where + ", cột Ngày vào Đảng", row.get("ngay_vao_dang"),
                         parse_date, date(1900, 1, 1)),
        post=row.get("chuc_vu"),
        base_role=c.parse(file, where + ", cột Cấp ủy", row.get("cap_uy"), parse_role, None),
        cell_role=cell_role,
        activity=c.parse(file, where, row.get("sinh_hoat"), parse_activity, Activity.ACTIVE),
        ccvc_rating=c.parse(file, where + ", cột Xếp loại CCVC", row.get("xep_loai_ccvc"),
                            parse_optional_level, None),
        sick_leave_months=c.parse(file, where, row.get("thang_nghi_om"), parse_months, 0.0),
        discipline=row.get("ky_luat"),
        discipline_self_remedied=c.parse(file, where, row.get("tu_khac_phuc"), parse_bool,
                                         False),
        residence=row.get("noi_cu_tru"),
        workplace=row.get("don_vi"),
        self_rating=c.parse(file, where + ", cột Tự xếp loại", row.get("tu_xep_loai"),
                            parse_optional_level, None),
        transferred_in=c.parse(file, where, row.get("chuyen_den"), parse_bool, False),
        birth_date=c.parse(file, where + ", cột Ngày sinh", row.get("ngay_sinh"),
                           parse_optional_date, None),
        source=Source(file, row.line),
        appointed=c.parse(file, where + ", cột Ngày giữ chức vụ", row.get("ngay_giu_chuc_vu"),
                          parse_optional_date, None),
        maternity_leave=c.parse(file, where + ", cột Nghỉ thai sản", row.get("thai_san"),
                                parse_bool, False),
    )


def _ballot(row: Row, file: str, c: Collector) -> Ballot:
    where = f"dòng {row.line}"
    votes = tuple(c.parse(file, f"{where}, cột {k}", row.get(k), parse_count, 0)
                  for k in ("HTXSNV", "HTTNV", "HTNV", "KHTNV"))
    count = BallotCount(
        votes=(votes[0], votes[1], votes[2], votes[3]),
        present=c.parse(file, f"{where}, cột Có mặt", row.get("co_mat"), parse_count, 0),
        total=c.parse(file, f"{where}, cột Tổng số", row.get("tong_so"), parse_count, 0),
    )
    impossible = count.impossibility()
    if impossible:
        c.add(file, where, f"số phiếu không hợp lý: {impossible}")
    decision = c.parse(file, f"{where}, cột Người đứng đầu quyết định", row.get("quyet_dinh"),
                       parse_optional_level, None)
    return Ballot(count, decision, Source(file, row.line))


def _load_person_ballots(folder: Path, members: tuple[Member, ...],
                         sub_units: tuple[SubUnit, ...], c: Collector, required: bool
                         ) -> tuple[PersonBallot, ...]:
    by_code = {m.code: m for m in members}
    cells = {s.code for s in sub_units}
    ballots: list[PersonBallot] = []
    for stem, committee in ((MEMBER_BALLOTS, False), (COMMITTEE_BALLOTS, True)):
        file, rows = _table(folder, stem, PERSON_BALLOT_COLUMNS, c,
                            required=required and not committee)
        seen: list[tuple[str, Source]] = []
        for row in rows:
            where = f"dòng {row.line}"
            member = by_code.get(row.get("ma"))
            if member is None:
                c.add(file, where, f"mã đảng viên «{row.get('ma')}» không có trong {MEMBERS}")
                continue
            if row.get("ho_ten") and fold(row.get("ho_ten")) != fold(member.name):
                c.add(file, where, f"họ tên «{row.get('ho_ten')}» không khớp với mã "
                      f"{member.code} («{member.name}») trong {MEMBERS}")
            body = _ballot_body(row, member, committee, cells, file, c)
            ballot = _ballot(row, file, c)
            ballots.append(PersonBallot(member.code, body, committee, ballot))
            seen.append((f"{member.code}@{body}", ballot.source))
        _duplicates(file, seen, "phiếu của đảng viên (mã@nơi bỏ phiếu)", c)
    return tuple(ballots)


def _ballot_body(row: Row, member: Member, committee: bool, cells: set[str], file: str,
                 c: Collector) -> str | None:
    where = f"dòng {row.line}"
    if not committee:
        return member.cell
    text = row.get("noi_bo_phieu")
    if fold(text) in BASE_BODY:
        if member.base_role is None:
            c.add(file, where, f"{member.name} không phải cấp ủy viên cơ sở (cột «Cấp ủy» "
                  f"trong {MEMBERS} để trống)")
        return None
    if text not in cells:
        c.add(file, where, f"nơi bỏ phiếu «{text}» không phải cấp ủy cơ sở hay một chi bộ "
              "trực thuộc")
        return None
    if member.cell != text or member.cell_role is None:
        c.add(file, where, f"{member.name} không phải cấp ủy viên của «{text}»")
    return text


def _load_collective_ballots(folder: Path, sub_units: tuple[SubUnit, ...],
                             c: Collector, required: bool) -> tuple[CollectiveBallot, ...]:
    file, rows = _table(folder, COLLECTIVE_BALLOTS, COLLECTIVE_BALLOT_COLUMNS, c,
                        required=required)
    cells = {s.code for s in sub_units}
    ballots = []
    seen: list[tuple[str, Source]] = []
    for row in rows:
        where = f"dòng {row.line}"
        unit_text = row.get("to_chuc")
        unit = None if fold(unit_text) in {"co so", "don vi", ""} else unit_text
        if unit is not None and unit not in cells:
            c.add(file, where, f"tổ chức «{unit_text}» không có; ghi «cơ sở» hoặc mã một tổ "
                  "chức trực thuộc")
        subject = c.parse(file, where, row.get("doi_tuong"), _subject, Subject.ORGANISATION)
        ballot = _ballot(row, file, c)
        ballots.append(CollectiveBallot(unit, subject, ballot))
        seen.append((f"{unit_text}/{subject.value}", ballot.source))
    _duplicates(file, seen, "phiếu tập thể", c)
    return tuple(ballots)


def _subject(text: str) -> Subject:
    key = fold(text)
    if key in {"to chuc", "to chuc dang", "chi bo", "dang bo"}:
        return Subject.ORGANISATION
    if key in {"cap uy", "tap the cap uy", "chi uy", "dang uy"}:
        return Subject.COMMITTEE
    raise ValueError(f"đối tượng «{text}» phải là «tổ chức» hoặc «cấp ủy»")


def _voters(members: tuple[Member, ...]) -> tuple[Member, ...]:
    return tuple(m for m in members if m.votes)


def _check_ballot_totals(kind: UnitType, members: tuple[Member, ...],
                         sub_units: tuple[SubUnit, ...],
                         person_ballots: tuple[PersonBallot, ...],
                         collective_ballots: tuple[CollectiveBallot, ...],
                         c: Collector) -> None:
    """The denominator of each ballot must be the voting body's number of full members.

    One message per voting body and file, listing the rows, who is counted and who is
    left out and why, rather than the same line once per row."""
    base = _voters(members)
    committee = tuple(m for m in base if m.base_role)
    wrong: dict[tuple[str, str], list[Ballot]] = {}
    bodies: dict[str, tuple[tuple[Member, ...], tuple[Member, ...]]] = {}

    def expect(ballot: Ballot, voters: tuple[Member, ...], pool: tuple[Member, ...],
               body: str) -> None:
        if voters and ballot.count.total != len(voters):
            wrong.setdefault((ballot.source.file, body), []).append(ballot)
            bodies[body] = (voters, pool)

    cells: dict[str | None, list[Member]] = {}  # by cell once: 3,000 ballots × members
    for m in members:
        cells.setdefault(m.cell, []).append(m)
    for pb in person_ballots:
        if pb.committee and pb.body is None:
            expect(pb.ballot, committee or base, members, "cấp ủy cơ sở")
        elif pb.committee:
            cell = tuple(cells.get(pb.body, ()))
            expect(pb.ballot, tuple(m for m in _voters(cell) if m.cell_role), cell,
                   f"chi ủy {pb.body}")
        elif kind is UnitType.CHI_BO_CO_SO:
            expect(pb.ballot, base, members, "chi bộ")
        else:
            cell = tuple(cells.get(pb.body, ()))
            expect(pb.ballot, _voters(cell), cell, f"chi bộ {pb.body}")
    for cb in collective_ballots:
        # Collectives are voted by the committee that decides on them (000 §II.B.1.5).
        if committee:
            body = "cấp ủy cơ sở" if cb.unit is None else "đảng ủy cơ sở"
            expect(cb.ballot, committee, members, body)
        elif cb.unit is None:
            expect(cb.ballot, base, members, "chi bộ")
    for (file, body), ballots in sorted(wrong.items()):
        voters, pool = bodies[body]
        lines = ", ".join(str(b.source.row) for b in ballots[:12])
        more = f" và {len(ballots) - 12} dòng khác" if len(ballots) > 12 else ""
        totals = sorted({b.count.total for b in ballots})
        c.add(file, f"dòng {lines}{more}", f"tổng số ({', '.join(map(str, totals))}) khác "
              f"số đảng viên chính thức của {body} ({len(voters)}) theo {MEMBERS}. "
              + _who_counts(voters, pool))


def _who_counts(voters: tuple[Member, ...], pool: tuple[Member, ...]) -> str:
    """Who is counted in a voting body, and who is left out and why."""
    left_out = []
    for m in pool:
        if m in voters:
            continue
        if not m.official:
            left_out.append(f"{m.code} (dự bị)")
        elif m.activity is Activity.EXEMPT:
            left_out.append(f"{m.code} (miễn sinh hoạt)")
        elif m.activity is Activity.SUSPENDED:
            left_out.append(f"{m.code} (đình chỉ sinh hoạt)")
    counted = ", ".join(m.code for m in voters[:20]) + ("…" if len(voters) > 20 else "")
    text = f"Được tính: {counted}."
    if left_out:
        text += f" Không tính: {', '.join(left_out[:20])}."
    return text


def _leaders(raw: dict[str, Any], members: tuple[Member, ...], c: Collector) -> tuple[str, ...]:
    codes = raw.get("ho_so_ca_nhan") or []
    if not isinstance(codes, list):
        c.add(UNIT_FILE, "ho_so_ca_nhan", "phải là danh sách mã đảng viên")
        return ()
    by_code = {m.code: m for m in members}
    found = []
    for index, code in enumerate(codes, start=1):
        member = by_code.get(str(code))
        if member is None:
            c.add(UNIT_FILE, f"ho_so_ca_nhan[{index}]",
                  f"«{code}» không phải đảng viên của đơn vị (không có trong {MEMBERS})")
        elif member.code in found:
            c.add(UNIT_FILE, f"ho_so_ca_nhan[{index}]", f"«{code}» bị ghi hai lần")
        else:
            found.append(member.code)
    return tuple(sorted(found, key=lambda code: protocol_key(by_code[code])))


def protocol_key(member: Member) -> tuple[int, str, str]:
    """Protocol order: bí thư, phó bí thư, then committee members, each group by name."""
    role = member.base_role.value if member.base_role else 9
    given = member.name.split()[-1] if member.name else ""
    return (role, fold(given), fold(member.name))
