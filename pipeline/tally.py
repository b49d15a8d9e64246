"""Turn one ballot count into a tally result (domain.md §4; 001 §III.6.14, 002 §V.15–16).

Pure functions, no I/O. The rule:
- percentages are on the total number of full members of the voting body;
- the chosen level is the highest level L whose votes, added to the votes of every level
  above L, are more than half of that total (the cumulative cascade);
- when the votes at or above some level are exactly half of the total and the votes below
  it the other half, the head decides between the two candidate levels (`head_decides`);
- when no level gets past half even at the bottom, the result is `invalid`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from pipeline.levels import LEVELS, Level
from pipeline.vntext import vote_notation


class TallyStatus(Enum):
    OK = "ok"
    HEAD_DECIDES = "head_decides"
    INVALID = "invalid"


@dataclass(frozen=True)
class BallotCount:
    """Votes for each level, in level order (HTXSNV first), with present and total."""

    votes: tuple[int, int, int, int]
    present: int
    total: int

    def votes_for(self, level: Level) -> int:
        return self.votes[level.rank - 1]

    def impossibility(self) -> str | None:
        """Why these numbers cannot come from a real vote (Vietnamese), or None."""
        if any(v < 0 for v in self.votes) or self.present < 0 or self.total < 0:
            return "số phiếu không được âm"
        if self.total == 0:
            return "tổng số đảng viên chính thức phải lớn hơn 0"
        if self.present > self.total:
            return f"số có mặt ({self.present}) lớn hơn tổng số ({self.total})"
        if sum(self.votes) > self.present:
            return f"tổng số phiếu ({sum(self.votes)}) lớn hơn số có mặt ({self.present})"
        return None


@dataclass(frozen=True)
class TallyResult:
    """The outcome of one ballot count; `level` is set exactly when status is OK."""

    count: BallotCount
    status: TallyStatus
    level: Level | None
    candidates: tuple[Level, ...] = field(default=())

    def notation(self, level: Level) -> str:
        return vote_notation(self.count.votes_for(level), self.count.present, self.count.total)

    def percent(self, level: Level) -> float:
        return round(self.count.votes_for(level) * 100 / self.count.total, 2)

    def cumulative_notation(self) -> str:
        """Votes at or above the chosen level, as `votes/present/total` (empty if none)."""
        if self.level is None:
            return ""
        backing = sum(self.count.votes_for(lv) for lv in LEVELS if lv.at_least(self.level))
        return vote_notation(backing, self.count.present, self.count.total)


def tally(count: BallotCount) -> TallyResult:
    """Apply the cascade rule to one ballot count. The count must be possible."""
    problem = count.impossibility()
    if problem:
        raise ValueError(problem)
    total = count.total
    cast = sum(count.votes)
    cumulative = 0
    for index, level in enumerate(LEVELS):
        cumulative += count.votes[index]
        if 2 * cumulative > total:
            return TallyResult(count, TallyStatus.OK, level)
        if 2 * cumulative == total and cumulative > 0 and 2 * (cast - cumulative) == total:
            lower = _next_level_with_votes(count, index)
            return TallyResult(count, TallyStatus.HEAD_DECIDES, None, (level, lower))
    return TallyResult(count, TallyStatus.INVALID, None)


def _next_level_with_votes(count: BallotCount, index: int) -> Level:
    for later in range(index + 1, len(LEVELS)):
        if count.votes[later] > 0:
            return LEVELS[later]
    raise AssertionError("a half/half split always has votes below")  # pragma: no cover


def decide(result: TallyResult, head_decision: Level | None) -> Level | None:
    """The level that stands: the tally's own, or the head's choice between the candidates."""
    if result.status is TallyStatus.OK:
        return result.level
    if result.status is TallyStatus.HEAD_DECIDES and head_decision in result.candidates:
        return head_decision
    return None
