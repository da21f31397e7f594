"""One preparation of coded answers, shared by the tables built from codings (private).

:func:`evaltool.qual.code_frequencies`, :func:`~evaltool.qual.code_matrix`,
:func:`~evaltool.qual.exemplar_quotes`, :func:`~evaltool.qual.coding_summary` and the
analysis' code counts and study quotes each need the same things: every coding's answer
(its id checked against the answers), the answers' text and which of them are empty, each
coding's code in codebook order. At national scale (300k answers, 760k codings) each of
these costs ~0.5 s per caller; :func:`prepare` does them once, lazily, and the callers take a
:class:`Prepared` through their ``prepared`` argument (the analysis' coding step) or make
their own (a call on its own). The results are the same either way.

The answer of a coding is found as an inner join of ``codings.response_id`` with the
answers' id column would find it: the pairs ``(pos, rows)`` (a coding position, an answer
row). With unique answer ids (what :func:`evaltool.qual.code` requires) there is one pair
per coding, in codings order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from . import _engine as E

if TYPE_CHECKING:
    from .codebook import Codebook


@dataclass
class Prepared:
    """Codings joined to the answers they code (see the module docstring)."""

    codings: pd.DataFrame
    answers: pd.DataFrame
    book: Any
    """The :class:`~evaltool.qual.codebook.Codebook` (None: only rows and quotes are used)."""
    text: str
    id: str
    pos: np.ndarray
    """Coding position of each (coding, answer) pair."""
    rows: np.ndarray
    """Answer row of each pair."""
    unique_ids: bool
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def _get(self, key: Any, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def values(self) -> Any:
        """The answers' text column, indexable by row (missing values as they are): the
        column's own array when it is Arrow text (read a few rows at a time), else a list."""
        return self._get("values", lambda: _lookup(self.answers[self.text]))

    def empty(self) -> np.ndarray:
        """Which answers are empty-ish (not text counts as ``""``). Only answers shorter than
        40 characters can be (:func:`evaltool.qual._corpus.empty_flags`): only those are read."""
        def make() -> np.ndarray:
            column = self.answers[self.text]
            arrow = _arrow(column)
            if arrow is None:
                texts = ["" if not isinstance(v, str) else v for v in column.tolist()]
                return E.empty_flags(texts, E.compile_codebook(self.book))
            import pyarrow.compute as pc

            lengths = pc.utf8_length(arrow).fill_null(0).to_numpy(zero_copy_only=False)
            short = np.flatnonzero(lengths < 40)
            texts = [v or "" for v in arrow.take(short).to_pylist()]
            out = np.zeros(len(column), dtype=bool)
            out[short] = E.empty_flags(texts, E.compile_codebook(self.book))
            return out
        return self._get("empty", make)  # type: ignore[no-any-return]

    def people(self, participant: str) -> Any:
        """The participant of each answer, indexable by row (its row number when there is no
        such column)."""
        return self._get(("people", participant), lambda: (
            _lookup(self.answers[participant]) if participant in self.answers.columns
            else list(range(len(self.answers)))))

    def code_order(self) -> list[str]:
        """Codable codes in codebook order, then other codes of the codings (sorted)."""
        def make() -> list[str]:
            known = [c.id for c in self.book.flat_codes() if c.codable]
            kset = set(known)
            extra = ([c for c in pd.unique(self.codings[C.CODE]) if c not in kset]
                     if len(self.codings) else [])
            return known + sorted(map(str, extra))
        return self._get("order", make)  # type: ignore[no-any-return]

    def code_index(self) -> np.ndarray:
        """Each coding's code as its position in :meth:`code_order` (−1: not there)."""
        def make() -> np.ndarray:
            codes, uniques = pd.factorize(self.codings[C.CODE].to_numpy(dtype=object))
            at = pd.Index(self.code_order(), dtype=object).get_indexer(pd.Index(np.asarray(uniques, dtype=object), dtype=object))
            return np.where(codes >= 0, np.append(at, -1)[codes], -1)
        return self._get("code_index", make)  # type: ignore[no-any-return]

    def present(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct (answer row, code index) pairs, sorted: which answers carry which codes."""
        def make() -> tuple[np.ndarray, np.ndarray]:
            code = self.code_index()[self.pos]
            ok = code >= 0
            ncode = max(len(self.code_order()), 1)
            mark = np.zeros(len(self.answers) * ncode, dtype=bool)
            mark[self.rows[ok] * ncode + code[ok]] = True
            key = np.flatnonzero(mark)
            return key // ncode, key % ncode
        return self._get("present", make)  # type: ignore[no-any-return]

    def answer_keys(self) -> np.ndarray:
        """Per pair, a number that is equal for equal answer ids (the row when ids are unique)."""
        if self.unique_ids:
            return self.rows
        return self._get("akeys", lambda: pd.factorize(self.answers[self.id])[0][self.rows])  # type: ignore[no-any-return]

    def first_rows(self, ids: list[Any]) -> list[int]:
        """The first answer row of each id in ``ids`` (all must be answer ids)."""
        index = self._get("index", lambda: pd.Index(self.answers[self.id]))
        assert self.unique_ids, "first_rows needs unique answer ids"
        return index.get_indexer(ids).tolist()  # type: ignore[no-any-return]

    def quote_source(self, redact: bool | Mapping[str, Any], *, n: int = 3, max_chars: int = 160,
                     participant: str = C.PARTICIPANT_ID) -> Any:
        """A :class:`~evaltool.qual._exemplars.QuoteSource` of all the codings, made once per
        set of options (its redactions are then shared by every table that quotes)."""
        from ._exemplars import QuoteSource
        from .outputs import _quote_options

        options = _quote_options(redact, n, max_chars)
        key = ("quotes", repr(redact), max_chars, participant)

        def make() -> Any:
            if not self.unique_ids:   # as the quote source has always refused it
                raise ValueError("Length of values does not match length of index")
            return QuoteSource(self.codings, self.answers, options, max_chars=max_chars, text=self.text,
                               id=self.id, participant=participant, rows=self.rows,
                               texts=self.values(), people=self.people(participant))
        return self._get(key, make)


def _arrow(column: pd.Series) -> Any:
    """The column as one pyarrow array when it is Arrow-backed text, else None."""
    if not isinstance(column.dtype, pd.StringDtype) or column.dtype.storage != "pyarrow":
        return None
    import pyarrow as pa

    data = pa.array(column.array)
    return data.combine_chunks() if isinstance(data, pa.ChunkedArray) else data


def _lookup(column: pd.Series) -> Any:
    """The column's values by row: its Arrow text array as it is (each value read when
    indexed: a few hundred are), or a list."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        return column.array
    return column.tolist()


