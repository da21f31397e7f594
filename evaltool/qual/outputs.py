"""Tables built from Codings: code frequencies, the participant × code matrix, exemplar quotes.

The matrix is the join key for mixed-methods integration (a 0/1 column per code next to
``participant_id``, optionally per timepoint). Quotes are always redacted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ._exemplars import QuoteSource
from ._prepared import Prepared, _need, prepare, use_or_prepare
from .codebook import Codebook, load_codebook
from .redact import _options

__all__ = [
    "EXEMPLAR_COLUMNS",
    "FREQUENCY_COLUMNS",
    "code_frequencies",
    "code_matrix",
    "exemplar_quotes",
]

LABEL = "label"
FREQUENCY_COLUMNS = (C.CODE, LABEL, "n_answers", "n_nonempty", "n_with_code", "percent")
"""Columns of :func:`code_frequencies` after the ``by`` columns."""
EXEMPLAR_COLUMNS = (C.CODE, LABEL, "rank", C.RESPONSE_ID, "quote")
"""Columns of :func:`exemplar_quotes`."""


def code_frequencies(
    codings: pd.DataFrame,
    answers: pd.DataFrame,
    by: Sequence[str] | str | None = (C.TIMEPOINT, C.QUESTION),
    *,
    codebook: str | Codebook = "resilience_training",
    text: str = C.TEXT,
    id: str = C.RESPONSE_ID,
    prepared: Prepared | None = None,
) -> pd.DataFrame:
    """How many answers carry each code, overall or by group.

    Parameters
    ----------
    codings
        Output of :func:`evaltool.qual.code` (``response_id``, ``code``, ...). Not modified.
    answers
        The answers that were coded (``response_id``, ``text`` and the ``by`` columns).
    by
        Grouping columns. The default uses whichever of ``timepoint`` and ``question`` exist;
        columns named explicitly must exist. ``None`` or ``()`` gives one overall table.
    codebook
        Gives the code order, labels and which answers are empty.
    text, id
        Text and id columns of ``answers``.
    prepared
        Internal: the codings joined to the answers once for several tables (made by
        ``evaltool.qual._prepared.prepare`` from these ``codings``, ``answers`` and codebook;
        anything else is refused). The result is the same as without it.

    Returns
    -------
    DataFrame
        One row per group × code (every code of the codebook, zeros included): the ``by``
        columns, ``code``, ``label``, ``n_answers`` (answers in the group), ``n_nonempty``
        (answers that are not empty-ish), ``n_with_code`` (answers with at least one coding of
        the code), ``percent`` (``100 * n_with_code / n_nonempty``; missing when no answer is
        non-empty).

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.qual import code
    >>> answers = pd.DataFrame({"response_id": [1, 2, 3], "timepoint": ["T2", "T2", "T3"],
    ...                         "text": ["The call helped", "n/a", "Too long"]})
    >>> f = code_frequencies(code(answers), answers)
    >>> f[f.code == "coaching_call"][["timepoint", "n_answers", "n_with_code", "percent"]].values.tolist()
    [['T2', 2, 1, 100.0], ['T3', 1, 0, 0.0]]
    """
    book = load_codebook(codebook)
    prep = use_or_prepare(codings, answers, book, prepared, text, id, "code_frequencies")
    _need(answers, [text], "text", "code_frequencies")
    groups = _groups(by, answers)
    _need(answers, groups, "by", "code_frequencies")
    base = answers[groups].copy()
    base["_nonempty"] = ~prep.empty()
    key = ["_all"] if not groups else groups
    if not groups:
        base["_all"] = 0
    grouped = base.groupby(key, sort=True, observed=True, dropna=False)
    sizes = grouped.agg(n_answers=("_nonempty", "size"), n_nonempty=("_nonempty", "sum"))
    # answers with each code, per group: distinct (answer, code) pairs counted by group
    rows, codes = prep.present()
    ncode = len(prep.code_order())
    group_of = grouped.ngroup().to_numpy()
    counts = np.bincount(group_of[rows] * ncode + codes, minlength=len(sizes) * ncode).reshape(len(sizes), ncode)
    labels = {c.id: c.label for c in book.flat_codes()}
    out = pd.DataFrame(_frequency_rows(sizes, counts, prep.code_order(), labels),
                       columns=[*key, *FREQUENCY_COLUMNS])
    if not groups:
        out = out.drop(columns="_all")
    out[C.CODE] = out[C.CODE].astype(object)
    out[LABEL] = out[LABEL].astype(object)
    return out.reset_index(drop=True)


def _groups(by: Sequence[str] | str | None, answers: pd.DataFrame) -> list[str]:
    """The grouping columns (of the default, those that exist)."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    groups = list(by)
    if tuple(groups) == (C.TIMEPOINT, C.QUESTION):
        groups = [g for g in groups if g in answers.columns]
    return groups


