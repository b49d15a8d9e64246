"""The regime in force: profile qd366 chosen by year, rated by score, its forms and sample."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from pypdf import PdfReader

from pipeline.cli import main
from pipeline.dossier import BuildResult, PrepareResult, build, unit_profile
from pipeline.errors import InputError
from pipeline.levels import Level
from pipeline.load import load_unit
from pipeline.model import ScoreEntry, Source, Unit
from pipeline.paths import DEFAULT_SAMPLE
from pipeline.profiles import load_profile, profile_for_year
from pipeline.rules import Assessment, RatingStatus, assess
from pipeline.scoring import Kind, ScoreSheet
from tests.conftest import CHI_BO
from tests.factory import member, unit

QD366 = load_profile("qd366")


@pytest.fixture
def built(built_qd366: BuildResult) -> BuildResult:
    return built_qd366


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def words(text: str) -> str:
    return " ".join(text.split())


# --- the regime by year ----------------------------------------------------------------------


@pytest.mark.parametrize(("year", "profile"), [
    (2018, "qd132-2022"), (2022, "qd132-2022"), (2023, "qd124"), (2024, "qd124"),
    (2025, "qd366"), (2026, "qd366"),
])
def test_year_chooses_the_regime(year: int, profile: str) -> None:
    assert profile_for_year(year) == profile


def set_yaml(folder: Path, old: str, new: str) -> None:
    path = folder / "don-vi.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_unit_names_its_regime_else_its_year_else_the_flag(unit_copy) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(CHI_BO)
    assert unit_profile(folder, None).id == "qd124"  # quy_dinh: qd124
    assert unit_profile(folder, "qd132-2022").id == "qd132-2022"  # --profile wins
    set_yaml(folder, "quy_dinh: qd124\n", "")
    assert unit_profile(folder, None).id == "qd366"  # 2025
    set_yaml(folder, "nam: 2025", "nam: 2024")
    assert unit_profile(folder, None).id == "qd124"


def test_unknown_regime_is_an_input_error(unit_copy) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(CHI_BO)
    set_yaml(folder, "quy_dinh: qd124", "quy_dinh: qd999")
    with pytest.raises(Exception) as error:
        build(folder, folder.parent / "out")
    assert "qd999" in str(error.value) or "qd999" in " ".join(
        getattr(error.value, "lines", lambda: [])())
    assert not (folder.parent / "out").exists()


def test_a_received_regime_name_is_never_a_path(tmp_path: Path) -> None:
    rogue = tmp_path / "rogue.yaml"
    rogue.write_text((Path(QD366_FILE)).read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(Exception, match="không có bộ quy định"):
        load_profile(str(rogue), allow_path=False)


QD366_FILE = str(Path(__file__).resolve().parent.parent / "templates" / "mau" / "profiles"
                 / "qd366.yaml")


# --- the bundled sample ----------------------------------------------------------------------


def test_default_build_is_the_complete_qd366_sample(built: BuildResult) -> None:
    assert built.complete and built.exit_code == 0
    manifest = json.loads((built.out / "ho-so.json").read_text(encoding="utf-8"))
    assert manifest["profile"] == "qd366" and manifest["unit"]["year"] == 2025
    assert "qd366" in built.report[0] and "Quy định 366-QĐ/TW" in built.report[0]
    cover = words(PdfReader(built.out / "ho-so.pdf").pages[0].extract_text())
    assert "Quy định 366-QĐ/TW, Hướng dẫn 43-HD/BTCTW" in cover
    statuses = {i["item"]: i["status"] for i in manifest["items"]
                if i["section"] == "organisation"}
    assert statuses["3"] == statuses["5"] == "present"
    assert statuses["10"] == "not_applicable"


def docx_text(path: Path) -> str:
    return " ".join(p.text for p in Document(str(path)).paragraphs)


MAU_01_HEADINGS = (
    "A. NỘI DUNG KIỂM ĐIỂM", "I. Ưu điểm, kết quả đạt được",
    "1. Việc chấp hành nguyên tắc tổ chức và hoạt động, nhất là nguyên tắc tập trung dân "
    "chủ; thực hiện quy chế làm việc",
    "II. Hạn chế, khuyết điểm và nguyên nhân",
    "III. Kết quả khắc phục những hạn chế, khuyết điểm đã được cấp có thẩm quyền kết luận "
    "hoặc được chỉ ra ở các kỳ kiểm điểm trước",
    "IV. Giải trình những vấn đề được gợi ý kiểm điểm (nếu có)",
    "V. Trách nhiệm của tập thể, cá nhân",
    "VI. Phương hướng, biện pháp khắc phục hạn chế, khuyết điểm",
    "B. NỘI DUNG TỰ ĐÁNH GIÁ, XẾP LOẠI", "I. Đánh giá theo các nhóm tiêu chí",
    "Trên cơ sở cụ thể hoá khung tiêu chí đánh giá đối với tập thể được quy định tại Phụ lục "
    "1, Quy định số 366-QĐ/TW, các tập thể tự đánh giá, chấm điểm theo các tiêu chí được cụ "
    "thể hóa như sau:",
    "II. Đề xuất xếp loại mức chất lượng:",
)


@pytest.mark.parametrize("reader", [pdf_text, docx_text])
def test_mau_01_is_hd43s_with_its_self_scores(built: BuildResult, reader) -> None:  # type: ignore[no-untyped-def]
    text = words(reader(built.out / "mau" / "muc-04-bao-cao-kiem-diem-tap-the.docx"
                        if reader is docx_text else
                        built.out / "mau" / "muc-04-bao-cao-kiem-diem-tap-the.pdf"))
    assert "kiểm điểm, tự đánh giá, xếp loại chất lượng của tập thể" in text
    positions = [text.find(heading) for heading in MAU_01_HEADINGS]
    assert -1 not in positions and positions == sorted(positions)
    # the collective's own self-scores (the thẩm định is the superior's, Điều 12)
    assert "1. Nhóm tiêu chí chung: 26,5/30" in text
    assert "2. Nhóm tiêu chí về kết quả thực hiện nhiệm vụ: 56/70" in text
    assert "Tổng điểm: 82,5/100" in text
    assert "■ Hoàn thành tốt nhiệm vụ" in text and "□ Hoàn thành xuất sắc nhiệm vụ" in text
    assert "Thẩm định" not in text and "TỰ CHẤM ĐIỂM THEO KHUNG" not in text
    # the text written under "## 4. Trách nhiệm của tập thể lãnh đạo, quản lý" is under 4.
    four = text.index("4. Trách nhiệm của tập thể lãnh đạo, quản lý")
    assert text.index("Chi ủy phân công từng chi ủy viên") > four
    assert text.index("Chi ủy phân công từng chi ủy viên") < text.index("II. Hạn chế")


@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
def test_leaders_personal_review_is_2a_with_part_b(built: BuildResult, suffix: str) -> None:
    path = built.out / "mau" / f"ca-nhan-DV01-1-ban-kiem-diem-ca-nhan{suffix}"
    text = words(pdf_text(path) if suffix == ".pdf" else docx_text(path))
    assert "Mẫu 2A-HD KĐ.ĐG 2025" in text
    assert "BẢN KIỂM ĐIỂM, TỰ ĐÁNH GIÁ, XẾP LOẠI CÁ NHÂN Năm 2025" in text
    assert "(Cá nhân giữ chức vụ lãnh đạo, quản lý)" in text
    assert "Chức vụ: Giám đốc Trung tâm" in text and "Đơn vị công tác:" in text
    heads = ("A. NỘI DUNG KIỂM ĐIỂM", "V. Làm rõ trách nhiệm của cá nhân đối với những hạn "
             "chế, khuyết điểm của tập thể (nếu có)", "B. NỘI DUNG TỰ ĐÁNH GIÁ, XẾP LOẠI",
             "tại Phụ lục 3, Quy định 366-QĐ/TW", "Tổng điểm: 81,5/100",
             "II. Đề xuất xếp loại mức chất lượng:", "(Gửi kèm Phụ lục về kết quả thực hiện")
    positions = [text.find(h) for h in heads]
    assert -1 not in positions and positions == sorted(positions)
    assert "Mẫu 6" not in text  # the qd124 criteria grid is not printed


def test_a_member_without_a_post_gets_2b(prepared_qd366: PrepareResult) -> None:
    path = next(prepared_qd366.out.glob("*ban-kiem-diem-ca-nhan-DV04.pdf"))
    text = words(pdf_text(path))
    assert "Mẫu 2B-HD KĐ.ĐG 2025" in text
    assert "(Cá nhân không giữ chức vụ lãnh đạo, quản lý)" in text
    assert "tại Phụ lục 4, Quy định 366-QĐ/TW" in text
    assert "1. Nhóm tiêu chí chung: …/30" in text and "Tổng điểm: …/100" in text
    assert "□ Hoàn thành tốt nhiệm vụ" in text and "■" not in text
    assert "Kiểm điểm rõ từng hạn chế, khuyết điểm" in text  # the form's own instruction
    assert "Chức vụ:" not in text  # 2B has no post line


def test_decisions_cite_qd366_and_list_scores(built: BuildResult) -> None:
    text = words(pdf_text(built.out / "mau" / "muc-09-qd-xep-loai-dang-vien.pdf"))
    assert "Căn cứ Quy định số 366-QĐ/TW ngày 30/8/2025" in text
    assert "Căn cứ Hướng dẫn số 43-HD/BTCTW ngày 31/10/2025" in text
    assert "124-QĐ/TW" not in text
    assert "KẾT QUẢ CHẤM ĐIỂM, XẾP LOẠI" in text and "Tự chấm (100)" in text
    assert "Trần Văn Định" in text and "không kiểm điểm" in text  # admitted 20/08/2025
    proposal = words(pdf_text(built.out / "mau" / "muc-01-to-trinh-xep-loai.pdf"))
    assert "82/100 điểm thẩm định" in proposal


def test_forms_of_hd43_in_mau(built: BuildResult) -> None:
    checklist = words(pdf_text(built.out / "mau" / "danh-muc-ho-so.pdf"))
    assert "Mẫu 04" not in checklist  # HĐ 43's Mẫu 04 is the list sent to the Ban Tổ chức TW
    assert re.search(r"\(10\) Quyết định xếp loại tổ chức đảng trực thuộc Không áp dụng",
                     checklist)
    self_review = PdfReader(built.out / "mau" / "tu-danh-gia-ca-nhan.pdf")
    # every reviewed member, one page each; two for the leaders whose quarters it shows
    assert len(self_review.pages) == 14 + 3
    first = words(self_review.pages[0].extract_text())
    assert "Mẫu 05-HD KĐ.ĐG 2025" in first and "BẢN TỰ ĐÁNH GIÁ, XẾP LOẠI CỦA CÁ NHÂN" in first
    assert not (built.out / "mau" / "qd-xep-loai-lai.pdf").exists()  # nobody re-rated


def test_rerating_decision_mau_03(unit_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(DEFAULT_SAMPLE)
    path = folder / "don-vi.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "xep_loai_lai:\n  - {ma: DV05, muc_cu: "
                    "HTXSNV, muc_moi: HTTNV, ly_do: phát hiện vi phạm sau kiểm điểm}\n",
                    encoding="utf-8")
    result = build(folder, tmp_path / "out")
    text = words(pdf_text(result.out / "mau" / "qd-xep-loai-lai.pdf"))
    assert "Mẫu 03-HD KĐ.ĐG 2025" in text and "Hoàng Văn Phúc" in text
    assert "phát hiện vi phạm sau kiểm điểm" in text


def test_prepare_writes_one_file_per_member_and_the_combined_file(
        prepared_qd366: PrepareResult) -> None:
    result = prepared_qd366
    files = set(result.files)
    combined = [f for f in files if f.endswith("ban-kiem-diem-ca-nhan.pdf")]
    assert combined and "tu-danh-gia-ca-nhan.pdf" in "".join(files)
    leader = next(f for f in files if f.endswith("ban-kiem-diem-ca-nhan-DV01.pdf"))
    member_file = next(f for f in files if f.endswith("ban-kiem-diem-ca-nhan-DV04.pdf"))
    assert "Mẫu 2A" in pdf_text(result.out / leader)
    assert "Mẫu 2B" in pdf_text(result.out / member_file)
    assert any(f.endswith("tu-danh-gia-ca-nhan-DV04.docx") for f in files)
    assert len(PdfReader(result.out / combined[0]).pages) > len(
        PdfReader(result.out / leader).pages)


def test_qd124_samples_keep_their_regime(built_chi_bo: BuildResult) -> None:
    manifest = json.loads((built_chi_bo.out / "ho-so.json").read_text(encoding="utf-8"))
    assert manifest["profile"] == "qd124"


@pytest.mark.parametrize("profile", ["qd124", "qd132-2022", "qd366"])
def test_findings_cite_documents_by_name(profile: str) -> None:
    bad = unit({"A": Level.HTXSNV, "B": Level.HTXSNV, "C": Level.KHTNV},
               members=[member("A", discipline="Khiển trách"), member("B"), member("C")],
               organisation=Level.HTXSNV)
    findings = assess(bad, load_profile(profile)).findings
    assert len(findings) >= 3
    for finding in findings:
        assert "§" not in finding.source and not re.match(r"00\d", finding.source)
        assert re.search(r"(Kế hoạch|Hướng dẫn|Quy định) ", finding.source), finding


# --- the rules of Điều 11 in the engine ----------------------------------------------------------


def entry(code: str, total: str, kind: Kind = Kind.INDIVIDUAL, collective: bool = False,
          committee: bool = False, done: int = 10, on_time: int = 10, exceeded: int = 3,
          decided: Level | None = None) -> ScoreEntry:
    value = Decimal(total)
    general = min(value, Decimal(30))
    sheet = ScoreSheet(kind, general, value - general, 10, done, on_time, exceeded)
    return ScoreEntry(code, collective, committee, kind, general, value - general, sheet,
                      True, decided, Source("diem-danh-gia.csv", 2))


def scored_unit(scores: dict[str, str], **changes: object) -> Unit:
    base = unit({code: Level.HTTNV for code in scores})
    base = replace(base, person_ballots=(), collective_ballots=())
    entries = [entry(code, total) for code, total in scores.items()]
    entries += [entry("", "80", Kind.COLLECTIVE, collective=True),
                entry("", "80", Kind.COLLECTIVE, collective=True, committee=True)]
    return replace(base, scores=tuple(entries), **changes)  # type: ignore[arg-type]


def rules_of(a: Assessment, rule: str) -> list[str]:
    return [f.message for f in a.findings if f.rule == rule]


def test_levels_come_from_the_scores() -> None:
    a = assess(scored_unit({"A": "95", "B": "80", "C": "60", "D": "40"}), QD366)
    assert [r.level for r in a.members] == [Level.HTXSNV, Level.HTTNV, Level.HTNV,
                                            Level.KHTNV]
    assert a.organisation.level is Level.HTTNV


@pytest.mark.parametrize(("excellent", "good", "ratio", "violated"), [
    (1, 5, None, False), (2, 5, None, True),  # 20 % of 5 is 1
    (2, 8, None, True), (2, 8, 0.25, False),  # 25 % of 8 is 2
    (3, 8, 0.25, True),
])
def test_cap_with_20_and_25_percent(excellent: int, good: int, ratio: float | None,
                                    violated: bool) -> None:
    scores = {f"X{i}": "95" for i in range(excellent)}
    scores.update({f"G{i}": "80" for i in range(good)})
    u = scored_unit(scores, cap_ratio=ratio, cap_ratio_basis="Công văn 1-CV/ĐUK")
    assert bool(rules_of(assess(u, QD366), "gioi-han-20")) is violated


def test_cap_counts_each_role_group_on_its_own() -> None:
    # Leaders: 1 HTXSNV beside 1 HTTNV is allowed by the small-group rule; the members
    # without a post are a group of their own, where 1 HTXSNV beside 5 HTTNV is 20 %.
    scores = {"L1": "95", "L2": "80", "X1": "95"} | {f"G{i}": "80" for i in range(5)}
    u = scored_unit(scores)
    entries = tuple(replace(e, kind=Kind.LEADER, sheet=replace(e.sheet, kind=Kind.LEADER))
                    if e.subject in {"L1", "L2"} else e for e in u.scores)
    a = assess(replace(u, scores=entries), QD366)
    assert not rules_of(a, "gioi-han-20")
    # As one group: 2 HTXSNV beside 6 HTTNV would break the cap of qd124's counting.
    assert rules_of(assess(replace(u, scores=entries), replace(
        QD366, rules=replace(QD366.rules, cap_groups="all"))), "gioi-han-20")


def test_undetermined_waits_for_the_competent_level() -> None:
    u = scored_unit({"A": "80"})
    undone = (entry("A", "80", done=9, on_time=9, exceeded=0),)
    a = assess(replace(u, scores=undone + u.scores[1:]), QD366)
    assert a.members[0].status is RatingStatus.UNDECIDED
    assert rules_of(a, "chua-xac-dinh") and "Mức quyết định" in rules_of(a, "chua-xac-dinh")[0]
    decided = (entry("A", "80", done=9, on_time=9, exceeded=0, decided=Level.HTNV),)
    a = assess(replace(u, scores=decided + u.scores[1:]), QD366)
    assert a.members[0].level is Level.HTNV and not rules_of(a, "chua-xac-dinh")


def test_missing_score_is_reported() -> None:
    u = scored_unit({"A": "80", "B": "80"})
    a = assess(replace(u, scores=u.scores[1:]), QD366)
    assert a.members[0].status is RatingStatus.UNDECIDED and rules_of(a, "thieu-diem")


def test_sick_or_maternity_leave_is_reported_not_guessed() -> None:
    u = scored_unit({"A": "80", "B": "80", "C": "80"})
    people = (replace(u.members[0], sick_leave_months=4.0),
              replace(u.members[1], maternity_leave=True), u.members[2])
    a = assess(replace(u, members=people), QD366)
    notes = [f for f in a.findings if f.rule == "nghi-om"]
    assert len(notes) == 2 and all(f.severity.value == "warning" for f in notes)
    assert a.members[0].level is Level.HTTNV  # the level stands; the committee reviews it
    assert "thực tế" in notes[0].message


def test_new_members_are_not_reviewed() -> None:
    from datetime import date

    u = scored_unit({"A": "80"})
    newcomer = member("N", admitted=date(2025, 8, 1), official=False)
    a = assess(replace(u, members=(*u.members, newcomer)), QD366)
    assert a.members[-1].status is RatingStatus.NOT_REVIEWED
    assert "không kiểm điểm" in a.members[-1].reason


def test_order_of_work_from_the_documents_dates() -> None:
    from datetime import date

    from pipeline.model import DocumentRef

    u = scored_unit({"A": "80"}, documents=(
        ("qd-xep-loai-dang-vien", DocumentRef("3-QĐ/CB", date(2025, 12, 14))),
        ("to-trinh-xep-loai", DocumentRef("1-TTr/CB", date(2025, 12, 12))),
    ))
    messages = rules_of(assess(u, QD366), "thu-tu")
    assert messages and "xếp loại đảng viên trước" in messages[0]
    finding = next(f for f in assess(u, QD366).findings if f.rule == "thu-tu")
    assert finding.source.startswith("Quy định 366-QĐ/TW, Điều 12")


def test_a_vote_must_agree_with_the_score(unit_copy) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(DEFAULT_SAMPLE)
    (folder / "phieu-dang-vien.csv").write_text(
        "Mã,Họ và tên,HTXSNV,HTTNV,HTNV,KHTNV,Có mặt,Tổng số\n"
        "DV04,Võ Thanh Khánh,10,3,0,0,13,13\n", encoding="utf-8")
    u = load_unit(folder, ballots_required=False, scores_required=True,
                  heading_sets=QD366.headings())
    a = assess(u, QD366)
    assert rules_of(a, "bieu-quyet-khac-diem")


def test_score_table_errors_are_located(unit_copy) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(DEFAULT_SAMPLE)
    path = folder / "diem-danh-gia.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(",10,10,10,", ",10,12,10,", 1)  # done > tasks
    lines.append("DV99,Không Có,cá nhân,20,50,20,50,10,10,10,1,có,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_unit(folder, ballots_required=False, scores_required=True,
                  heading_sets=QD366.headings())
    text = "\n".join(error.value.lines())
    assert "diem-danh-gia.csv, dòng 4" in text and "lớn hơn số nhiệm vụ" in text
    assert f"dòng {len(lines)}, cột Mã" in text and "DV99" in text


def test_cap_exception_above_25_percent_is_refused(unit_copy) -> None:  # type: ignore[no-untyped-def]
    folder = unit_copy(DEFAULT_SAMPLE)
    path = folder / "don-vi.yaml"
    path.write_text(path.read_text(encoding="utf-8")
                    + "ty_le_htxsnv: {ty_le: 30, can_cu: Công văn số 1-CV/ĐUK}\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_unit(folder, ballots_required=False, scores_required=True, cap_ratio_max=0.25,
                  heading_sets=QD366.headings())
    assert "ty_le_htxsnv.ty_le" in "\n".join(error.value.lines())


def test_init_scaffolds_the_score_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "u"), "--type",
                                       "chi_bo_co_so", "--year", "2025", "--quy-dinh",
                                       "qd366", "--csv"])
    assert result.exit_code == 0, result.output
    header = (tmp_path / "u" / "diem-danh-gia.csv").read_text(encoding="utf-8")
    assert header.startswith("Mã,Họ và tên,Đối tượng,Tự chấm tiêu chí chung")
    assert "quy_dinh: qd366" in (tmp_path / "u" / "don-vi.yaml").read_text(encoding="utf-8")
    assert not (tmp_path / "u" / "phieu-dang-vien.csv").exists()


def test_ballot_header_names_the_level_above(tmp_path: Path) -> None:
    """Mẫu 7 of a chi bộ cơ sở: the first header line is the đảng bộ above, not the chi
    bộ again (the fault the paper review found)."""
    from pipeline.dossier import prepare

    result = prepare(CHI_BO, tmp_path / "chuan-bi")
    ballot = next(f for f in result.files if "phieu-bieu-quyet-dang-vien" in f
                  and f.endswith(".pdf"))
    first = words(PdfReader(result.out / ballot).pages[0].extract_text())
    assert first.startswith("Mẫu 7 ĐẢNG BỘ KHỐI CƠ QUAN VÀ DOANH NGHIỆP TỈNH CHI BỘ TRUNG")
