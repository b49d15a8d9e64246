"""Turn a received dossier (bound PDF or unit folder) into a completeness report.

For a PDF it never takes the manifest's word alone: every item's pages are re-digested,
the outline, the page labels and the stamped numbers are read back, placeholder pages
are recognised by their text, and the group rules are recomputed from the counts the
manifest carries. A PDF without a manifest (re-saved by another program) is checked from
its outline, labels and page text, and the report says what could not be verified.
Files from outside are hostile until proven otherwise: size, page and time limits apply,
and the work runs in a child process that is killed when the time is up.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from pipeline.errors import HosoError, UnreadableDossierError
from pipeline.guard import TIMEOUT_SECONDS, run_guarded
from pipeline.levels import Level
from pipeline.pdfdigest import pages_digest
from pipeline.profiles import Profile, RuleParams, load_profile
from pipeline.rules import cap_violation, threshold_violation
from pipeline.signing import SignatureInfo, signatures

MAX_BYTES = 300 * 1024 * 1024
MAX_PAGES = 3000
MANIFEST_NAME = "ho-so.json"
PLACEHOLDER_MARK = "CÒN THIẾU"


@dataclass(frozen=True)
class ItemCheck:
    section: str
    item: str
    title: str
    status: str  # present | missing | not_applicable | absent (not in the dossier at all)
    person: str = ""
    first_page: int = 0
    last_page: int = 0
    problems: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"section": self.section, "item": self.item,
                                "title": self.title, "status": self.status}
        if self.person:
            data["person"] = self.person
        if self.first_page:
            data.update(first_page=self.first_page, last_page=self.last_page)
        data["problems"] = list(self.problems)
        return data


@dataclass(frozen=True)
class CheckReport:
    path: str
    kind: str  # "pdf" | "folder"
    unit: str
    profile: str
    pages: int
    has_manifest: bool
    items: tuple[ItemCheck, ...]
    problems: tuple[str, ...]  # problems of the whole file
    violations: tuple[str, ...]  # classification rules broken
    verified: tuple[str, ...]  # what this check could establish
    unverified: tuple[str, ...] = field(default=())
    signatures: tuple[SignatureInfo, ...] = field(default=())
    require_signature: bool = False

    @property
    def authentic(self) -> bool:
        """Signed by someone, and not a byte changed since (signing.SignatureInfo)."""
        return bool(self.signatures) and all(s.authentic for s in self.signatures)

    @property
    def signature_problems(self) -> list[str]:
        broken = [s.line() for s in self.signatures if not s.authentic]
        if self.require_signature and not self.signatures:
            broken.append("tệp không có chữ ký số, mà nơi nhận yêu cầu hồ sơ phải được ký "
                          "số (--bat-buoc-ky)")
        return broken

    @property
    def complete(self) -> bool:
        return (not self.problems and not self.violations and not self.unverified
                and not self.signature_problems
                and all(i.status in {"present", "not_applicable"} and not i.problems
                        for i in self.items))

    @property
    def exit_code(self) -> int:
        return 0 if self.complete else 1

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "kind": self.kind, "unit": self.unit, "profile": self.profile,
            "pages": self.pages, "manifest": self.has_manifest, "complete": self.complete,
            "items": [i.as_json() for i in self.items], "problems": list(self.problems),
            "violations": list(self.violations), "verified": list(self.verified),
            "unverified": list(self.unverified),
            "signatures": [{"signer": x.signer, "intact": x.intact, "whole_file": x.whole_file,
                            "trusted": x.trusted} for x in self.signatures],
            "authentic": self.authentic,
        }

    def lines(self) -> list[str]:
        head = f"Hồ sơ: {self.unit or '(không rõ đơn vị)'}"
        if self.kind == "pdf":
            head += f", {self.pages} trang"
            head += ", có bảng kê ho-so.json" if self.has_manifest else \
                ", KHÔNG có bảng kê ho-so.json"
        out = [head + (f" (bộ quy định {self.profile})" if self.profile else "") + "."]
        person = ""
        for item in self.items:
            if item.person and item.person != person:
                person = item.person
                out.append(f"Hồ sơ cá nhân: {person}")
            indent = "  " if item.person else ""
            out.append(f"{indent}({item.item}) {item.title}: {_state(item)}")
            out.extend(f"{indent}    - {p}" for p in item.problems)
        out.extend(f"Lỗi: {p}" for p in self.problems)
        out.extend(f"Vi phạm xếp loại: {v}" for v in self.violations)
        if self.verified:
            out.append("Đã kiểm tra: " + "; ".join(self.verified) + ".")
        if self.unverified:
            out.append("Không kiểm tra được: " + "; ".join(self.unverified) + ".")
        if self.kind == "pdf":
            out.extend(f"Chữ ký số: {s.line()}." for s in self.signatures)
            out.extend(f"Lỗi: {p}" for p in self.signature_problems
                       if not self.signatures)
        out.append(self._conclusion())
        return out

    def _conclusion(self) -> str:
        if not self.complete:
            return (f"Kết luận: CHƯA ĐỦ HOẶC CHƯA NHẤT QUÁN ({self._count()} việc cần xử "
                    "lý).")
        if self.kind != "pdf":
            return "Kết luận: HỒ SƠ ĐỦ, NHẤT QUÁN."
        if self.authentic:
            signers = ", ".join(s.signer for s in self.signatures)
            return f"Kết luận: HỒ SƠ ĐỦ, NHẤT QUÁN, CÓ CHỮ KÝ SỐ HỢP LỆ ({signers})."
        return ("Kết luận: HỒ SƠ ĐỦ, NHẤT QUÁN NỘI TẠI, CHƯA XÁC THỰC. Tệp không có chữ ký "
                "số: bảng kê khớp với các trang, nhưng ai sửa trang rồi lập lại bảng kê thì "
                "cũng khớp; không chứng minh được hồ sơ do đơn vị lập và chưa bị thay trang.")

    def _count(self) -> int:
        return (len(self.problems) + len(self.violations) + len(self.unverified)
                + len(self.signature_problems)
                + sum(1 for i in self.items if i.status in {"missing", "absent"} or i.problems))


def _state(item: ItemCheck) -> str:
    pages = (f"trang {item.first_page}" if item.first_page == item.last_page
             else f"trang {item.first_page}–{item.last_page}")
    return {
        "present": f"có, {pages}" if item.first_page else "có",
        "missing": f"CÒN THIẾU ({pages} là trang báo thiếu)" if item.first_page
        else "CÒN THIẾU",
        "not_applicable": "không áp dụng",
        "absent": "KHÔNG CÓ TRONG HỒ SƠ",
    }.get(item.status, item.status)


# --- entry points -------------------------------------------------------------------------


def check_path(path: Path, timeout: float = TIMEOUT_SECONDS,
               trust_roots: tuple[bytes, ...] = (), require_signature: bool = False
               ) -> CheckReport:
    """Check a received dossier PDF (or a unit folder). `trust_roots` are PEM/DER
    certificates the receiving office trusts; `require_signature` makes an unsigned or
    altered dossier incomplete."""
    if path.is_dir():
        return check_folder(path)
    if not path.is_file():
        raise UnreadableDossierError(f"{path}: không có tệp hoặc thư mục này")
    report = check_pdf_guarded(path, timeout, trust_roots)
    return replace(report, require_signature=require_signature)


def check_pdf_guarded(path: Path, timeout: float = TIMEOUT_SECONDS,
                      trust_roots: tuple[bytes, ...] = ()) -> CheckReport:
    """Run `check_pdf` in a child process with a time and memory limit (pipeline.guard)."""
    return run_guarded(check_pdf, path, trust_roots, name=path.name, timeout=timeout)


def open_pdf(path: Path) -> tuple[PdfReader, bytes]:
    """Open an untrusted PDF within the limits (reader and bytes), or raise
    UnreadableDossierError."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UnreadableDossierError(f"{path.name}: tệp quá lớn ({size // 2**20} MB > "
                                     f"{MAX_BYTES // 2**20} MB)")
    data = path.read_bytes()
    if b"%PDF-" not in data[:1024]:
        raise UnreadableDossierError(f"{path.name}: không phải tệp PDF")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise UnreadableDossierError(f"{path.name}: PDF có mật khẩu, không kiểm tra "
                                             "được; hãy gửi bản không đặt mật khẩu")
            count = len(reader.pages)
        except UnreadableDossierError:
            raise
        except Exception:
            raise UnreadableDossierError(f"{path.name}: PDF bị hỏng hoặc bị cắt cụt, không "
                                         "đọc được") from None
    if count == 0:
        raise UnreadableDossierError(f"{path.name}: PDF không có trang nào")
    if count > MAX_PAGES:
        raise UnreadableDossierError(f"{path.name}: quá nhiều trang ({count} > {MAX_PAGES})")
    return reader, data


# --- the PDF --------------------------------------------------------------------------------


def check_pdf(path: Path, trust_roots: tuple[bytes, ...] = ()) -> CheckReport:
    reader, data = open_pdf(path)
    manifest, manifest_problem = read_manifest(reader)
    labels = _labels(reader)
    stamps = stamped_numbers(data)
    outline = read_outline(reader)
    problems = _numbering_problems(labels, stamps)
    if manifest is None:
        report = _without_manifest(path, reader, outline, problems, manifest_problem)
    else:
        report = _with_manifest(path, reader, manifest, outline, problems)
    return replace(report, signatures=tuple(signatures(data, trust_roots)))


def read_manifest(reader: PdfReader) -> tuple[dict[str, Any] | None, str]:
    try:
        files = reader.attachments
        data = files.get(MANIFEST_NAME)
    except Exception:
        return None, "không đọc được tệp đính kèm của PDF"
    if not data:
        return None, ""
    try:
        manifest = json.loads(data[0])
    except (ValueError, UnicodeDecodeError):
        return None, "bảng kê ho-so.json đính kèm bị hỏng (không phải JSON)"
    if not isinstance(manifest, dict) or manifest.get("format") != 1 \
            or not isinstance(manifest.get("items"), list):
        return None, "bảng kê ho-so.json không đúng định dạng 1"
    return manifest, ""


def _labels(reader: PdfReader) -> list[str]:
    try:
        return list(reader.page_labels)
    except Exception:
        return [str(i + 1) for i in range(len(reader.pages))]


def stamped_numbers(data: bytes) -> list[str]:
    """The text in the top-centre band of every page, where the number is stamped."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        numbers = []
        for page in document:
            width, height = page.get_size()
            text = page.get_textpage().get_text_bounded(
                left=width / 2 - 45, bottom=height - 17 / 25.4 * 72, right=width / 2 + 45,
                top=height)
            numbers.append(text.strip())
        return numbers
    finally:
        document.close()


def _numbering_problems(labels: list[str], stamps: list[str]) -> list[str]:
    problems = []
    wrong_labels = [i + 1 for i, label in enumerate(labels[1:], start=1) if label != str(i + 1)]
    if wrong_labels:
        problems.append(f"nhãn trang (page label) không khớp số trang thật ở trang "
                        f"{_ranges(wrong_labels)}")
    wrong_stamps = [i + 1 for i, s in enumerate(stamps[1:], start=1) if s != str(i + 1)]
    if wrong_stamps:
        problems.append(f"số trang đóng dấu không đúng ở trang {_ranges(wrong_stamps)}")
    return problems


def _ranges(pages: list[int]) -> str:
    """`3, 5–9, 12`: consecutive pages folded into spans (at most eight shown)."""
    spans: list[list[int]] = []
    for page in pages:
        if spans and page == spans[-1][1] + 1:
            spans[-1][1] = page
        else:
            spans.append([page, page])
    text = [str(a) if a == b else f"{a}–{b}" for a, b in spans]
    return ", ".join(text[:8]) + (" …" if len(text) > 8 else "")


@dataclass(frozen=True)
class OutlineEntry:
    depth: int
    title: str
    page: int  # 1-based


def read_outline(reader: PdfReader) -> list[OutlineEntry]:
    entries: list[OutlineEntry] = []

    def walk(items: Any, depth: int) -> None:
        for entry in items:
            if isinstance(entry, list):
                walk(entry, depth + 1)
                continue
            try:
                index = reader.get_destination_page_number(entry)
                page = index + 1 if index is not None else 0
            except Exception:
                page = 0
            entries.append(OutlineEntry(depth, str(entry.title), page))

    try:
        walk(reader.outline, 0)
    except Exception:
        return []
    return entries


def _item_number(title: str) -> str | None:
    match = re.match(r"^\((\d+)\)", title)
    return match.group(1) if match else None


def _page_text(reader: PdfReader, page: int) -> str:
    try:
        return reader.pages[page - 1].extract_text() or ""
    except Exception:
        return ""


def _with_manifest(path: Path, reader: PdfReader, manifest: dict[str, Any],
                   outline: list[OutlineEntry], problems: list[str]) -> CheckReport:
    pages = len(reader.pages)
    unit = manifest.get("unit") or {}
    unit_type = str(unit.get("type", ""))
    profile_id = str(manifest.get("profile", ""))
    try:
        # A name read from a received file is data: a bundled id, never a path.
        profile: Profile | None = load_profile(profile_id, allow_path=False)
    except HosoError:
        profile = None
        problems.append(f"bộ quy định «{profile_id}» trong bảng kê không có trong hoso")
    if manifest.get("pages") != pages:
        problems.append(f"bảng kê ghi {manifest.get('pages')} trang, tệp có {pages} trang")
    entries = [e for e in manifest["items"] if isinstance(e, dict)]
    items = [_check_entry(reader, e, pages) for e in entries]
    problems.extend(_coverage_problems(entries, pages))
    problems.extend(_outline_problems(entries, outline))
    if profile is not None:
        items = _against_checklist(items, entries, profile, unit_type, manifest)
    violations = _violations(manifest, profile, unit_type)
    return CheckReport(
        path=str(path), kind="pdf", unit=f"{unit.get('name', '')} năm {unit.get('year', '')}",
        profile=profile_id, pages=pages, has_manifest=True, items=tuple(items),
        problems=tuple(problems), violations=tuple(violations),
        verified=("từng mục có mặt và đúng thứ tự theo danh mục của bộ quy định",
                  "mã sha256 của từng mục khớp với các trang",
                  "dấu trang (outline), nhãn trang và số trang đóng dấu",
                  "trang báo thiếu của các mục còn thiếu",
                  "quy tắc 20% và ngưỡng xếp loại tổ chức tính lại từ số liệu"))


def _check_entry(reader: PdfReader, entry: dict[str, Any], pages: int) -> ItemCheck:
    status = str(entry.get("status", ""))
    first, last = int(entry.get("first_page") or 0), int(entry.get("last_page") or 0)
    check = ItemCheck(str(entry.get("section", "")), str(entry.get("item", "")),
                      str(entry.get("title", "")), status, str(entry.get("person", "")),
                      first, last)
    item_problems: list[str] = []
    if status in {"present", "missing"}:
        if not 1 <= first <= last <= pages:
            item_problems.append(f"trang {first}–{last} không có trong tệp")
        else:
            actual = pages_digest(reader.pages[first - 1:last])
            if actual != entry.get("sha256"):
                item_problems.append("nội dung các trang đã bị thay đổi, thay thế, xóa trắng "
                                     "hoặc đảo thứ tự so với lúc lập hồ sơ (mã sha256 khác)")
            placeholder = PLACEHOLDER_MARK in _page_text(reader, first)
            if status == "missing" and not placeholder:
                item_problems.append("bảng kê ghi còn thiếu nhưng trang này không phải trang "
                                     "báo thiếu")
            if status == "present" and placeholder and last == first:
                item_problems.append("bảng kê ghi có nhưng trang là trang báo thiếu")
    elif status != "not_applicable":
        item_problems.append(f"trạng thái «{status}» không hợp lệ")
    return ItemCheck(**{**check.__dict__, "problems": tuple(item_problems)})


def _coverage_problems(entries: list[dict[str, Any]], pages: int) -> list[str]:
    spans = sorted((int(e["first_page"]), int(e["last_page"])) for e in entries
                   if e.get("first_page") and e.get("last_page"))
    if not spans:
        return ["bảng kê không ghi trang nào cho các mục"]
    problems = []
    for (_, a_last), (b_first, _) in itertools.pairwise(spans):
        if b_first <= a_last:
            problems.append(f"hai mục dùng chung trang {b_first}")
        elif b_first > a_last + 1:
            problems.append(f"trang {a_last + 1}–{b_first - 1} không thuộc mục nào")
    if spans[-1][1] < pages:
        problems.append(f"trang {spans[-1][1] + 1}–{pages} không thuộc mục nào (bị thêm vào?)")
    return problems


def _outline_problems(entries: list[dict[str, Any]], outline: list[OutlineEntry]) -> list[str]:
    if not outline:
        return ["PDF không có dấu trang (outline)"]
    problems = []
    top = {(_item_number(o.title) or ""): o for o in outline if o.depth == 0}
    for entry in entries:
        if entry.get("section") != "organisation" or not entry.get("first_page"):
            continue
        found = top.get(str(entry.get("item")))
        if found is None:
            problems.append(f"dấu trang không có mục ({entry.get('item')})")
        elif found.page != entry["first_page"]:
            problems.append(f"dấu trang mục ({entry.get('item')}) trỏ tới trang {found.page}, "
                            f"mục bắt đầu ở trang {entry['first_page']}")
    persons = [o for o in outline if o.depth == 1]
    expected = {str(e.get("person")) for e in entries if e.get("section") == "personal"}
    if {o.title for o in persons} != expected:
        problems.append("dấu trang hồ sơ cá nhân dưới mục (14) không khớp danh sách cán bộ")
    return problems


def _against_checklist(items: list[ItemCheck], entries: list[dict[str, Any]],
                       profile: Profile, unit_type: str, manifest: dict[str, Any]
                       ) -> list[ItemCheck]:
    """Every checklist item of the profile must be there, in order, with the right status."""
    organisation = [i for i in items if i.section == "organisation"]
    by_item = {i.item: i for i in organisation}
    excellent = _group_levels(manifest, "members").get("HTXSNV", 0)
    result: list[ItemCheck] = []
    for expected in profile.organisation:
        title = expected.title_for(int((manifest.get("unit") or {}).get("year") or 0))
        found = by_item.get(expected.item)
        known = "ratings" in manifest  # without counts, do not second-guess only_if items
        applies = expected.absent_reason(unit_type, excellent > 0 if known else None,
                                         {}) is None
        if found is None:
            result.append(ItemCheck("organisation", expected.item, title,
                                    "absent" if applies else "not_applicable"))
            continue
        extra: list[str] = []
        # a paper the unit may not have ("nếu có", khong_ap_dung) is taken as sent: with
        # the reason the manifest gives
        optional = expected.if_any or expected.declarable
        if applies and found.status == "not_applicable" and not optional:
            extra.append("mục này bắt buộc với loại tổ chức này, không được ghi không áp dụng")
        if not applies and found.status != "not_applicable":
            extra.append("mục này không áp dụng cho loại tổ chức này")
        result.append(ItemCheck(**{**found.__dict__, "problems": (*found.problems, *extra)}))
    order = [i.item for i in organisation]
    expected_order = [e.item for e in profile.organisation if e.item in order]
    if order != expected_order:
        result.append(ItemCheck("organisation", "?", "Thứ tự các mục", "present",
                                problems=("các mục không theo thứ tự (1)–(15)",)))
    personal = [i for i in items if i.section == "personal"]
    wanted = [p.item for p in profile.personal]
    people: dict[str, list[str]] = {}
    for item in personal:
        people.setdefault(item.person, []).append(item.item)
    for person, numbers in people.items():
        if numbers != wanted:
            personal.append(ItemCheck("personal", "?", "Hồ sơ cá nhân", "absent", person,
                                      problems=(f"cần đủ các mục {', '.join(wanted)} theo thứ "
                                                "tự",)))
    return result + personal


def _group_levels(manifest: dict[str, Any], name: str) -> dict[str, int]:
    for group in (manifest.get("ratings") or {}).get("groups") or []:
        if isinstance(group, dict) and group.get("group") == name:
            levels = group.get("levels") or {}
            return {str(k): int(v) for k, v in levels.items() if isinstance(v, int)}
    return {}


def _cap_rules(manifest: dict[str, Any], profile: Profile) -> RuleParams:
    """The profile's rules with the cap the dossier claims, within what the regime allows
    (a claimed 25 % stands only where the profile has that exception)."""
    claimed = manifest["ratings"].get("cap_ratio")
    rules = profile.rules
    ceiling = max(rules.cap_ratio, rules.cap_ratio_exception)
    if isinstance(claimed, int | float) and not isinstance(claimed, bool) \
            and 0 < claimed <= ceiling + 1e-9:
        return replace(rules, cap_ratio=float(claimed))
    return rules


def _violations(manifest: dict[str, Any], profile: Profile | None, unit_type: str
                ) -> list[str]:
    out = [f"{f.get('subject')}: {f.get('message')} ({f.get('source')})"
           for f in manifest.get("findings") or []
           if isinstance(f, dict) and f.get("severity") == "error"]
    if profile is None or "ratings" not in manifest:
        return out
    listed = {f.get("rule") for f in manifest.get("findings") or [] if isinstance(f, dict)}
    rules = _cap_rules(manifest, profile)
    for group in (manifest["ratings"].get("groups") or []):
        if not isinstance(group, dict) or group.get("cap") is False:
            continue
        levels = _group_levels(manifest, str(group.get("group")))
        below = levels.get("HTNV", 0) + levels.get("KHTNV", 0)
        reason = cap_violation(levels.get("HTXSNV", 0), levels.get("HTTNV", 0), below, rules)
        if reason and not listed & {"gioi-han-20", "nhom-duoi-5"}:
            out.append(f"{group.get('group')}: {reason} (tính lại; bảng kê không ghi vi phạm này)")
    organisation = Level.parse(str(manifest["ratings"].get("organisation") or ""))
    constituent = "members" if unit_type == "chi_bo_co_so" else "sub_units"
    levels = _group_levels(manifest, constituent)
    flat = [lv for lv in Level for _ in range(levels.get(lv.name, 0))]
    if organisation is not None:
        reason = threshold_violation(organisation, flat, "thành phần")
        if reason and "nguong-to-chuc" not in listed:
            out.append(f"tổ chức: {reason} (tính lại; bảng kê không ghi vi phạm này)")
    return out


# --- no manifest ------------------------------------------------------------------------------


def _without_manifest(path: Path, reader: PdfReader, outline: list[OutlineEntry],
                      problems: list[str], manifest_problem: str) -> CheckReport:
    pages = len(reader.pages)
    profile = load_profile()
    top = [o for o in outline if o.depth == 0]
    by_item = {(_item_number(o.title) or ""): o for o in top}
    items = []
    for expected in profile.organisation:
        entry = by_item.get(expected.item)
        title = expected.title
        if entry is None:
            items.append(ItemCheck("organisation", expected.item, title, "absent"))
        elif "không áp dụng" in entry.title:
            items.append(ItemCheck("organisation", expected.item, entry.title, "not_applicable"))
        else:
            placeholder = PLACEHOLDER_MARK in _page_text(reader, entry.page)
            items.append(ItemCheck("organisation", expected.item, entry.title,
                                   "missing" if placeholder else "present",
                                   first_page=entry.page, last_page=entry.page))
    if [(_item_number(o.title)) for o in top] != [i.item for i in items if i.status != "absent"]:
        problems.append("các mục trong dấu trang không theo thứ tự (1)–(15)")
    unverified = ["mã sha256 của từng mục (trang bị thay, xóa trắng hay đảo thứ tự)",
                  "kết quả xếp loại và các vi phạm"]
    if not outline:
        unverified.append("các mục (PDF không có dấu trang)")
    note = manifest_problem or ("không có bảng kê ho-so.json (có thể tệp đã được lưu lại bằng "
                                "chương trình khác); hãy đề nghị đơn vị gửi tệp gốc do hoso lập")
    return CheckReport(
        path=str(path), kind="pdf", unit="", profile="", pages=pages, has_manifest=False,
        items=tuple(items), problems=(note, *problems), violations=(),
        verified=("các mục theo dấu trang (outline) và trang báo thiếu",
                  "nhãn trang và số trang đóng dấu"),
        unverified=tuple(unverified))


# --- a unit folder ------------------------------------------------------------------------------


def check_folder(folder: Path) -> CheckReport:
    """What a build of this folder would contain, without rendering anything."""
    from pipeline.assemble import Status, plan_parts
    from pipeline.dossier import load_for, plan_forms, rendered_keys, unit_profile
    from pipeline.rules import assess

    profile = unit_profile(folder, None)
    unit = load_for(folder, profile)
    assessment = assess(unit, profile)
    generated = rendered_keys(plan_forms(unit, profile, assessment))
    items = []
    for part in plan_parts(unit, profile, assessment, generated):
        status = part.status.value
        problems = (part.reason,) if part.status is Status.MISSING else ()
        items.append(ItemCheck(part.section, part.item, part.title, status, part.person_name,
                               problems=problems))
    return CheckReport(
        path=str(folder), kind="folder", unit=f"{unit.name} năm {unit.year}",
        profile=profile.id, pages=0, has_manifest=False, items=tuple(items), problems=(),
        violations=tuple(f.line() for f in assessment.errors),
        verified=("dữ liệu đầu vào hợp lệ", "đủ tài liệu cho từng mục",
                  "các quy tắc xếp loại"))
