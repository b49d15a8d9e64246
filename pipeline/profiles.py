"""Turn a profile file (templates/mau/profiles/*.yaml) into a validated Profile record.

A profile holds what differs between issuing bodies and years: the checklist items with
their applicability, the form ids with their printed labels, the legal bases quoted in
decisions and the parameters of the classification rules (dossier.md §6).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.content import LEGACY_HEADING_SETS, catalogue
from pipeline.errors import InputError, Problem, UsageError
from pipeline.paths import PROFILES
from pipeline.scoring import ScoreParams

# The regime in force (Quy định 366-QĐ/TW, from 30/8/2025); a unit's year picks its own.
DEFAULT_PROFILE = "qd366"
SOURCES = {"generated", "attachment"}
CONDITIONS = {"someone_htxsnv", "someone_rerated"}
PROFILE_ID = r"[a-z0-9][a-z0-9-]{0,40}"


@dataclass(frozen=True)
class RuleParams:
    cap_ratio: float
    cap_base: str  # "httnv" | "httnv_or_above"
    small_group_size: int
    small_group_requires_all_httnv: bool
    sick_leave_months: float
    sick_leave_rule: str  # "cap_htnv" | "actual_time" | "actual_results"
    min_months_to_classify: int
    basis: str = "ballots"  # "ballots": the members' vote; "score": Điều 11 of QĐ 366
    score: ScoreParams = field(default_factory=ScoreParams)
    new_member: str = "not_classified"  # < 6 months: "not_classified" | "not_reviewed"
    cap_groups: str = "all"  # "all" | "by_kind": one cap group per role (lãnh đạo, …)
    cap_ratio_exception: float = 0.0  # the higher cap a competent level may allow (0.25)
    check_order: bool = False  # documents dated in the order of work (Điều 12)

    @property
    def scored(self) -> bool:
        return self.basis == "score"


@dataclass(frozen=True)
class ChecklistItem:
    section: str  # "organisation" | "personal"
    item: str
    title: str
    form: str | None
    sources: tuple[str, ...]
    applies_to: tuple[str, ...]  # unit types; empty = all
    only_if: str | None
    not_applicable: str
    personal_sets: bool
    sensitive: bool
    missing: str = ""  # what to provide, when the item is missing ({person}: member code)
    if_any: bool = False  # "nếu có": none given is not applicable (not_applicable says why)

    @property
    def declarable(self) -> bool:
        """A unit may say it has no such paper (khong_ap_dung): a scan, not a form it makes."""
        return self.section == "organisation" and "generated" not in self.sources

    def absent_reason(self, unit_type: str, someone_htxsnv: bool | None,
                      declared: dict[str, str]) -> str | None:
        """Why the item does not apply to this unit, or None. `someone_htxsnv` None: not
        known (a received manifest without counts), so an only_if item is not judged."""
        if self.applies_to and unit_type not in self.applies_to:
            return self.not_applicable
        if self.only_if == "someone_htxsnv" and someone_htxsnv is False:
            return self.not_applicable
        if self.declarable and self.item in declared:
            return declared[self.item]
        return None

    def title_for(self, year: int) -> str:
        return self.title.format(year=year, next_year=year + 1)

    def missing_for(self, person: str | None = None) -> str:
        return self.missing.replace("{person}", person or "")


Criteria = tuple[tuple[str, Decimal], ...]  # a province's sub-criteria with their points


@dataclass(frozen=True)
class Framework:
    """The criteria frame a form of Hướng dẫn 43 names (khung_tieu_chi, per kind)."""

    sentence: str = ""  # "Trên cơ sở cụ thể hoá khung tiêu chí … Phụ lục N …"
    subject: str = ""  # the subtitle of 2A / 2B / 2C: who the form is for
    general: Criteria = ()  # sub-criteria of the 30 points, when the province gives them
    results: Criteria = ()  # … of the 70 points


@dataclass(frozen=True)
class FormSpec:
    """A form made outside the checklist: for mau/ or as a handout (hoso prepare)."""

    form: str
    applies_to: tuple[str, ...]
    per: str | None  # None, "sub_unit", "cell" (voting body), "committee", "section",
    # "member" (one handout per reviewed member)
    joins: bool = False  # the form's `per: member` handouts one after another, as one file


@dataclass(frozen=True)
class Profile:
    id: str
    title: str
    regulation: str
    legal_bases: tuple[str, ...]
    rules: RuleParams
    labels: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    organisation: tuple[ChecklistItem, ...]
    personal: tuple[ChecklistItem, ...]
    other_forms: tuple[FormSpec, ...] = ()
    handouts: tuple[FormSpec, ...] = ()
    years: tuple[int, int] = (0, 0)  # review years the regime applies to, both included
    citations: tuple[tuple[str, str], ...] = ()  # rule id → the text a finding cites
    deadlines: tuple[tuple[str, tuple[int, int]], ...] = ()  # unit type → (day, month) due
    # form variant (tap_the, lanh_dao, ca_nhan, ngoai_he_thong, dang_vien, y_kien) → the
    # heading set of tieu-chi.yaml its review text is written under (de_muc)
    heading_sets: tuple[tuple[str, str], ...] = ()
    frameworks: tuple[tuple[str, Framework], ...] = ()  # kind (tap_the, lanh_dao …) → frame
    # rules the regime's texts leave open (diem_mo): a finding of theirs warns, never blocks
    open_rules: frozenset[str] = frozenset()
    toc_note: str = ""  # under the table of contents: what the order follows

    @property
    def contents_note(self) -> str:
        return self.toc_note or ("Hồ sơ của tổ chức cơ sở đảng đóng trước (mục 1 đến mục "
                                 "15), hồ sơ cá nhân đóng sau (mục 1 đến mục 4), theo "
                                 f"{self.title}.")

    def framework(self, kind: str) -> Framework:
        return dict(self.frameworks).get(kind, Framework())

    def deadline(self, unit_type: str, year: int) -> date | None:
        """The day a unit of this type hands its dossier to the level above (han_nop)."""
        found = dict(self.deadlines).get(unit_type)
        return date(year, found[1], found[0]) if found else None

    def headings(self) -> dict[str, str]:
        """The heading sets of the review texts: the profile's own over the legacy ones."""
        return {**LEGACY_HEADING_SETS, **dict(self.heading_sets)}

    def cite(self, rule: str, default: str) -> str:
        """The source a finding of `rule` cites: the profile's own, else the default."""
        return dict(self.citations).get(rule, default)

    @property
    def form_ids(self) -> frozenset[str]:
        return frozenset(form for form, _ in self.labels)

    def label(self, form: str, *variants: str) -> str:
        """The label printed on a form (Mẫu 8a …): the first variant the profile names
        (unit type, sub-unit type, lanh_dao …), else its default "*"."""
        by_variant = dict(dict(self.labels).get(form, ()))
        for variant in variants:
            if variant in by_variant:
                return by_variant[variant]
        return by_variant.get("*", "")


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILES.glob("*.yaml"))


