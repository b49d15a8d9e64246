"""Turn a profile file (templates/mau/profiles/*.yaml) into a validated Profile record.

A profile holds what differs between issuing bodies and years: the checklist items with
their applicability, the form ids with their printed labels, the legal bases quoted in
decisions and the parameters of the classification rules (dossier.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import InputError, Problem, UsageError
from pipeline.paths import PROFILES

DEFAULT_PROFILE = "qd124"
SOURCES = {"generated", "attachment"}
CONDITIONS = {"someone_htxsnv"}


@dataclass(frozen=True)
class RuleParams:
    cap_ratio: float
    cap_base: str  # "httnv" | "httnv_or_above"
    small_group_size: int
    small_group_requires_all_httnv: bool
    sick_leave_months: float
    sick_leave_rule: str  # "cap_htnv" | "actual_time"
    min_months_to_classify: int


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

    def title_for(self, year: int) -> str:
        return self.title.format(year=year, next_year=year + 1)

    def missing_for(self, person: str | None = None) -> str:
        return self.missing.replace("{person}", person or "")


@dataclass(frozen=True)
class FormSpec:
    """A form made outside the checklist: for mau/ or as a handout (hoso prepare)."""

    form: str
    applies_to: tuple[str, ...]
    per: str | None  # None, "sub_unit", "cell" (voting body), "committee", "section"


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


def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Profile:
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILES / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(available_profiles())
        raise UsageError(f"không có hồ sơ mẫu (profile) «{name_or_path}»; có: {known}")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return _parse(data, path.name)


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
    if params.cap_base not in {"httnv", "httnv_or_above"}:
        problems.append(Problem(file, "rules.cap_base", "phải là httnv hoặc httnv_or_above"))
    if params.sick_leave_rule not in {"cap_htnv", "actual_time"}:
        problems.append(Problem(file, "rules.sick_leave_rule",
                                "phải là cap_htnv hoặc actual_time"))
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
    )


PER_VALUES = {None, "sub_unit", "cell", "committee", "section"}


def _spec(entry: Any, where: str, file: str, problems: list[Problem],
          forms: dict[str, Any]) -> FormSpec:
    if not isinstance(entry, dict) or entry.get("form") not in forms:
        problems.append(Problem(file, where, "cần «form» là một mẫu có trong forms"))
        return FormSpec("", (), None)
    if entry.get("per") not in PER_VALUES:
        problems.append(Problem(file, where + ".per",
                                "chỉ nhận sub_unit, cell, committee, section"))
    return FormSpec(str(entry["form"]), tuple(entry.get("applies_to", ())), entry.get("per"))


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
    )
