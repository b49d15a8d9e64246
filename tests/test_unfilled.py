"""Nothing silently wrong: a printed field still holding a template's placeholder ("…") makes
the build incomplete, naming the field; `hoso init` writes no sample document numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.dossier import validate
from pipeline.model import UnitType
from pipeline.scaffold import init_unit
from tests.conftest import QD366

Copy = Callable[[Path], Path]


def with_placeholders(folder: Path) -> None:
    path = folder / "don-vi.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("cap_tren: Đảng bộ Ủy ban nhân dân thành phố Huế",
                        "cap_tren: Đảng bộ …")
    text = text.replace("dia_danh: Thành phố Huế", "dia_danh: …")
    assert text.count("…") >= 2
    path.write_text(text, encoding="utf-8")


def test_a_placeholder_makes_the_build_incomplete_naming_the_field(
        unit_copy: Copy, tmp_path: Path) -> None:
    unit = unit_copy(QD366)
    with_placeholders(unit)
    result = CliRunner().invoke(main, ["build", str(unit), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    report = (tmp_path / "out" / "bao-cao.txt").read_text(encoding="utf-8")
    assert "[CHƯA ĐIỀN] don-vi.yaml, khóa cap_tren: «Đảng bộ …»" in report
    assert "[CHƯA ĐIỀN] don-vi.yaml, khóa dia_danh: «…»" in report
    assert "Hồ sơ đầy đủ" not in report and "2 chỗ chưa điền" in report
    assert "cap_tren" in result.output


def test_names_with_dots_inside_words_are_not_placeholders(unit_copy: Copy) -> None:
    """The filled sample has none; nor has a real name with an abbreviation's dot."""
    unit = unit_copy(QD366)
    assert validate(unit).unfilled == ()
    path = unit / "don-vi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "dia_danh: Thành phố Huế", "dia_danh: TP. Huế"), encoding="utf-8")
    assert validate(unit).unfilled == ()


def test_the_web_check_lists_the_fields(unit_copy: Copy) -> None:
    unit = unit_copy(QD366)
    with_placeholders(unit)
    found = validate(unit)
    assert [(u.key, u.value) for u in found.unfilled] == [("cap_tren", "Đảng bộ …"),
                                                         ("dia_danh", "…")]


def test_init_writes_no_sample_document_numbers(tmp_path: Path) -> None:
    for kind in UnitType:
        folder = tmp_path / kind.value
        init_unit(folder, kind, 2026, "qd366", csv_files=True)
        raw = yaml.safe_load((folder / "don-vi.yaml").read_text(encoding="utf-8"))
        assert not raw.get("van_ban"), raw.get("van_ban")
        assert raw["cap_tren"] == "Đảng bộ …"  # a placeholder, which the build then names