def load_profile(name_or_path: str = DEFAULT_PROFILE, allow_path: bool = True) -> Profile:
    """A bundled profile by id, or (`allow_path`) a district's own profile file.

    A name read from a received file is data: `hoso check` passes allow_path=False, so
    only a bundled id is ever looked up, never a path.
    """
    path = Path(name_or_path)
    bundled = re.fullmatch(PROFILE_ID, name_or_path) is not None
    if bundled:
        path = PROFILES / f"{name_or_path}.yaml"
    if not (bundled or allow_path) or not path.is_file():
        known = ", ".join(available_profiles())
        raise UsageError(f"không có bộ quy định (profile) «{name_or_path}»; có: {known}")
    return _profile_of(path.read_text(encoding="utf-8"), path.name)


# Parsed once per text: a process that builds again (hoso build --theo-doi, the tests)
# reads the file again, but parses it again only if it changed (14 ms a build).
@lru_cache(maxsize=16)
def _profile_of(text: str, file: str) -> Profile:
    return _parse(yaml.safe_load(text), file)


def choose_profile(override: str | None, named: str | None, year: int | None) -> Profile:
    """The regime of a build: `--profile`, else the unit's quy_dinh, else its year."""
    if override:
        return load_profile(override)
    if named:
        return load_profile(named, allow_path=False)
    return load_profile(profile_for_year(year) if year else DEFAULT_PROFILE)


