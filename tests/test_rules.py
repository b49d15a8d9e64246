"""Every classification constraint of domain.md §5, at and around its boundaries."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from pipeline.levels import Level
from pipeline.load import load_unit
from pipeline.profiles import load_profile
from pipeline.rules import (
    RatingStatus,
    assess,
    cap_violation,
    months_between,
    threshold_violation,
)
from tests.conftest import DANG_BO
from tests.factory import add_section, member, secretary, unit
from tests.helpers import edit_csv

QD124 = load_profile("qd124")
QD132 = load_profile("qd132-2022")
X, T, N, K = Level.HTXSNV, Level.HTTNV, Level.HTNV, Level.KHTNV


def rules_hit(u: object, profile: object = QD124) -> set[str]:
    return {f.rule for f in assess(u, profile).errors}  # type: ignore[arg-type]


# --- §5.1 / §5.2: 20 % cap and the small-group exception -------------------------------


@pytest.mark.parametrize(("excellent", "good", "below", "params", "allowed"), [
    (2, 10, 0, QD124.rules, True),  # exactly 20 %
    (3, 10, 0, QD124.rules, False),  # 3 > 2
    (2, 9, 0, QD124.rules, False),  # 2 > 1.8
    (1, 5, 0, QD124.rules, True),  # 1 = 20 % × 5
    (1, 4, 0, QD124.rules, True),  # small group: one allowed, 100 % HTTNV or above
    (1, 4, 1, QD124.rules, False),  # small group but someone below HTTNV (qd124)
    (1, 4, 1, QD132.rules, True),  # qd132-2022 has no 100 % condition
    (2, 4, 0, QD124.rules, False),  # small group: only one
    (1, 0, 0, QD124.rules, True),  # a group of one HTXSNV
    (0, 0, 3, QD124.rules, True),
])
def test_cap_boundaries(excellent: int, good: int, below: int, params: object,
                        allowed: bool) -> None:
    assert (cap_violation(excellent, good, below, params) is None) is allowed  # type: ignore[arg-type]


def test_cap_base_httnv_or_above_counts_the_excellent_too() -> None:
    params = replace(QD124.rules, cap_base="httnv_or_above")
    assert cap_violation(3, 12, 0, params) is None  # 3 ≤ 20 % × 15
    assert cap_violation(3, 12, 0, QD124.rules) is not None  # 3 > 20 % × 12 = 2,4


def test_cap_message_names_the_numbers() -> None:
    message = cap_violation(3, 12, 0, QD124.rules) or ""
    assert "3 HTXSNV" in message and "12 HTTNV" in message and "2,4" in message


def test_cap_finding_in_a_unit() -> None:
    ratings = {f"D{i}": T for i in range(10)} | {"X1": X, "X2": X, "X3": X}
    assert "gioi-han-20" in rules_hit(unit(ratings))
    ratings.pop("X3")
    assert "gioi-han-20" not in rules_hit(unit(ratings))


# --- §5.9: thresholds of the organisation -------------------------------------------


@pytest.mark.parametrize(("level", "members", "ok"), [
    (X, [T] * 8 + [N] * 2, True),  # exactly 80 % HTTNV or above
    (X, [T] * 7 + [N] * 3, False),  # 70 %
    (X, [T] * 9 + [K], False),  # not 100 % HTNV or above
    (T, [T] * 5 + [N] * 5, True),  # exactly 50 %
    (T, [T] * 4 + [N] * 6, False),
    (N, [T] * 8 + [K] * 2, True),  # exactly 20 % KHTNV is not "more than 20 %"
    (N, [T] * 7 + [K] * 3, False),  # more than 20 % → KHTNV
    (K, [T] * 7 + [K] * 3, True),
])
def test_threshold_boundaries(level: Level, members: list[Level], ok: bool) -> None:
    assert (threshold_violation(level, members, "đảng viên") is None) is ok


def test_threshold_finding_in_a_unit() -> None:
    ratings = {f"D{i}": T for i in range(4)} | {f"N{i}": N for i in range(6)}
    assert "nguong-to-chuc" in rules_hit(unit(ratings, organisation=T, committee=T))
    assert "nguong-to-chuc" not in rules_hit(unit(ratings, organisation=N, committee=N))


# --- §5.3 / §5.4: head not above the body, committee not above the organisation -------


def test_secretary_not_above_committee() -> None:
    people = [secretary("S")] + [member(f"D{i}") for i in range(5)]
    ratings = {m.code: T for m in people}
    assert "bi-thu-khong-cao-hon" in rules_hit(
        unit(ratings, people, committee_ratings={"S": X}))
    assert "bi-thu-khong-cao-hon" not in rules_hit(
        unit(ratings, people, committee_ratings={"S": T}))


def test_secretary_transferred_in_is_exempt() -> None:
    people = [secretary("S", transferred_in=True)] + [member(f"D{i}") for i in range(5)]
    ratings = {m.code: T for m in people}
    a = assess(unit(ratings, people, committee_ratings={"S": X}), QD124)
    assert "bi-thu-khong-cao-hon" not in {f.rule for f in a.errors}
    assert any(f.rule == "bi-thu-khong-cao-hon" for f in a.findings)  # still reported


def test_committee_not_above_organisation() -> None:
    ratings = {f"D{i}": T for i in range(6)}
    assert "cap-uy-khong-cao-hon" in rules_hit(unit(ratings, organisation=N, committee=T))
    assert "cap-uy-khong-cao-hon" not in rules_hit(unit(ratings, organisation=T, committee=T))


# --- §5.5: member not above the civil-service rating -------------------------------


@pytest.mark.parametrize(("rating", "ccvc", "violates"), [
    (X, T, True), (T, T, False), (T, X, False), (N, T, False), (T, N, True),
])
def test_member_not_above_ccvc(rating: Level, ccvc: Level, violates: bool) -> None:
    people = [member("A", ccvc_rating=ccvc)] + [member(f"D{i}") for i in range(5)]
    ratings = {m.code: T for m in people} | {"A": rating}
    assert ("khong-cao-hon-ccvc" in rules_hit(unit(ratings, people, organisation=N,
                                                    committee=N))) is violates


# --- §5.6: not classified ------------------------------------------------------------


@pytest.mark.parametrize(("admitted", "classified"), [
    (date(2025, 6, 10), True),  # exactly 6 months before 10/12/2025
    (date(2025, 6, 11), False),  # one day short
    (date(2025, 9, 1), False),
])
def test_six_months_since_admission(admitted: date, classified: bool) -> None:
    people = [member("A", admitted=admitted, official=False)] + \
        [member(f"D{i}") for i in range(5)]
    ratings = {m.code: T for m in people if m.code != "A"}
    a = assess(unit(ratings, people), QD124)
    rating = a.member("A")
    if classified:
        assert rating.status is RatingStatus.UNDECIDED  # classifiable, but no ballot
    else:
        assert rating.status is RatingStatus.NOT_CLASSIFIED
        assert rating.label == "Chưa xếp loại" and "06 tháng" in rating.reason


def test_exempt_member_is_neither_reviewed_nor_classified() -> None:
    from pipeline.model import Activity

    people = [member("A", activity=Activity.EXEMPT)] + [member(f"D{i}") for i in range(5)]
    ratings = {m.code: T for m in people}
    a = assess(unit(ratings, people), QD124)
    assert a.member("A").status is RatingStatus.NOT_REVIEWED
    assert any(f.rule == "khong-kiem-diem" for f in a.findings)


def test_months_between() -> None:
    assert months_between(date(2025, 6, 10), date(2025, 12, 10)) == 6
    assert months_between(date(2025, 6, 11), date(2025, 12, 10)) == 5


# --- §5.7 / §5.8: sick leave and discipline -----------------------------------------


@pytest.mark.parametrize(("months", "rating", "violates"), [
    (3.0, T, True), (2.9, T, False), (3.0, N, False), (4.5, X, True),
])
def test_sick_leave(months: float, rating: Level, violates: bool) -> None:
    people = [member("A", sick_leave_months=months)] + [member(f"D{i}") for i in range(9)]
    ratings = {m.code: T for m in people} | {"A": rating}
    hit = "nghi-om" in rules_hit(unit(ratings, people))
    assert hit is violates
    actual_time = replace(QD124, rules=replace(QD124.rules, sick_leave_rule="actual_time"))
    assert "nghi-om" not in rules_hit(unit(ratings, people), actual_time)


@pytest.mark.parametrize(("remedied", "rating", "violates"), [
    (False, T, True), (False, K, False), (True, T, False),
])
def test_discipline(remedied: bool, rating: Level, violates: bool) -> None:
    people = [member("A", discipline="Khiển trách", discipline_self_remedied=remedied)] + \
        [member(f"D{i}") for i in range(9)]
    ratings = {m.code: T for m in people} | {"A": rating}
    assert ("ky-luat" in rules_hit(unit(ratings, people, organisation=N,
                                         committee=N))) is violates


# --- the engine never changes a rating ---------------------------------------------------


def test_forbidden_ratings_stand_and_are_reported() -> None:
    people = [member("A", sick_leave_months=6)] + [member(f"D{i}") for i in range(9)]
    ratings = {m.code: T for m in people} | {"A": X}
    a = assess(unit(ratings, people), QD124)
    assert a.member("A").level is X
    finding = next(f for f in a.errors if f.rule == "nghi-om")
    assert finding.source and "HTXSNV" in finding.message


def test_missing_head_decision_is_an_error_not_a_guess() -> None:
    from pipeline.model import PersonBallot
    from pipeline.tally import BallotCount
    from tests.factory import ballot

    u = unit({f"D{i}": T for i in range(10)})
    split = PersonBallot("D0", None, False, ballot(BallotCount((5, 0, 5, 0), 10, 10)))
    u = replace(u, person_ballots=(split, *u.person_ballots[1:]))
    a = assess(u, QD124)
    assert a.member("D0").level is None
    assert any(f.rule == "nguoi-dung-dau-quyet-dinh" for f in a.errors)
    decided = replace(split, ballot=ballot(split.ballot.count, head=N))
    a = assess(replace(u, person_ballots=(decided, *u.person_ballots[1:])), QD124)
    assert a.member("D0").level is N and a.member("D0").head_decided


def test_leader_appointed_less_than_six_months_ago_is_not_classified_as_leader() -> None:
    people = [secretary("S", appointed=date(2025, 7, 1))] + [member(f"D{i}") for i in range(5)]
    ratings = {m.code: T for m in people}
    a = assess(unit(ratings, people, committee_ratings={"S": X}), QD124)
    leader = next(r for r in a.committee_members if r.subject == "S")
    assert leader.status is RatingStatus.NOT_CLASSIFIED and "06 tháng" in leader.reason
    assert a.member("S").level is T  # still classified as a party member
    assert "bi-thu-khong-cao-hon" not in {f.rule for f in a.errors}


# --- a đảng bộ bộ phận with chi bộ of its own ----------------------------------------------


def test_a_dang_bo_bo_phan_is_measured_by_its_chi_bo(tmp_path: Path) -> None:
    folder = tmp_path / "u"
    shutil.copytree(DANG_BO, folder)
    add_section(folder, cells=("NGOAI",), votes="0,7,0,0")  # NGOAI is rated HTNV
    errors = assess(load_unit(folder), QD124).errors
    found = [f for f in errors if f.rule == "nguong-to-chuc"]
    assert len(found) == 1 and found[0].subject == "Đảng bộ Khối Lâm sàng"
    assert "50% chi bộ" in found[0].message and "0/1" in found[0].message


def test_the_cap_counts_the_chi_bo_of_each_dang_bo_bo_phan_apart(tmp_path: Path) -> None:
    folder = tmp_path / "u"
    shutil.copytree(DANG_BO, folder)
    add_section(folder)
    base = assess(load_unit(folder), QD124).errors
    assert not [f for f in base if f.rule == "gioi-han-20"]
    for row in (3, 5):  # NOI and NGOAI, tổ chức: both HTXSNV
        for column, value in (("HTXSNV", "7"), ("HTTNV", "0"), ("HTNV", "0"), ("KHTNV", "0")):
            edit_csv(folder / "phieu-tap-the.csv", row, column, value)
    caps = [f for f in assess(load_unit(folder), QD124).errors if f.rule == "gioi-han-20"]
    assert [f.subject for f in caps] == ["tổ chức đảng trực thuộc Đảng bộ Khối Lâm sàng"]
