"""The four quality levels and their order (domain.md §3)."""

from __future__ import annotations

from enum import Enum


class Level(Enum):
    """A quality level; `rank` 1 is the highest."""

    HTXSNV = 1
    HTTNV = 2
    HTNV = 3
    KHTNV = 4

    @property
    def rank(self) -> int:
        return int(self.value)

    @property
    def full_name(self) -> str:
        return FULL_NAMES[self]

    def above(self, other: Level) -> bool:
        """True when self is a strictly higher level than other."""
        return self.rank < other.rank

    def at_least(self, other: Level) -> bool:
        """True when self is other or a higher level."""
        return self.rank <= other.rank

    @classmethod
    def parse(cls, text: str) -> Level | None:
        """Read a level written as its code or its full Vietnamese name; None if unknown."""
        key = _fold(text)
        return _BY_KEY.get(key)


LEVELS: tuple[Level, ...] = (Level.HTXSNV, Level.HTTNV, Level.HTNV, Level.KHTNV)

FULL_NAMES: dict[Level, str] = {
    Level.HTXSNV: "Hoàn thành xuất sắc nhiệm vụ",
    Level.HTTNV: "Hoàn thành tốt nhiệm vụ",
    Level.HTNV: "Hoàn thành nhiệm vụ",
    Level.KHTNV: "Không hoàn thành nhiệm vụ",
}

NOT_CLASSIFIED = "Chưa xếp loại"


def _fold(text: str) -> str:
    from pipeline.vntext import fold

    return fold(text).replace(" ", "")


_BY_KEY: dict[str, Level] = {}
for _level in LEVELS:
    _BY_KEY[_level.name.lower()] = _level
    _BY_KEY[_fold(FULL_NAMES[_level])] = _level