def profile_for_year(year: int) -> str:
    """The bundled regime whose years include `year` (2018–2022 qd132-2022, 2023–2024
    qd124, 2025 on qd366); the newest one for a year none names."""
    spans = []
    for name in available_profiles():
        first, last = load_profile(name).years
        spans.append((first, last, name))
        if first <= year <= last:
            return name
    return max(spans)[2] if spans else DEFAULT_PROFILE


def _years(raw: Any) -> tuple[int, int]:
    if isinstance(raw, dict):
        first, last = raw.get("from", 0), raw.get("to", 9999)
        if isinstance(first, int) and isinstance(last, int):
            return first, last
    return 0, 0


def _parse(data: Any, file: str) -> Profile:
    problems: list[Problem] = []

    def need(mapping: Any, key: str, kind: type, where: str) -> Any:
        value = mapping.get(key) if isinstance(mapping, dict) else None
        if not isinstance(value, kind):
            problems.append(Problem(file, where + key, f"thiếu hoặc sai kiểu ({kind.__name__})"))
            return kind()
        return value

    rules = need(data, "rules", dict, "")
    params = RuleParams(
        cap_ratio=float(need(rules, "cap_ratio", float, "rules.")),
        cap_base=str(need(rules, "cap_base", str, "rules.")),
        small_group_size=int(need(rules, "small_group_size", int, "rules.")),
        small_group_requires_all_httnv=bool(
            need(rules, "small_group_requires_all_httnv", bool, "rules.")),
        sick_leave_months=float(need(rules, "sick_leave_months", int, "rules.")),
        sick_leave_rule=str(need(rules, "sick_leave_rule", str, "rules.")),
        min_months_to_classify=int(need(rules, "min_months_to_classify", int, "rules.")),
    )
    params = _extend(params, rules, file, problems)
    if params.cap_base not in {"httnv", "httnv_or_above"}:
        problems.append(Problem(file, "rules.cap_base", "phải là httnv hoặc httnv_or_above"))
    if params.sick_leave_rule not in {"cap_htnv", "actual_time", "actual_results"}:
        problems.append(Problem(file, "rules.sick_leave_rule",
                                "phải là cap_htnv, actual_time hoặc actual_results"))
    labels = []
    for form, spec in sorted(need(data, "forms", dict, "").items()):
        label = spec.get("label", "") if isinstance(spec, dict) else ""
        by_type = label if isinstance(label, dict) else {"*": label}
        labels.append((form, tuple(sorted((str(k), str(v)) for k, v in by_type.items()))))
    checklist = need(data, "checklist", dict, "")
    sections = {}
    for section in ("organisation", "personal"):
        entries = need(checklist, section, list, "checklist.")
        sections[section] = tuple(
            _item(section, entry, f"checklist.{section}[{i}]", file, problems, dict(labels))
            for i, entry in enumerate(entries)
        )
    other_forms = tuple(_spec(e, f"other_forms[{i}]", file, problems, dict(labels))
                        for i, e in enumerate(data.get("other_forms") or []))
    handouts = tuple(_spec(e, f"handouts[{i}]", file, problems, dict(labels))
                     for i, e in enumerate(data.get("handouts") or []))
    per_member = {spec.form for spec in handouts if spec.per == "member"}
    problems.extend(Problem(file, f"handouts[{i}].joins", f"cần thêm mẫu «{spec.form}» "
                            "với per: member, là các bản được ghép")
                    for i, spec in enumerate(handouts)
                    if spec.joins and spec.form not in per_member)
    deadlines = _deadlines(data.get("han_nop"), file, problems)
    heading_sets = _heading_sets(data.get("de_muc"), file, problems)
    frameworks = _frameworks(data.get("khung_tieu_chi"), file, problems)
    open_rules = data.get("diem_mo") or []
    if not isinstance(open_rules, list) or not all(isinstance(r, str) for r in open_rules):
        problems.append(Problem(file, "diem_mo", "phải là danh sách mã quy tắc"))
        open_rules = []
    if problems:
        raise InputError(problems)
    return Profile(
        id=str(data["id"]),
        title=str(data.get("title", data["id"])),
        regulation=str(data.get("regulation", "")),
        legal_bases=tuple(str(x) for x in need(data, "legal_bases", list, "")),
        rules=params,
        labels=tuple(labels),
        organisation=sections["organisation"],
        personal=sections["personal"],
        other_forms=other_forms,
        handouts=handouts,
        years=_years(data.get("years")),
        citations=tuple(sorted((str(k), str(v)) for k, v in
                               (data.get("citations") or {}).items())),
        deadlines=deadlines,
        heading_sets=heading_sets,
        frameworks=frameworks,
        open_rules=frozenset(open_rules),
        toc_note=str(data.get("ghi_chu_muc_luc", "")),
    )