def _need(frame: pd.DataFrame, cols: Sequence[str], param: str, caller: str) -> None:
    """Refuse ``frame`` without the columns ``cols`` (the caller's ``param``), naming them."""
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"The '{param}' parameter of {caller}() needs column(s) {missing}, which are not there.",
            fix=f"choose from the columns that exist: {list(frame.columns)}.",
        )


def prepare_answers(answers: pd.DataFrame, book: Codebook, *, text: str = C.TEXT, id: str = C.RESPONSE_ID,
                    participant: str = C.PARTICIPANT_ID) -> dict[str, Any]:
    """What :func:`prepare` reads of the answers alone (their index, text, empty ones,
    participants) and the redaction word lists the quotes need: work that does not need the
    codings, e.g. done while they are being made (:func:`evaltool.qual._valence_jobs.meanwhile`).
    Pass it to :func:`prepare` as ``answers_part``."""
    from ._redact_patterns import _lists

    none = np.zeros(0, dtype=np.int64)
    part = Prepared(answers.iloc[:0], answers, book, text, id, pos=none, rows=none, unique_ids=False)
    part.empty()
    part.values()
    part.people(participant)
    index = pd.Index(answers[id])
    _ = index.is_unique   # computed once and kept by the index
    _lists()
    return {"answers": answers, "book": book, "text": text, "id": id, "index": index,
            "cache": {k: v for k, v in part._cache.items() if k != "index"}}


