"""The vote-counting rule of domain.md §4 (001 §III.6.14, 002 §V.15–16)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.levels import LEVELS, Level
from pipeline.tally import BallotCount, TallyStatus, decide, tally


def count(votes: tuple[int, int, int, int], present: int, total: int) -> BallotCount:
    return BallotCount(votes, present, total)


# --- the seeds' worked examples -----------------------------------------------------------


def test_worked_example_001_cascade_to_httnv() -> None:
    # 001 §III.6.14: 15 voters, 5 HTXSNV, 4 HTTNV, 6 HTNV → HTTNV (9/15 = 60 %).
    result = tally(count((5, 4, 6, 0), 15, 15))
    assert result.status is TallyStatus.OK and result.level is Level.HTTNV
    assert result.cumulative_notation() == "09/15/15"


def test_worked_example_002_notation_on_full_members() -> None:
    # 002 §V.15: 10 full members, 8 present, 7 for HTTNV → "07/08/10", 70 %.
    result = tally(count((0, 7, 1, 0), 8, 10))
    assert result.notation(Level.HTTNV) == "07/08/10"
    assert result.percent(Level.HTTNV) == 70.0
    assert result.level is Level.HTTNV


@pytest.mark.parametrize(("votes", "present", "total"), [
    ((50, 0, 50, 0), 100, 100),  # 001 §III.6.14's own example
    ((5, 0, 5, 0), 10, 10),
])
def test_exact_half_split_goes_to_the_head(votes: tuple[int, int, int, int], present: int,
                                          total: int) -> None:
    result = tally(count(votes, present, total))
    assert result.status is TallyStatus.HEAD_DECIDES
    assert result.level is None
    assert result.candidates == (Level.HTXSNV, Level.HTNV)
    assert decide(result, Level.HTNV) is Level.HTNV
    assert decide(result, Level.HTTNV) is None  # not one of the two candidates
    assert decide(result, None) is None


def test_half_without_split_cascades() -> None:
    # domain.md §4.3: 5 HTXSNV and 3 HTTNV of 10, two absent → HTTNV (8/10).
    result = tally(count((5, 3, 0, 0), 8, 10))
    assert result.status is TallyStatus.OK and result.level is Level.HTTNV


# --- boundaries -------------------------------------------------------------------------


@pytest.mark.parametrize(("votes", "present", "total", "expected"), [
    ((6, 4, 0, 0), 10, 10, Level.HTXSNV),  # 60 % > 50 %
    ((5, 4, 0, 0), 9, 10, Level.HTTNV),  # exactly 50 % is not more than half
    ((8, 0, 0, 0), 15, 15, Level.HTXSNV),  # 8/15 = 53 %
    ((7, 0, 0, 1), 8, 15, Level.KHTNV),  # 7/15 then 8/15 only at the bottom
    ((0, 0, 0, 6), 6, 10, Level.KHTNV),
    ((1, 0, 0, 0), 1, 1, Level.HTXSNV),
])
def test_boundaries(votes: tuple[int, int, int, int], present: int, total: int,
                    expected: Level) -> None:
    result = tally(count(votes, present, total))
    assert result.status is TallyStatus.OK
    assert result.level is expected


@pytest.mark.parametrize(("votes", "present", "total"), [
    ((2, 1, 1, 0), 4, 10),  # never past half
    ((3, 1, 1, 0), 5, 10),  # exactly half at the bottom, no split: half did not vote
    ((0, 0, 0, 0), 0, 7),
])
def test_invalid_when_nothing_passes_half(votes: tuple[int, int, int, int], present: int,
                                          total: int) -> None:
    result = tally(count(votes, present, total))
    assert result.status is TallyStatus.INVALID and result.level is None


@pytest.mark.parametrize(("votes", "present", "total"), [
    ((-1, 0, 0, 0), 5, 5), ((3, 3, 0, 0), 5, 10), ((1, 0, 0, 0), 6, 5), ((0, 0, 0, 0), 0, 0),
])
def test_impossible_counts_are_refused(votes: tuple[int, int, int, int], present: int,
                                       total: int) -> None:
    assert count(votes, present, total).impossibility()
    with pytest.raises(ValueError):
        tally(count(votes, present, total))


# --- properties ---------------------------------------------------------------------------


@st.composite
def ballots(draw: st.DrawFn) -> BallotCount:
    total = draw(st.integers(1, 60))
    present = draw(st.integers(0, total))
    cast = draw(st.integers(0, present))
    cuts = sorted(draw(st.lists(st.integers(0, cast), min_size=3, max_size=3)))
    votes = (cuts[0], cuts[1] - cuts[0], cuts[2] - cuts[1], cast - cuts[2])
    return BallotCount(votes, present, total)


@given(ballots())
def test_ok_only_when_more_than_half_back_the_level(ballot: BallotCount) -> None:
    result = tally(ballot)
    if result.status is TallyStatus.OK:
        assert result.level is not None
        backing = sum(ballot.votes_for(lv) for lv in LEVELS if lv.at_least(result.level))
        assert 2 * backing > ballot.total
        # and no higher level already had more than half
        for higher in LEVELS:
            if higher.above(result.level):
                above = sum(ballot.votes_for(lv) for lv in LEVELS if lv.at_least(higher))
                assert 2 * above <= ballot.total
    else:
        assert result.level is None


@given(ballots())
def test_result_is_null_exactly_when_not_ok(ballot: BallotCount) -> None:
    result = tally(ballot)
    assert (result.level is None) == (result.status is not TallyStatus.OK)
    assert (result.status is TallyStatus.HEAD_DECIDES) == bool(result.candidates)


def _floor(ballot: BallotCount) -> int | None:
    """The lowest rank the result can stand at (head_decides: its lower candidate)."""
    result = tally(ballot)
    if result.status is TallyStatus.OK:
        return result.level.rank if result.level else None
    if result.status is TallyStatus.HEAD_DECIDES:
        return result.candidates[1].rank
    return None


@given(ballots(), st.sampled_from(LEVELS), st.data())
def test_a_vote_for_a_higher_level_never_lowers_the_result(
        ballot: BallotCount, level: Level, data: st.DataObject) -> None:
    before = _floor(ballot)
    if before is None or sum(ballot.votes) >= ballot.present:
        return
    target = data.draw(st.sampled_from([lv for lv in LEVELS if lv.rank <= before]))
    votes = list(ballot.votes)
    votes[target.rank - 1] += 1
    after = _floor(BallotCount((votes[0], votes[1], votes[2], votes[3]), ballot.present,
                               ballot.total))
    assert after is not None and after <= before


@given(st.lists(ballots(), min_size=1, max_size=8), st.randoms())
def test_results_do_not_depend_on_row_order(rows: list[BallotCount], rnd: object) -> None:
    shuffled = list(enumerate(rows))
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    results = {i: tally(b) for i, b in shuffled}
    assert [results[i] for i in range(len(rows))] == [tally(b) for b in rows]