def _frequency_rows(sizes: pd.DataFrame, counts: np.ndarray, codes: list[str],
                    labels: dict[str, str]) -> list[tuple[Any, ...]]:
    """One row per group × code, zeros included (``counts``: group × code)."""
    rows = []
    per_group = zip(sizes.index, sizes["n_answers"].tolist(), sizes["n_nonempty"].tolist(), counts.tolist(),
                    strict=True)
    for group, n_answers, n_nonempty, with_code in per_group:
        gkey = group if isinstance(group, tuple) else (group,)
        for c, n_with in zip(codes, with_code, strict=True):
            rows.append((*gkey, c, labels.get(c, c), int(n_answers), int(n_nonempty), n_with,
                         100.0 * n_with / n_nonempty if n_nonempty else np.nan))
    return rows


def code_matrix(
    codings: pd.DataFrame,
    answers: pd.DataFrame,
    *,
    by_timepoint: bool = False,
    codebook: str | Codebook = "resilience_training",
    participant: str = C.PARTICIPANT_ID,
    timepoint: str = C.TIMEPOINT,
    id: str = C.RESPONSE_ID,
    prepared: Prepared | None = None,
) -> pd.DataFrame:
    """Participant × code 0/1 matrix: the join key for mixed-methods integration.

    Parameters
    ----------
    codings
        Output of :func:`evaltool.qual.code`. Not modified.
    answers
        The coded answers with ``response_id`` and ``participant_id`` (and ``timepoint`` when
        ``by_timepoint``). Every participant in ``answers`` gets a row, coded or not.
    by_timepoint
        One row per participant × timepoint instead of per participant.
    codebook
        Gives the code columns (every codable code, in codebook order).
    participant, timepoint, id
        Column names in ``answers``.
    prepared
        Internal: as for :func:`code_frequencies`.

    Returns
    -------
    DataFrame
        ``participant_id`` (and ``timepoint``), then one integer column per code: 1 if any of
        the participant's answers (at that timepoint) carries the code, else 0. Sorted by
        participant (and timepoint, in its categorical order when it has one).

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.qual import code
    >>> answers = pd.DataFrame({"response_id": [1, 2, 3], "participant_id": ["P1", "P1", "P2"],
    ...                         "text": ["The call helped", "More sessions please", "n/a"]})
    >>> m = code_matrix(code(answers), answers)
    >>> m[["participant_id", "coaching_call", "suggestions"]].values.tolist()
    [['P1', 1, 1], ['P2', 0, 0]]
    """
    book = load_codebook(codebook)
    prep = use_or_prepare(codings, answers, book, prepared, C.TEXT if prepared is None else prepared.text, id,
                     "code_matrix")
    keys = [participant, timepoint] if by_timepoint else [participant]
    _need(answers, keys, "answers", "code_matrix")
    codes = prep.code_order()
    units = answers[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)
    unit_index = pd.MultiIndex.from_frame(units) if by_timepoint else pd.Index(units[participant])
    unit_of = unit_index.get_indexer(pd.MultiIndex.from_frame(answers[keys]) if by_timepoint
                                     else pd.Index(answers[participant]))
    rows, code = prep.present()
    # a unit with a missing participant (or timepoint) is listed with no code, as it has
    # always been (a pivot drops missing keys)
    known = answers[keys].notna().all(axis=1).to_numpy()[rows]
    matrix = np.zeros((len(units), len(codes)), dtype=np.int64)
    matrix[unit_of[rows[known]], code[known]] = 1
    out = pd.concat([units, pd.DataFrame(matrix, columns=pd.Index(codes, dtype=object))], axis=1)
    out.columns.name = None
    return out[[*keys, *codes]]


