"""The score rule of Quy định 366, Điều 11 (qd366.md §2) and `hoso score`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli import main
from pipeline.levels import Level
from pipeline.profiles import load_profile
from pipeline.scoring import Kind, ScoreParams, ScoreSheet, classify

PARAMS = ScoreParams()


def sheet(total: str, kind: Kind = Kind.INDIVIDUAL, tasks: int = 10, done: int = 10,
          on_time: int = 10, exceeded: int = 3, **changes: object) -> ScoreSheet:
    """A sheet whose general + results make `total` (general capped at 30)."""
    value = Decimal(total)
    general = min(value, Decimal(30))
    base = ScoreSheet(kind, general, value - general, tasks, done, on_time, exceeded)
    return ScoreSheet(**{**base.__dict__, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(("total", "level"), [
    ("90", Level.HTXSNV), ("89.99", Level.HTTNV),
    ("70", Level.HTTNV), ("69.99", Level.HTNV),
    ("50", Level.HTNV), ("49.99", Level.KHTNV),
    ("100", Level.HTXSNV), ("0", Level.KHTNV),
])
def test_score_band_edges(total: str, level: Level) -> None:
    assert classify(sheet(total), PARAMS).level is level


def test_thirty_percent_beyond_requirement_edge() -> None:
    assert classify(sheet("95", exceeded=3), PARAMS).level is Level.HTXSNV  # 3/10 = 30 %
    outcome = classify(sheet("95", exceeded=2), PARAMS)  # 20 %: not HTXSNV
    assert outcome.level is Level.HTTNV
    assert any("30%" in r for r in outcome.reasons)
    # 3 of 11 is 27.3 %, under the 30 % of Điều 11.
    assert classify(sheet("95", tasks=11, done=11, on_time=11, exceeded=3),
                    PARAMS).level is Level.HTTNV


def test_twenty_percent_behind_schedule_edge() -> None:
    assert classify(sheet("60", on_time=8, exceeded=0), PARAMS).level is Level.HTNV  # 2/10
    late = classify(sheet("60", on_time=7, exceeded=0), PARAMS)  # 3/10 late: no level
    assert late.level is None
    assert any("chậm tiến độ" in r for r in late.reasons)


def test_any_late_task_keeps_a_high_score_below_httnv() -> None:
    outcome = classify(sheet("95", on_time=9), PARAMS)
    assert outcome.level is Level.HTNV  # 1 late of 10: only HTNV's condition holds


def test_high_score_with_tasks_undone_is_undetermined_never_guessed() -> None:
    outcome = classify(sheet("80", done=9, on_time=9, exceeded=0), PARAMS)
    assert outcome.level is None and not outcome.determined
    assert outcome.reasons[-1].startswith("không thuộc trường hợp KHTNV")
    assert any("9/10" in r for r in outcome.reasons)


def test_khtnv_triggers_whatever_the_score() -> None:
    assert classify(sheet("95", discipline="Khiển trách"), PARAMS).level is Level.KHTNV
    assert classify(sheet("95", violations="suy thoái tư tưởng"), PARAMS).level is Level.KHTNV
    # Collectives and leaders: under 70 % of the tasks done.
    for kind in (Kind.COLLECTIVE, Kind.LEADER):
        assert classify(sheet("80", kind, done=6, on_time=6, exceeded=0),
                        PARAMS).level is Level.KHTNV
        assert classify(sheet("80", kind, done=7, on_time=7, exceeded=0),
                        PARAMS).level is None
    # Individuals: more than 50 % of the tasks not done.
    for kind in (Kind.INDIVIDUAL, Kind.OUTSIDE):
        assert classify(sheet("80", kind, done=4, on_time=4, exceeded=0),
                        PARAMS).level is Level.KHTNV
        assert classify(sheet("80", kind, done=5, on_time=5, exceeded=0),
                        PARAMS).level is None


def test_htxsnv_needs_shortcomings_remedied() -> None:
    outcome = classify(sheet("95", remedied=False), PARAMS)
    assert outcome.level is Level.HTTNV
    assert any("khắc phục" in r for r in outcome.reasons)


def test_no_tasks_is_undetermined() -> None:
    assert classify(sheet("95", tasks=0, done=0, on_time=0, exceeded=0), PARAMS).level is None


def test_profile_carries_the_numbers_of_article_11() -> None:
    rules = load_profile("qd366").rules
    assert rules.scored and rules.score == ScoreParams()
    assert rules.cap_ratio == 0.2 and rules.cap_ratio_exception == 0.25
    assert not load_profile("qd124").rules.scored


scores = st.decimals(min_value=0, max_value=100, places=2)


@given(scores, scores, st.integers(1, 40), st.data())
def test_more_points_never_lower_the_level(a: Decimal, b: Decimal, tasks: int,
                                           data: st.DataObject) -> None:
    done = data.draw(st.integers(0, tasks))
    on_time = data.draw(st.integers(0, done))
    exceeded = data.draw(st.integers(0, done))
    low, high = sorted((a, b))

    def level(total: Decimal) -> Level | None:
        general = min(total, Decimal(30))
        s = ScoreSheet(Kind.INDIVIDUAL, general, total - general, tasks, done, on_time,
                       exceeded)
        return classify(s, PARAMS).level

    lower, higher = level(low), level(high)
    if lower is not None and higher is not None:
        assert higher.at_least(lower)
    if lower is not None and lower is not Level.KHTNV:
        assert higher is not None  # a level that holds still holds with more points


@given(scores, st.integers(1, 40), st.data())
def test_outcome_is_always_explained(total: Decimal, tasks: int, data: st.DataObject) -> None:
    done = data.draw(st.integers(0, tasks))
    s = sheet(str(total), tasks=tasks, done=done, on_time=data.draw(st.integers(0, done)),
              exceeded=data.draw(st.integers(0, done)))
    outcome = classify(s, PARAMS)
    if outcome.level is None or outcome.level is Level.KHTNV:
        assert outcome.reasons  # never a bare undetermined or KHTNV
    if outcome.level is not None and outcome.level is not Level.KHTNV:
        floor = {Level.HTXSNV: 90, Level.HTTNV: 70, Level.HTNV: 50}[outcome.level]
        assert outcome.total >= floor


# --- hoso score ----------------------------------------------------------------------------

TABLE = ("Họ và tên,Đối tượng,Điểm tiêu chí chung,Điểm kết quả,Số nhiệm vụ,Hoàn thành,Đúng hạn,"
         "Vượt mức,Đã khắc phục,Kỷ luật\n") + """\
