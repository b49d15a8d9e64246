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

import re
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
class Heading:
    """One heading of a form's review text, as the form prints it."""

    text: str
    group: bool = False  # holds numbered points only: no lines to write on of its own
    hint: str = ""  # the form's own instruction, printed while the section is blank

    @property
    def number(self) -> str:
        """Its numbering (I, IV, 2 …), folded; empty when it has none."""
        return _numbering(self.text)[0]

    @property
    def words(self) -> frozenset[str]:
        return frozenset(_numbering(self.text)[1].split())


@dataclass(frozen=True)
class Catalogue:
    organisation: tuple[CriteriaGroup, ...]  # Mẫu 3
    committee: tuple[CriteriaGroup, ...]  # Mẫu 4
    member: tuple[CriteriaGroup, ...]  # Mẫu 6
    headings: tuple[tuple[str, tuple[Heading, ...]], ...]

    def sections(self, name: str) -> tuple[Heading, ...]:
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
    sections: tuple[Section, ...]  # each under the form's own heading text

    def section(self, heading: Heading | str) -> Section | None:
        """The text written under this heading of the form, if any."""
        text = heading.text if isinstance(heading, Heading) else heading
        return next((s for s in self.sections if s.heading == text), None)


# The heading sets of templates/mau/tieu-chi.yaml each narrative is written for, when the
# profile names none (Quy định 124, 132): the collective's report, a leader's and a
# member's review, the comments at the meeting.
LEGACY_HEADING_SETS = {"tap_the": "bao_cao_tap_the", "lanh_dao": "ban_kiem_diem_lanh_dao",
                       "dang_vien": "ban_kiem_diem_dang_vien", "y_kien": "tong_hop_y_kien"}
ROMAN = frozenset({"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"})
NUMBERING = re.compile(r"\s*([IVXivx]+|\d{1,2}|[a-eA-E])\s*(?:[.)/:\-–]\s*|$)"
                       r"|\s*([IVX]+)\s+(?=\w)")


@cache
def catalogue() -> Catalogue:
    data = yaml.safe_load((TEMPLATES / "tieu-chi.yaml").read_text(encoding="utf-8"))

    def groups(raw: list[dict[str, Any]]) -> tuple[CriteriaGroup, ...]:
        return tuple(CriteriaGroup(g["nhom"], bool(g.get("ket_qua")),
                                   tuple(Criterion(c["key"], c["text"]) for c in g["tieu_chi"]))
                     for g in raw)

    return Catalogue(groups(data["to_chuc"]), groups(data["cap_uy"]), groups(data["dang_vien"]),
                     tuple((k, tuple(_heading(h) for h in v))
                           for k, v in data["de_muc"].items()))


def _heading(raw: str | dict[str, Any]) -> Heading:
    if isinstance(raw, str):
        return Heading(raw)
    return Heading(raw["muc"], bool(raw.get("nhom")), raw.get("ghi_chu", ""))


def _numbering(text: str) -> tuple[str, str]:
    """A heading split into its numbering (I., 2., a) …), folded, and its folded words."""
    found = NUMBERING.match(text)
    number = found and (found.group(1) or found.group(2))
    if not found or not number or (number.isalpha() and len(number) > 1
                                   and fold(number) not in ROMAN):
        return "", fold(text)
    return fold(number), fold(text[found.end():])


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


def load_narratives(folder: Path, members: set[str], variants: dict[str, str],
                    heading_sets: dict[str, str], problems: list[Problem]
                    ) -> tuple[Narrative, ...]:
    """The review texts, each section under the heading of its form that it names.

    `variants` gives each member's form (lanh_dao, ca_nhan, ngoai_he_thong, dang_vien);
    `heading_sets` names the heading set of tieu-chi.yaml for each form and for the
    collective (tap_the) and the comments (y_kien)."""
    found: list[Narrative] = []
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
            variant = this_kind if person is None or this_kind == "y_kien" \
                else variants.get(person, "dang_vien")
            expected = catalogue().sections(heading_set(heading_sets, variant))
            sections = parse_markdown(path, label, expected, problems)
            found.append(Narrative(this_kind, person, sections))
    return tuple(found)


def heading_set(heading_sets: dict[str, str], variant: str) -> str:
    """The tieu-chi.yaml heading set of a form variant; a member's form falls back to the
    plain member's review when the profile has no set of its own for the variant."""
    if variant in heading_sets:
        return heading_sets[variant]
    fallback = "lanh_dao" if variant == "lanh_dao" else "dang_vien"
    return heading_sets.get(fallback, LEGACY_HEADING_SETS[fallback])


def parse_markdown(path: Path, label: str, expected: tuple[Heading, ...],
                   problems: list[Problem]) -> tuple[Section, ...]:
    """Each `#` line names the heading of the form its text goes under: by its words, with
    or without accents and numbering. A heading that names none, or more than one, or
    one named twice is a problem: text is never put under a heading it does not name."""
    if path.stat().st_size > MAX_TEXT_BYTES:
        problems.append(Problem(label, "", "tệp quá lớn (trên 512 KB)"))
        return ()
    try:
        text = nfc(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.append(Problem(label, "", "tệp không phải UTF-8"))
        return ()
    bodies: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        issue = text_problem(line)
        if issue:
            problems.append(Problem(label, f"dòng {number}", issue))
        if line.lstrip().startswith("#"):
            opened = _open_section(line.lstrip().lstrip("#"), expected, bodies,
                                   (label, f"dòng {number}"), problems)
            # the text under a refused heading is kept nowhere (a throwaway body)
            current = [] if opened is None else opened
        elif line.strip() and current is None:
            problems.append(Problem(label, f"dòng {number}", "văn bản phải bắt đầu bằng một "
                                    "dòng đề mục «## …» của mẫu"))
            current = []
        elif current is not None:
            current.append(line)
    return tuple(Section(h.text, _paragraphs(bodies[h.text])) for h in expected
                 if h.text in bodies)


def _open_section(written: str, expected: tuple[Heading, ...], bodies: dict[str, list[str]],
                  where: tuple[str, str], problems: list[Problem]) -> list[str] | None:
    """The body a heading line opens, or None (its text is then dropped) with a problem."""
    found = match_heading(written, expected)
    if isinstance(found, Heading):
        if found.text in bodies:
            problems.append(Problem(*where, f"đề mục «{found.text}» đã có ở trên; mỗi đề mục "
                                    "chỉ viết một lần"))
            return None
        bodies[found.text] = []
        return bodies[found.text]
    listed = "; ".join(f"«{h.text}»" for h in (found or expected))
    reason = "ứng với nhiều đề mục" if found else "không ứng với đề mục nào"
    problems.append(Problem(*where, f"đề mục «{written.strip()}» {reason} của mẫu; các đề mục "
                            f"{'có thể là' if found else 'của mẫu'}: {listed}"))
    return None


def match_heading(written: str, expected: tuple[Heading, ...]
                  ) -> Heading | tuple[Heading, ...]:
    """The heading a clerk's heading line names: every word of it is in that heading, and
    its numbering, if any, is that heading's. Else the candidates (none, or several)."""
    number, rest = _numbering(written)
    words = frozenset(rest.split())
    if not words and not number:
        return ()
    candidates = tuple(h for h in expected if words <= h.words
                       and (not number or number == h.number) and (words or number))
    if len(candidates) > 1:
        exact = tuple(h for h in candidates if h.words == words)
        candidates = exact or candidates
    return candidates[0] if len(candidates) == 1 else candidates


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