def exemplar_quotes(
    codings: pd.DataFrame,
    answers: pd.DataFrame,
    n: int = 3,
    redact: bool | Mapping[str, Any] = True,
    *,
    codebook: str | Codebook = "resilience_training",
    max_chars: int = 160,
    text: str = C.TEXT,
    id: str = C.RESPONSE_ID,
    participant: str = C.PARTICIPANT_ID,
    prepared: Prepared | None = None,
) -> pd.DataFrame:
    """Short, redacted quotes that illustrate each code.

    Parameters
    ----------
    codings
        Output of :func:`evaltool.qual.code`. Not modified.
    answers
        The coded answers (``response_id``, ``text``; ``participant_id`` when present is used
        to take each quote from a different person).
    n
        At most this many quotes per code.
    redact
        Quotes are always redacted; ``True`` uses the default rules, a mapping passes options to
        :func:`evaltool.qual.redact` (``names``, ``places``, ``tags``...). ``False`` is refused.
    codebook
        Gives the code order and labels.
    max_chars
        Longest quote; the sentence around the evidence is cut with "…" around it if needed.
    text, id, participant
        Column names in ``answers``.
    prepared
        Internal: as for :func:`code_frequencies` (its quote source, and so each answer's
        redaction, is shared with the other quote tables made from it).

    Returns
    -------
    DataFrame
        ``code``, ``label``, ``rank`` (1..n), ``response_id``, ``quote``. Quotes come from
        non-negated codings first, from different participants, in answer order.

    Notes
    -----
    Redaction runs on the whole answer before the quote is cut, so that a name at the edge of
    the quote is still recognised by its context; a redacted span that crosses the edge of the
    quote widens the quote to contain it.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.qual import code
    >>> answers = pd.DataFrame({"response_id": [1], "text": ["Dr Patel's coaching call helped."]})
    >>> exemplar_quotes(code(answers), answers)["quote"].tolist()
    ["Dr [name]'s coaching call helped."]
    """
    _quote_options(redact, n, max_chars)
    book = load_codebook(codebook)
    prep = use_or_prepare(codings, answers, book, prepared, text, id, "exemplar_quotes")
    _need(answers, [text], "text", "exemplar_quotes")
    src = prep.quote_source(redact, n=n, max_chars=max_chars, participant=participant)
    labels = {c.id: c.label for c in book.flat_codes()}
    rows = [(c, labels.get(c, c), rank, rid, quote)
            for c in prep.code_order() for rank, rid, quote in src.quotes(c, n)]
    out = pd.DataFrame(rows, columns=list(EXEMPLAR_COLUMNS))
    out["rank"] = out["rank"].astype("int64")
    for col in (C.CODE, LABEL, "quote"):
        out[col] = out[col].astype(object)
    return out


def quote_source(codings: pd.DataFrame, answers: pd.DataFrame, n: int = 3, redact: bool | Mapping[str, Any] = True,
                 *, max_chars: int = 160, text: str = C.TEXT, id: str = C.RESPONSE_ID,
                 participant: str = C.PARTICIPANT_ID, by: Sequence[Any] | str | None = None,
                 rows: np.ndarray | None = None) -> QuoteSource:
    """The quotes of :func:`exemplar_quotes` (same parameters, same checks) before they are
    cut and redacted: ``.quotes(code, n)`` yields ``(rank, response_id, quote)`` for a code in
    the same order, redacting only the quotes that are read — for callers that keep a few of
    each code's quotes (:func:`evaltool.analysis.steps.quotes.pick_quotes`). ``by`` (a label
    per coding, or a column of ``answers`` giving each coding's label by its answer) splits the
    codings into groups quoted separately: ``.quotes(code, n, group)`` gives what a source of
    the group's codings alone would. ``rows``: each coding's row in ``answers``, when the
    caller has looked them up (then the codings are not checked against the answers again)."""
    options = _quote_options(redact, n, max_chars)
    if rows is None:
        prep = prepare(codings, answers, None, text=text, id=id, caller="exemplar_quotes")
        rows = prep.rows if prep.unique_ids else None
    elif len(rows) != len(codings) or (len(rows) and not 0 <= int(np.min(rows)) <= int(np.max(rows)) < len(answers)):
        raise ValueError("'rows' must give a row of 'answers' for each coding.")
    _need(answers, [text], "text", "exemplar_quotes")
    return QuoteSource(codings, answers, options, max_chars=max_chars, text=text, id=id, participant=participant,
                       by=by, rows=rows)


def _quote_options(redact: bool | Mapping[str, Any], n: Any, max_chars: Any) -> tuple[Any, Any, Any, bool]:
    """Checked parameters of :func:`exemplar_quotes`: the redaction patterns, tags and whether
    to use the word lists."""
    if redact is False:
        raise ParameterError(
            "exemplar_quotes() always redacts; redact=False is not allowed.",
            fix="read the unredacted evidence from the codings table itself when you need it.",
        )
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"The 'n' parameter of exemplar_quotes() must be a positive integer. Got {n!r} instead.")
    if not isinstance(max_chars, (int, np.integer)) or max_chars < 20:
        raise ParameterError(
            f"The 'max_chars' parameter of exemplar_quotes() must be an integer ≥ 20. Got {max_chars!r} instead.")
    options = dict(redact) if isinstance(redact, Mapping) else {}
    unknown = sorted(set(options) - {"names", "places", "tags", "use_word_lists"})
    if unknown:
        raise ParameterError(
            f"The 'redact' parameter of exemplar_quotes() accepts the options names, places, tags, "
            f"use_word_lists. Got {unknown} instead.")
    name_rx, place_rx, tags = _options(options.get("names"), options.get("places"), options.get("tags"))
    return name_rx, place_rx, tags, bool(options.get("use_word_lists", True))