Đồng chí A,ca_nhan,28,62,10,10,10,3,có,
Đồng chí B,lanh_dao,"27,5",52.49,10,9,9,0,có,
Chi bộ C,tap_the,20,29.99,10,10,10,0,,
Đồng chí D,ngoai_he_thong,29,65,10,10,10,5,có,Khiển trách
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_score_json_contract(tmp_path: Path) -> None:
    path = tmp_path / "diem.csv"
    path.write_text(TABLE, encoding="utf-8")
    code, output = run("score", str(path), "--format", "json")
    assert code == 1  # B is undetermined
    rows = json.loads(output)
    assert [set(r) for r in rows] == [{"name", "kind", "score", "result", "status",
                                       "reasons"}] * 4
    assert [(r["name"], r["kind"], r["score"], r["result"], r["status"]) for r in rows] == [
        ("Đồng chí A", "ca_nhan", 90.0, "HTXSNV", "ok"),
        ("Đồng chí B", "lanh_dao", 79.99, None, "undetermined"),
        ("Chi bộ C", "tap_the", 49.99, "KHTNV", "ok"),
        ("Đồng chí D", "ngoai_he_thong", 94.0, "KHTNV", "ok"),
    ]
    assert rows[1]["reasons"] and rows[3]["reasons"] == ["bị kỷ luật trong năm (Khiển trách)"]


def test_score_text_and_exit_zero_when_all_determined(tmp_path: Path) -> None:
    path = tmp_path / "diem.csv"
    lines = TABLE.splitlines()
    path.write_text("\n".join([lines[0], lines[1], lines[3]]) + "\n", encoding="utf-8")
    code, output = run("score", str(path))
    assert code == 0
    assert "Đồng chí A: 90 điểm, HTXSNV (Hoàn thành xuất sắc nhiệm vụ)" in output
    assert "Chi bộ C: 49,99 điểm, KHTNV" in output


def test_score_english_headers(tmp_path: Path) -> None:
    path = tmp_path / "diem.csv"
    path.write_text("name,kind,general,results,tasks,done,on_time,exceeded,remedied,"
                    "discipline\nX,ca_nhan,25,50,4,4,4,0,,\n", encoding="utf-8")
    code, output = run("score", str(path), "--format", "json")
    assert code == 0 and json.loads(output)[0]["result"] == "HTTNV"


def test_score_bad_rows_are_all_named(tmp_path: Path) -> None:
    path = tmp_path / "diem.csv"
    path.write_text(TABLE.splitlines()[0] + "\n"
                    "A,ca_nhan,31,60,10,10,10,3,có,\n"          # general over 30
                    "B,ca_nhan,20,70.5,10,10,10,3,có,\n"        # results over 70
                    "C,ca_nhan,20,50,10,11,10,3,có,\n"          # done > tasks
                    "D,ca_nhan,20,50,10,8,9,3,có,\n"            # on time > done
                    "E,ca_nhan,20,50,10,8,8,9,có,\n"            # beyond > done
                    "F,ban_than,20,50,10,8,8,1,có,\n"           # unknown kind
                    "G,ca_nhan,20,5000000,10,8,8,1,có,\n"       # absurd number
                    "H,ca_nhan,20,50,10,10,10,3,có,\n",         # fine
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["score", str(path)])
    assert result.exit_code == 2
    errors = result.output
    for line in range(2, 9):
        assert f"dòng {line}" in errors, line
    assert "dòng 9" not in errors
    assert "Traceback" not in errors


def test_score_refuses_a_ballot_profile(tmp_path: Path) -> None:
    path = tmp_path / "diem.csv"
    path.write_text(TABLE, encoding="utf-8")
    code, output = run("score", str(path), "--profile", "qd124")
    assert code == 2 and "không xếp loại theo điểm" in output


def test_score_and_tally_accept_the_units_own_tables() -> None:
    from pipeline.paths import FIXTURES

    code, output = run("score", str(FIXTURES / "chi-bo-qd366" / "diem-danh-gia.csv"),
                       "--format", "json")
    assert code == 0, output
    rows = json.loads(output)
    assert rows[0]["name"] == "tổ chức" and rows[0]["score"] == 82.0  # the reviewed score
    assert next(r for r in rows if r["name"] == "Nguyễn Quốc Huy")["result"] == "HTXSNV"
    code, output = run("tally", str(FIXTURES / "chi-bo-co-so" / "phieu-cap-uy-vien.csv"))
    assert code == 0 and "Nguyễn Quốc Huy: HTXSNV" in output
