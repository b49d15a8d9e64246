"""Quy định 366 as the dossier and the rules apply it: Điều 17's papers, what a unit does not
have, the draft minutes, and the open points that warn (docs/quy-dinh-366.md)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from pipeline.check import check_pdf
from pipeline.dossier import BuildResult, build
from pipeline.errors import InputError
from pipeline.levels import Level
from pipeline.paths import DEFAULT_SAMPLE
from pipeline.profiles import load_profile
from pipeline.rules import Severity, assess
from tests.factory import member
from tests.test_qd366 import scored_unit

QD366 = load_profile("qd366")
QD124 = load_profile("qd124")
LOCAL = re.compile(r"Kế hoạch 41|Huyện ủy|Sở Giáo dục|01-HD/BTCHU|2022|2023")


def words(text: str) -> str:
    return " ".join(text.split())


def statuses(result: BuildResult) -> dict[str, tuple[str, str]]:
    manifest = json.loads((result.out / "ho-so.json").read_text(encoding="utf-8"))
    return {i["item"]: (i["status"], i.get("reason") or "") for i in manifest["items"]
            if i["section"] == "organisation"}


def add_yaml(folder: Path, text: str) -> None:
    path = folder / "don-vi.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# --- the dossier -------------------------------------------------------------------------


def test_the_sample_covers_dieu_17(built_qd366: BuildResult) -> None:
    found = statuses(built_qd366)
    assert found["16"][0] == "present"  # the draft minutes, made by hoso
    for item in ("17", "18"):  # made by the superior after receipt
        assert found[item][0] == "not_applicable" and "bổ sung khi có" in found[item][1]
    for item in ("19", "20", "21"):  # "nếu có"
        assert found[item][0] == "not_applicable" and found[item][1].startswith("không có")
    assert built_qd366.complete
    pages = PdfReader(built_qd366.out / "ho-so.pdf").pages
    toc = words(" ".join(pages[i].extract_text() for i in (1, 2)))
    assert "Danh mục mặc định của hoso" in toc and "theo Quy định 366" not in toc


@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
def test_draft_minutes_carry_the_meeting(built_qd366: BuildResult, suffix: str) -> None:
    path = built_qd366.out / "mau" / f"muc-16-bien-ban-hoi-nghi{suffix}"
    text = words("\n".join(p.extract_text() for p in PdfReader(path).pages) if suffix == ".pdf"
                 else " ".join(p.text for p in Document(str(path)).paragraphs))
    assert "BIÊN BẢN hội nghị kiểm điểm, đánh giá, xếp loại chất lượng năm 2025" in text
    assert "ngày 10 tháng 12 năm 2025, tại Hội trường Trung tâm" in text
    assert "Thư ký hội nghị: đồng chí Nguyễn Quốc Huy" in text
    assert "Tổng số đảng viên: 15; thuộc diện kiểm điểm: 14; có mặt: 14" in text
    assert "tập thể đề xuất xếp loại: Hoàn thành tốt nhiệm vụ" in text
    assert "Hoàn thành xuất sắc nhiệm vụ: 2 đồng chí" in text


def test_a_paper_the_unit_does_not_have_is_not_applicable_with_its_reason(
        unit_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(DEFAULT_SAMPLE)
    (folder / "dinh-kem" / "08-qd-xep-loai-cong-doan.jpg").unlink()
    add_yaml(folder, 'khong_ap_dung:\n  "8": đơn vị không có tổ chức công đoàn\n')
    result = build(folder, tmp_path / "out")
    assert statuses(result)["8"] == ("not_applicable", "đơn vị không có tổ chức công đoàn")
    assert result.complete
    received = check_pdf(result.out / "ho-so.pdf")
    assert received.complete, received


def test_a_scan_given_for_an_if_any_item_is_bound(unit_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(DEFAULT_SAMPLE)
    source = folder / "dinh-kem" / "02-bao-cao-tong-ket.pdf"
    (folder / "dinh-kem" / "19-goi-y-kiem-diem.pdf").write_bytes(source.read_bytes())
    assert statuses(build(folder, tmp_path / "out"))["19"][0] == "present"


def test_a_form_hoso_makes_cannot_be_declared_absent(unit_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(DEFAULT_SAMPLE)
    add_yaml(folder, 'khong_ap_dung:\n  "1": không làm tờ trình\n')
    with pytest.raises(InputError) as error:
        build(folder, tmp_path / "out")
    assert "don-vi.yaml, khong_ap_dung.1" in "\n".join(error.value.lines())
    assert not (tmp_path / "out").exists()


def test_the_mau_04_label_is_not_on_the_checklist(built_qd366: BuildResult) -> None:
    text = "\n".join(p.extract_text() for p in PdfReader(
        built_qd366.out / "mau" / "danh-muc-ho-so.pdf").pages)
    assert "Mẫu 04" not in text


# --- the rules ---------------------------------------------------------------------------


def test_open_points_warn_and_cite_no_local_plan() -> None:
    # an organisation HTXSNV beside a member KHTNV: qd124's threshold, open under qd366
    u = scored_unit({"A": "95", "B": "80", "C": "40"})
    entries = tuple(replace(e, sheet=replace(e.sheet, general=e.sheet.general + 10))
                    if e.collective and not e.committee else e for e in u.scores)
    a = assess(replace(u, scores=entries), QD366)
    assert a.organisation.level is Level.HTXSNV
    found = [f for f in a.findings if f.rule == "nguong-to-chuc"]
    assert found and all(f.severity is Severity.WARNING for f in found)
    assert "cần cấp có thẩm quyền xem xét" in found[0].message
    assert not a.errors
    for finding in a.findings:
        assert not LOCAL.search(finding.source), finding


def test_the_same_threshold_blocks_under_qd124() -> None:
    from tests.factory import unit

    bad = unit({"A": Level.HTTNV, "B": Level.KHTNV}, organisation=Level.HTXSNV)
    assert any(f.rule == "nguong-to-chuc" for f in assess(bad, QD124).errors)


def test_discipline_is_reported_for_the_competent_level() -> None:
    u = scored_unit({"A": "80", "B": "80"})
    people = tuple(replace(m, discipline="Khiển trách") if m.code == "A" else m
                   for m in u.members)
    a = assess(replace(u, members=people), QD366)
    (finding,) = [f for f in a.findings if f.rule == "ky-luat"]
    assert finding.severity is Severity.WARNING
    assert "cấp có thẩm quyền xem xét, quyết định" in finding.message
    assert not LOCAL.search(finding.source)
    assert a.member("A").level is Level.HTTNV  # not lowered by the program


def test_small_group_rule_is_open_under_qd366() -> None:
    u = scored_unit({"A": "95", "B": "80", "C": "80"})
    a = assess(u, QD366)
    found = [f for f in a.findings if f.rule == "nhom-duoi-5"]
    assert found and found[0].severity is Severity.WARNING and not a.errors


def test_a_qd366_build_cites_no_2022_or_2023_plan(built_qd366: BuildResult) -> None:
    manifest = json.loads((built_qd366.out / "ho-so.json").read_text(encoding="utf-8"))
    for finding in manifest["findings"]:
        assert not LOCAL.search(finding["source"]), finding
    assert member  # the factory stays importable for the rules above


def test_lists_speak_of_scores_and_proposals_not_ballots(built_qd366: BuildResult) -> None:
    for path in sorted((built_qd366.out / "mau").glob("*.pdf")):
        text = words("\n".join(p.extract_text() for p in PdfReader(path).pages))
        assert "bỏ phiếu" not in text and "trên 50%" not in text, path.name
        assert "đã thẩm định" not in text, path.name  # the base does not review itself
    item_6 = words("\n".join(p.extract_text() for p in PdfReader(
        built_qd366.out / "mau" / "muc-06-tong-hop-phieu-cap-uy-vien.pdf").pages))
    assert "kết quả tự chấm điểm, đề xuất xếp loại chất lượng cá nhân cấp ủy viên" in item_6
    assert "thẩm định của cấp trên" in item_6 and "Mức đề xuất theo tổng điểm" in item_6


def test_a_disciplined_committee_member_bars_the_collectives_htxsnv(unit_copy) -> None:  # type: ignore[no-untyped-def]
    """Quy định 366, Điều 11: a collective is HTXSNV only if no member of its leadership
    was disciplined this year. The score's HTXSNV becomes HTTNV, said as a warning, and
    Mẫu 01 proposes HTTNV; self-remedied, it is left to the competent level."""
    from pipeline.dossier import load_for, unit_profile
    from pipeline.forms import FormRequest, build_form

    folder = unit_copy(DEFAULT_SAMPLE)
    scores = folder / "diem-danh-gia.csv"
    text = scores.read_text(encoding="utf-8")
    for who in ("tổ chức", "cấp ủy"):
        line = next(x for x in text.splitlines() if x.startswith(who + ","))
        text = text.replace(line, f'{who},,tập thể,29,63,29,63,10,10,10,4,có,')
    scores.write_text(text, encoding="utf-8")
    members = folder / "dang-vien.csv"
    rows = members.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    column = header.index("Kỷ luật trong năm")
    dv03 = next(i for i, x in enumerate(rows) if x.startswith("DV03,"))
    cells = rows[dv03].split(",")
    cells[column + 1] = "Khiển trách"  # the workplace cell is quoted with one comma inside
    rows[dv03] = ",".join(cells)
    members.write_text("\n".join(rows) + "\n", encoding="utf-8")
    profile = unit_profile(folder, None)
    unit = load_for(folder, profile)
    assert unit.member("DV03").discipline == "Khiển trách"
    a = assess(unit, profile)
    assert a.organisation.level is Level.HTTNV and a.committee is not None
    assert a.committee.level is Level.HTTNV and "Lương Thanh Cường (Khiển trách)" in \
        a.committee.reason
    found = [f for f in a.findings if f.rule == "ky-luat-lanh-dao"]
    assert len(found) == 2 and all(f.severity is Severity.WARNING for f in found)
    assert found[0].source.startswith("Quy định 366-QĐ/TW, Điều 11")
    report = build_form(FormRequest(unit, a, profile, "bao-cao-kiem-diem-tap-the"))
    assert report is not None and report.context["part_b"].proposed is Level.HTTNV
    remedied = replace(unit, members=tuple(
        replace(m, discipline_self_remedied=True) if m.code == "DV03" else m
        for m in unit.members))
    again = assess(remedied, profile)
    assert again.organisation.level is Level.HTXSNV
    assert any("cấp có thẩm quyền xem xét" in f.message for f in again.findings
               if f.rule == "ky-luat-lanh-dao")
