"""One exception tree for evaltool, and its own warning class.

Every error a user can cause is an :class:`EvaltoolError`. Messages name where the problem is
(file, row, column or field) and say how to fix it. The CLI turns these into a one-line message
and exit code 1; nothing here ever includes participant answers or free text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

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
    "one_of",
]


def one_of(values: Iterable[object]) -> str:
    """``{'a', 'b'}`` in the given order (a set's order changes between runs).

    Examples
    --------
    >>> one_of(("holm", "BH"))
    "{'holm', 'BH'}"
    """
    return "{" + ", ".join(repr(v) for v in values) + "}"


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
    data_row, line
        The record's place among the responses (1 = the first response) and its line in the
        file (differs from ``row`` when a value holds line breaks): the message then says
        "data row 3 (file line 5)".

    Examples
    --------
    >>> err = EvaltoolError("has no participant-id column 'pid'.", file="t1.csv",
    ...                     fix="set participant_id.column in study.yaml.")
    >>> str(err)
    "t1.csv: has no participant-id column 'pid'. Fix: set participant_id.column in study.yaml."
    >>> err.file, err.fix
    ('t1.csv', 'set participant_id.column in study.yaml.')
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
        data_row: int | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.fix = fix
        self.file = None if file is None else str(file)
        self.row = row
        self.data_row = data_row
        self.line = line
        self.column = column
        self.field = field
        super().__init__(self.__str__())

    @property
    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None and self.data_row is not None and self.data_row > 0:
            parts.append(f"data row {self.data_row} (file line {self.line or self.row})")
        elif self.row is not None:
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
    """An input file cannot be read: missing, empty, wrong format or encoding, bad layout.

    Examples
    --------
    >>> from evaltool import read_export
    >>> read_export("no_such_export.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    evaltool.errors.InputError: ...no_such_export.csv: ...
    """


class InstrumentError(EvaltoolError):
    """An instrument file is invalid, or an instrument name is unknown.

    Examples
    --------
    >>> from evaltool import load_instrument
    >>> load_instrument("brsx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    evaltool.errors.InstrumentError: unknown instrument 'brsx'. Did you mean 'brs'? Fix: ...
    """


class CodebookError(EvaltoolError):
    """A codebook file is invalid, or a codebook name is unknown.

    Examples
    --------
    >>> from evaltool import load_codebook
    >>> try:
    ...     load_codebook("no_such_codebook")
    ... except CodebookError as err:
    ...     print(type(err).__name__)
    CodebookError
    """


class StudyError(EvaltoolError):
    """A study file (study.yaml) is invalid or refers to something that does not exist.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evaltool import load_study
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "study.yaml"
    >>> _ = bad.write_text("name: pilot\\n")
    >>> try:
    ...     load_study(bad)
    ... except StudyError as err:
    ...     print(isinstance(err, StudyError), "study.yaml" in str(err))
    True True
    """


class ParameterError(EvaltoolError, ValueError):
    """A function was called with an argument it cannot use (scikit-learn style message).

    Also a :class:`ValueError`, so ``except ValueError`` catches it.

    Examples
    --------
    >>> from evaltool import example_study_path
    >>> example_study_path("spss")
    Traceback (most recent call last):
    ...
    evaltool.errors.ParameterError: The 'variant' parameter of example_study_path() must be one of {'qualtrics', 'redcap'}. Got 'spss' instead.
    """


class OutputError(EvaltoolError):
    """An output location cannot be written (not empty, would overwrite an input, ...).

    Examples
    --------
    >>> str(OutputError("the output folder is not empty.", file="results",
    ...                 fix="choose a new --out folder, or pass --overwrite."))
    'results: the output folder is not empty. Fix: choose a new --out folder, or pass --overwrite.'
    """


class DataProblemsError(EvaltoolError):
    """The data have problems that stop the analysis; all of them are in :attr:`problems`.

    ``problems`` is a DataFrame with the columns of :data:`evaltool.columns.PROBLEM_COLUMNS`
    (source, row, column, value, rule, message, fix, severity).

    Examples
    --------
    >>> import pandas as pd
    >>> problems = pd.DataFrame({"source": ["t1.csv"], "row": [2], "column": ["brs_6"],
    ...                          "value": ["7"], "rule": ["out_of_range"],
    ...                          "message": ["BRS item 'brs_6' is outside 1..5"],
    ...                          "fix": ["correct the answer"], "severity": ["error"]})
    >>> err = DataProblemsError("1 data problem(s) must be fixed.", problems)
    >>> str(err), err.problems["rule"].tolist()
    ('1 data problem(s) must be fixed.', ['out_of_range'])
    """

    def __init__(self, message: str, problems: pd.DataFrame, *, fix: str | None = None) -> None:
        self.problems = problems
        super().__init__(message, fix=fix)


class EvaltoolWarning(UserWarning):
    """Something the user should know about that does not stop the analysis.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("2 answers were empty.", EvaltoolWarning)
    >>> caught[0].category.__name__, str(caught[0].message)
    ('EvaltoolWarning', '2 answers were empty.')
    """