def prepare(codings: pd.DataFrame, answers: pd.DataFrame, book: Codebook | None, *, text: str = C.TEXT,
            id: str = C.RESPONSE_ID, caller: str = "prepare", answers_part: dict[str, Any] | None = None) -> Prepared:
    """Check that every coding refers to an answer and join them (see :class:`Prepared`).

    Raises the ``ParameterError`` the table functions have always raised for missing columns
    or codings of unknown answers. ``book`` (needed for the empty answers and the code order)
    may be None for a caller that needs neither. ``answers_part``: :func:`prepare_answers`
    of these answers (with this codebook and these columns; else it is not used)."""
    _need(codings, [C.RESPONSE_ID, C.CODE], "codings", caller)
    _need(answers, [id], "answers", caller)
    part = answers_part if answers_part is not None and (
        answers_part["answers"] is answers and answers_part["book"] is book and answers_part["text"] == text
        and answers_part["id"] == id) else None
    index = pd.Index(answers[id]) if part is None else part["index"]
    unique = bool(index.is_unique)
    if unique:
        rows = index.get_indexer(codings[C.RESPONSE_ID])
        pos = np.arange(len(codings), dtype=np.int64)
        unknown = int((rows < 0).sum())
    else:
        left = pd.DataFrame({"_k": codings[C.RESPONSE_ID], "_pos": np.arange(len(codings))})
        right = pd.DataFrame({"_k": answers[id], "_row": np.arange(len(answers))})
        joined = left.merge(right, on="_k", how="inner", sort=False)
        pos, rows = joined["_pos"].to_numpy(np.int64), joined["_row"].to_numpy(np.int64)
        unknown = int(len(codings) - len(np.unique(pos)))
    if unknown:
        raise ParameterError(
            f"{unknown} coding(s) refer to answers that are not in 'answers'.",
            fix="pass the same answers the codings were made from.",
        )
    out = Prepared(codings, answers, book, text, id, pos=np.asarray(pos, dtype=np.int64),
                   rows=np.asarray(rows, dtype=np.int64), unique_ids=unique)
    if part is not None:
        out._cache.update(part["cache"])
    out._cache["index"] = index
    return out


def check_prepared(prepared: Prepared, codings: pd.DataFrame, answers: pd.DataFrame, text: str, id: str,
                   caller: str) -> None:
    """Refuse a preparation made from other tables or columns than the call's."""
    if prepared.codings is not codings or prepared.answers is not answers or prepared.text != text or prepared.id != id:
        raise ParameterError(
            f"The 'prepared' parameter of {caller}() was made from other codings, answers or columns.",
            fix="pass the same codings and answers (and text and id columns) it was prepared from.",
        )


def use_or_prepare(codings: pd.DataFrame, answers: pd.DataFrame, book: Codebook, prepared: Prepared | None, text: str,
              id: str, caller: str) -> Prepared:
    """``prepared`` (checked to be of these tables), or a preparation of them made here."""
    if prepared is None:
        return prepare(codings, answers, book, text=text, id=id, caller=caller)
    check_prepared(prepared, codings, answers, text, id, caller)
    if prepared.book is not book:
        raise ParameterError(f"The 'prepared' parameter of {caller}() was made with another codebook.",
                             fix="pass the codebook it was prepared with.")
    return prepared


def summarised(prepared: Prepared, answers: Any, codings: pd.DataFrame, book: Any, text: str, id: str) -> bool:
    """Whether ``prepared`` can give :func:`evaltool.qual.coding_summary` of these tables:
    made from them (else refused), ids unique, text read as :func:`~evaltool.qual.code` reads
    it (a text column: missing = ``""``)."""
    if not isinstance(answers, pd.DataFrame):
        return False
    check_prepared(prepared, codings, answers, text, id, "coding_summary")
    return bool(prepared.unique_ids and prepared.book is book and isinstance(answers[text].dtype, pd.StringDtype))


def summary_frame(n: int, empty: np.ndarray, coded_rows: np.ndarray, n_codings: int,
                  columns: tuple[str, ...]) -> pd.DataFrame:
    """The one-row table of :func:`evaltool.qual.coding_summary` (``coded_rows``: the rows of
    the answers with a coding)."""
    coded = np.zeros(n, dtype=bool)
    coded[coded_rows] = True
    coded &= ~empty
    n_empty = int(empty.sum())
    n_coded = int(coded.sum())
    return pd.DataFrame([{
        "n_answers": n, "n_empty": n_empty, "n_coded": n_coded,
        "n_uncoded": n - n_empty - n_coded, "n_codings": int(n_codings),
    }], columns=list(columns))
