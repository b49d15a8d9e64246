"""Exceptions of the library, each carrying the exit code the CLI maps it to.

Modelled on OCRmyPDF: the library raises, the CLI turns the exception into a message and
an exit code. Messages are Vietnamese and name the file and the row / key / line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in the input, located as precisely as the input allows."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}, {self.where}" if self.where else self.file
        return f"{place}: {self.message}"


class HosoError(Exception):
    """Base class: every error the library raises on purpose."""

    exit_code = 2

    def lines(self) -> list[str]:
        return [str(self)]


class InputError(HosoError):
    """The input is invalid; every problem found is listed, nothing was written."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} lỗi trong dữ liệu đầu vào")

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class UsageError(HosoError):
    """The command was called with arguments that cannot work."""

    exit_code = 2


class UnreadableDossierError(HosoError):
    """A file given to `check` or `preview` is not a readable dossier PDF."""

    exit_code = 2
