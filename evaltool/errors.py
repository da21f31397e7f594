"""One exception tree for evaltool, and its own warning class.

Every error a user can cause is an :class:`EvaltoolError`. Messages name where the problem is
(file, row, column or field) and say how to fix it. The CLI turns these into a one-line message
and exit code 1; nothing here ever includes participant answers or free text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "EvaltoolError",
    "InputError",
    "InstrumentError",
    "CodebookError",
    "StudyError",
    "ParameterError",
    "DataProblemsError",
    "OutputError",
    "EvaltoolWarning",
]


class EvaltoolError(Exception):
    """Base class of every error evaltool raises on purpose.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    fix
        What the user should do about it.
    file, row, column, field
        Where the problem is, when known. ``row`` is the line number a spreadsheet would show.
    """

    def __init__(
        self,
        message: str,
        *,
        fix: str | None = None,
        file: Any = None,
        row: int | None = None,
        column: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.fix = fix
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        self.field = field
        super().__init__(self.__str__())

    @property
    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class InputError(EvaltoolError):
    """An input file cannot be read: missing, empty, wrong format or encoding, bad layout."""


class InstrumentError(EvaltoolError):
    """An instrument file is invalid, or an instrument name is unknown."""


class CodebookError(EvaltoolError):
    """A codebook file is invalid, or a codebook name is unknown."""


class StudyError(EvaltoolError):
    """A study file (study.yaml) is invalid or refers to something that does not exist."""


class ParameterError(EvaltoolError, ValueError):
    """A function was called with an argument it cannot use (scikit-learn style message)."""


class OutputError(EvaltoolError):
    """An output location cannot be written (not empty, would overwrite an input, ...)."""


class DataProblemsError(EvaltoolError):
    """The data have problems that stop the analysis; all of them are in :attr:`problems`.

    ``problems`` is a DataFrame with the columns of :data:`evaltool.columns.PROBLEM_COLUMNS`
    (source, row, column, value, rule, message, fix, severity).
    """

    def __init__(self, message: str, problems: pd.DataFrame, *, fix: str | None = None) -> None:
        self.problems = problems
        super().__init__(message, fix=fix)


class EvaltoolWarning(UserWarning):
    """Something the user should know about that does not stop the analysis."""