FRAME_KINDS = {"tap_the", "lanh_dao", "ca_nhan", "ngoai_he_thong"}
FRAME_GROUPS = (("tieu_chi_chung", 30), ("tieu_chi_ket_qua", 70))


def _frameworks(raw: Any, file: str, problems: list[Problem]
                ) -> tuple[tuple[str, Framework], ...]:
    """khung_tieu_chi: per kind, the sentence of part B, the subtitle and, when the
    province details them, the sub-criteria whose points add up to 30 and 70."""
    found = []
    for kind, spec in (raw or {}).items() if isinstance(raw, dict) else ():
        where = f"khung_tieu_chi.{kind}"
        if kind not in FRAME_KINDS or not isinstance(spec, dict):
            problems.append(Problem(file, where, "cần là tap_the, lanh_dao, ca_nhan hoặc "
                                    "ngoai_he_thong, mỗi mục một bảng (cau, doi_tuong …)"))
            continue
        groups = [_criteria(spec.get(key), maximum, f"{where}.{key}", file, problems)
                  for key, maximum in FRAME_GROUPS]
        found.append((str(kind), Framework(str(spec.get("cau", "")),
                                           str(spec.get("doi_tuong", "")), *groups)))
    return tuple(sorted(found))


def _criteria(raw: Any, maximum: int, where: str, file: str, problems: list[Problem]
              ) -> Criteria:
    if raw is None:
        return ()
    try:
        criteria = tuple((str(c["noi_dung"]), Decimal(str(c["diem"]))) for c in raw)
    except (TypeError, KeyError, ArithmeticError):
        problems.append(Problem(file, where, "mỗi tiêu chí cần noi_dung và diem (số)"))
        return ()
    if sum(points for _, points in criteria) != maximum:
        problems.append(Problem(file, where, f"tổng điểm các tiêu chí phải là {maximum}"))
    return criteria


HEADING_VARIANTS = {"tap_the", "lanh_dao", "ca_nhan", "ngoai_he_thong", "dang_vien", "y_kien"}


def _heading_sets(raw: Any, file: str, problems: list[Problem]) -> tuple[tuple[str, str], ...]:
    """de_muc: {tap_the: mau_01_hd43, …}, each a heading set that tieu-chi.yaml has."""
    known = dict(catalogue().headings)
    found = []
    for variant, name in (raw or {}).items() if isinstance(raw, dict) else ():
        if variant not in HEADING_VARIANTS:
            problems.append(Problem(file, f"de_muc.{variant}",
                                    f"chỉ nhận {', '.join(sorted(HEADING_VARIANTS))}"))
        elif name not in known:
            problems.append(Problem(file, f"de_muc.{variant}",
                                    f"tieu-chi.yaml không có bộ đề mục «{name}»"))
        else:
            found.append((str(variant), str(name)))
    return tuple(sorted(found))


def _deadlines(raw: Any, file: str, problems: list[Problem]
               ) -> tuple[tuple[str, tuple[int, int]], ...]:
    """han_nop: {chi_bo_co_so: 15/12, …} as (type, (day, month)), checked."""
    found: list[tuple[str, tuple[int, int]]] = []
    for kind, text in (raw or {}).items() if isinstance(raw, dict) else ():
        match = re.fullmatch(r"(\d{1,2})/(\d{1,2})", str(text).strip())
        try:
            if match is None:
                raise ValueError
            day, month = int(match.group(1)), int(match.group(2))
            date(2000, month, day)
        except ValueError:
            problems.append(Problem(file, f"han_nop.{kind}", "phải là ngày/tháng, ví dụ 15/12"))
            continue
        found.append((str(kind), (day, month)))
    return tuple(sorted(found))


