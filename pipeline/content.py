"""Turn the criteria catalogue, `danh-gia.yaml` and the Markdown review texts into records.

- templates/mau/tieu-chi.yaml: the criteria of Mẫu 3 / 4 / 6 and the section headings of
  Mẫu 01, 2A/2B and the personal comment summary (data, not code);
- <unit>/danh-gia.yaml: the grade (Xuất sắc, Tốt, Trung bình, Kém) the organisation and its
  committee (and, in a đảng bộ, each chi bộ and chi ủy) gave themselves for each criterion;
- <unit>/kiem-diem/tap-the.md (Mẫu 01), kiem-diem/<Mã>.md (Mẫu 2A/2B) and
  y-kien/<Mã>.md (comments at the review meeting): one `## heading` per section, in the
  order of the form.
Problems are appended with their file and line; nothing is raised here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import Problem
from pipeline.levels import Level
from pipeline.paths import TEMPLATES
from pipeline.safeyaml import MAX_YAML_BYTES, load_untrusted, odd_keys
from pipeline.vntext import fold, nfc, text_problem

GRADES = ("Xuất sắc", "Tốt", "Trung bình", "Kém")
GRADES_FILE = "danh-gia.yaml"
REVIEWS_DIR = "kiem-diem"
COMMENTS_DIR = "y-kien"
MAX_TEXT_BYTES = 512 * 1024


@dataclass(frozen=True)
class Criterion:
    key: str
    text: str


@dataclass(frozen=True)
class CriteriaGroup:
    title: str
    key_result: bool
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Catalogue:
    organisation: tuple[CriteriaGroup, ...]  # Mẫu 3
    committee: tuple[CriteriaGroup, ...]  # Mẫu 4
    member: tuple[CriteriaGroup, ...]  # Mẫu 6
    headings: tuple[tuple[str, tuple[str, ...]], ...]

    def sections(self, name: str) -> tuple[str, ...]:
        return dict(self.headings)[name]

    def groups(self, kind: str) -> tuple[CriteriaGroup, ...]:
        return {"to_chuc": self.organisation, "cap_uy": self.committee,
                "dang_vien": self.member}[kind]


@dataclass(frozen=True)
class Grades:
    """Self-assessment of one organisation or committee: criterion key → grade."""

    kind: str  # "to_chuc" | "cap_uy"
    subject: str | None  # None: the base unit; else a sub-unit code
    grades: tuple[tuple[str, str], ...]

    def grade(self, key: str) -> str:
        return dict(self.grades).get(key, "")


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Narrative:
    kind: str  # "tap_the" | "ca_nhan" | "y_kien"
    person: str | None
    sections: tuple[Section, ...]


@cache
def catalogue() -> Catalogue:
    data = yaml.safe_load((TEMPLATES / "tieu-chi.yaml").read_text(encoding="utf-8"))

    def groups(raw: list[dict[str, Any]]) -> tuple[CriteriaGroup, ...]:
        return tuple(CriteriaGroup(g["nhom"], bool(g.get("ket_qua")),
                                   tuple(Criterion(c["key"], c["text"]) for c in g["tieu_chi"]))
                     for g in raw)

    return Catalogue(groups(data["to_chuc"]), groups(data["cap_uy"]), groups(data["dang_vien"]),
                     tuple((k, tuple(v)) for k, v in data["de_muc"].items()))


def parse_grade(text: str) -> str | None:
    key = fold(text)
    for grade in GRADES:
        if fold(grade) == key:
            return grade
    return None


def load_grades(folder: Path, sub_units: set[str], problems: list[Problem]) -> tuple[Grades, ...]:
    path = folder / GRADES_FILE
    if not path.is_file():
        return ()
    if path.stat().st_size > MAX_YAML_BYTES:
        problems.append(Problem(GRADES_FILE, "", "tệp quá lớn"))
        return ()
    try:
        data = load_untrusted(path.read_bytes().decode("utf-8-sig")) or {}
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
        problems.append(Problem(GRADES_FILE, "", "không đọc được (cần YAML, mã UTF-8, không "
                                "dùng bí danh & *)"))
        return ()
    if not isinstance(data, dict):
        problems.append(Problem(GRADES_FILE, "", "phải là bảng khóa: giá trị"))
        return ()
    if odd_keys(data):
        problems.extend(Problem(GRADES_FILE, where, message)
                        for where, message in odd_keys(data))
        return ()
    result: list[Grades] = []
    for key, value in data.items():
        if key in {"to_chuc", "cap_uy"}:
            result.append(_grades(key, None, value, str(key), problems))
        elif key in {"to_chuc_truc_thuoc", "cap_uy_truc_thuoc"} and isinstance(value, dict):
            kind = "to_chuc" if key == "to_chuc_truc_thuoc" else "cap_uy"
            for code, block in value.items():
                if str(code) not in sub_units:
                    problems.append(Problem(GRADES_FILE, f"{key}.{code}",
                                            "không phải mã một tổ chức trực thuộc"))
                    continue
                result.append(_grades(kind, str(code), block, f"{key}.{code}", problems))
        else:
            problems.append(Problem(GRADES_FILE, str(key), "khóa không có trong mẫu; dùng "
                                    "to_chuc, cap_uy, to_chuc_truc_thuoc, cap_uy_truc_thuoc"))
    return tuple(result)


def _grades(kind: str, subject: str | None, block: Any, where: str,
            problems: list[Problem]) -> Grades:
    known = {c.key for g in catalogue().groups(kind) for c in g.criteria}
    grades = []
    if not isinstance(block, dict):
        problems.append(Problem(GRADES_FILE, where, "phải là bảng tiêu chí: cấp độ"))
        block = {}
    for key, value in block.items():
        grade = parse_grade(str(value))
        if key not in known:
            problems.append(Problem(GRADES_FILE, f"{where}.{key}", "tiêu chí không có trong mẫu"))
        elif grade is None:
            problems.append(Problem(GRADES_FILE, f"{where}.{key}", f"cấp độ «{value}» phải là "
                                    "Xuất sắc, Tốt, Trung bình hoặc Kém"))
        else:
            grades.append((str(key), grade))
    for key in sorted(known - set(block)):
        problems.append(Problem(GRADES_FILE, where, f"thiếu tiêu chí «{key}»"))
    return Grades(kind, subject, tuple(grades))


def load_narratives(folder: Path, members: set[str], leaders: set[str],
                    problems: list[Problem]) -> tuple[Narrative, ...]:
    found: list[Narrative] = []
    headings = dict(catalogue().headings)
    for directory, kind in ((REVIEWS_DIR, "ca_nhan"), (COMMENTS_DIR, "y_kien")):
        base = folder / directory
        if not base.is_dir():
            continue
        for path in sorted(base.glob("*.md")):
            if path.stem == "HUONG-DAN":  # the scaffold's own explanation
                continue
            label = f"{directory}/{path.name}"
            person: str | None = path.stem
            this_kind = kind
            if kind == "ca_nhan" and path.stem == "tap-the":
                person, this_kind = None, "tap_the"
            elif path.stem not in members:
                problems.append(Problem(label, "", f"«{path.stem}» không phải mã một đảng viên"
                                        + (" (hoặc tap-the)" if kind == "ca_nhan" else "")))
                continue
            name = {"tap_the": "bao_cao_tap_the", "y_kien": "tong_hop_y_kien"}.get(
                this_kind, "ban_kiem_diem_lanh_dao" if person in leaders
                else "ban_kiem_diem_dang_vien")
            sections = parse_markdown(path, label, headings[name], problems)
            found.append(Narrative(this_kind, person, sections))
    return tuple(found)


def parse_markdown(path: Path, label: str, expected: tuple[str, ...],
                   problems: list[Problem]) -> tuple[Section, ...]:
    """Sections in the order of `expected`; each `#` line starts the next one."""
    if path.stat().st_size > MAX_TEXT_BYTES:
        problems.append(Problem(label, "", "tệp quá lớn (trên 512 KB)"))
        return ()
    try:
        text = nfc(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.append(Problem(label, "", "tệp không phải UTF-8"))
        return ()
    bodies: list[list[str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        issue = text_problem(line)
        if issue:
            problems.append(Problem(label, f"dòng {number}", issue))
        if line.lstrip().startswith("#"):
            bodies.append([])
            if len(bodies) > len(expected):
                problems.append(Problem(label, f"dòng {number}", f"mẫu chỉ có {len(expected)} "
                                        "đề mục; đề mục này thừa"))
        elif line.strip() and not bodies:
            problems.append(Problem(label, f"dòng {number}", "văn bản phải bắt đầu bằng một "
                                    "dòng đề mục «## …»"))
            bodies.append([])
        elif bodies:
            bodies[-1].append(line)
    return tuple(Section(heading, _paragraphs(body))
                 for heading, body in zip(expected, bodies, strict=False))


def _paragraphs(lines: list[str]) -> tuple[str, ...]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        stripped = line.strip()
        if not stripped or stripped.startswith(("- ", "+ ", "* ")):
            if current:
                paragraphs.append(" ".join(current))
            current = [stripped] if stripped else []
        else:
            current.append(stripped)
    return tuple(paragraphs)


def allowed_level(groups: tuple[CriteriaGroup, ...], grades: Grades) -> Level:
    """The highest level the grades allow (000 §II.B.1.3, §II.B.2.3, §II.B.3.3)."""
    rank = {grade: index for index, grade in enumerate(GRADES)}  # 0 = Xuất sắc

    def worst(key_result: bool) -> int:
        values = [rank.get(grades.grade(c.key), 3) for g in groups if g.key_result == key_result
                  for c in g.criteria]
        return max(values, default=0)

    key, rest = worst(True), worst(False)
    if key == 0 and rest <= 1:
        return Level.HTXSNV
    if key <= 1 and rest <= 2:
        return Level.HTTNV
    if key <= 2 and rest <= 2:
        return Level.HTNV
    return Level.KHTNV


def grade_counts(grades: Grades) -> dict[str, int]:
    values = dict(grades.grades).values()
    return {grade: sum(1 for v in values if v == grade) for grade in GRADES}