CHOICES = {"basis": {"ballots", "score"}, "new_member": {"not_classified", "not_reviewed"},
           "cap_groups": {"all", "by_kind"}}


def _extend(params: RuleParams, rules: dict[str, Any], file: str,
            problems: list[Problem]) -> RuleParams:
    """The optional parameters added with Quy định 366; their defaults are qd124's."""
    for key, allowed in CHOICES.items():
        if key in rules and rules[key] not in allowed:
            problems.append(Problem(file, f"rules.{key}", f"chỉ nhận {sorted(allowed)}"))
    score = rules.get("score") or {}
    if not isinstance(score, dict):
        problems.append(Problem(file, "rules.score", "phải là bảng tham số"))
        score = {}
    known = ScoreParams.__dataclass_fields__
    for key in sorted(set(score) - set(known)):
        problems.append(Problem(file, f"rules.score.{key}", "tham số không có"))
    try:
        score_params = ScoreParams(**{k: Decimal(str(v)) for k, v in score.items()
                                      if k in known})
    except ArithmeticError:
        problems.append(Problem(file, "rules.score", "tham số phải là số"))
        score_params = ScoreParams()
    return RuleParams(
        **{k: getattr(params, k) for k in (
            "cap_ratio", "cap_base", "small_group_size", "small_group_requires_all_httnv",
            "sick_leave_months", "sick_leave_rule", "min_months_to_classify")},
        basis=str(rules.get("basis", "ballots")),
        score=score_params,
        new_member=str(rules.get("new_member", "not_classified")),
        cap_groups=str(rules.get("cap_groups", "all")),
        cap_ratio_exception=float(rules.get("cap_ratio_exception", 0.0)),
        check_order=bool(rules.get("check_order", False)),
    )


PER_VALUES = {None, "sub_unit", "cell", "committee", "section", "member"}


def _spec(entry: Any, where: str, file: str, problems: list[Problem],
          forms: dict[str, Any]) -> FormSpec:
    if not isinstance(entry, dict) or entry.get("form") not in forms:
        problems.append(Problem(file, where, "cần «form» là một mẫu có trong forms"))
        return FormSpec("", (), None)
    if entry.get("per") not in PER_VALUES:
        problems.append(Problem(file, where + ".per",
                                "chỉ nhận sub_unit, cell, committee, section, member"))
    joins = entry.get("joins")
    if joins not in (None, "member") or (joins and entry.get("per") is not None):
        problems.append(Problem(file, where + ".joins",
                                "chỉ nhận member, ở mẫu không có per (ghép các bản từng người)"))
    return FormSpec(str(entry["form"]), tuple(entry.get("applies_to", ())), entry.get("per"),
                    joins == "member")


def _item(section: str, entry: Any, where: str, file: str, problems: list[Problem],
          forms: dict[str, Any]) -> ChecklistItem:
    if not isinstance(entry, dict) or "item" not in entry or "title" not in entry:
        problems.append(Problem(file, where, "mỗi mục cần có item và title"))
        entry = {"item": "?", "title": "?"}
    sources = tuple(entry.get("sources", ["attachment"]))
    if not set(sources) <= SOURCES:
        problems.append(Problem(file, where + ".sources", f"chỉ nhận {sorted(SOURCES)}"))
    form = entry.get("form")
    if form is not None and form not in forms:
        problems.append(Problem(file, where + ".form", f"mẫu «{form}» không có trong forms"))
    if "generated" in sources and form is None:
        problems.append(Problem(file, where, "mục tự tạo (generated) cần có form"))
    only_if = entry.get("only_if")
    if only_if is not None and only_if not in CONDITIONS:
        problems.append(Problem(file, where + ".only_if", f"chỉ nhận {sorted(CONDITIONS)}"))
    return ChecklistItem(
        section=section,
        item=str(entry["item"]),
        title=str(entry["title"]),
        form=form,
        sources=sources,
        applies_to=tuple(entry.get("applies_to", ())),
        only_if=only_if,
        not_applicable=str(entry.get("not_applicable", "")),
        personal_sets=bool(entry.get("personal_sets", False)),
        sensitive=bool(entry.get("sensitive", False)),
        missing=str(entry.get("missing", "")),
        if_any=bool(entry.get("neu_co", False)),
    )
