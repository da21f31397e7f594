"""Quotes grouped by reliable-change category (redacted; small categories suppressed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ..options import (
    DEFAULT_MIN_CELL_SIZE,
    check_min_cell_size,
)
from ._common import check_frame
from .redaction import default_redactor

__all__ = ["QUOTES_BY_CHANGE_COLUMNS", "RCI_ORDER", "quotes_by_change"]

QUOTES_BY_CHANGE_COLUMNS = (
    C.SCALE, "time_from", "time_to", "rci_category", "n_category", C.CODE, C.TIMEPOINT,
    C.QUESTION, "quote", "suppressed",
)
"""Columns of :func:`quotes_by_change`."""

RCI_ORDER = ("improved", "unchanged", "deteriorated")
"""Reliable-change categories in display order (others follow alphabetically)."""


def quotes_by_change(
    quotes: pd.DataFrame,
    change: pd.DataFrame,
    *,
    scales: Sequence[str] | None = None,
    time_to: str | None = None,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
    per_category: int = 3,
    text: str | None = None,
    redactor: Callable[[str], str] | None = None,
) -> pd.DataFrame:
    """Redacted quotes grouped by each participant's reliable-change category.

    Parameters
    ----------
    quotes
        One row per quote with ``participant_id`` and the quote text (column ``quote``, or
        ``text``; choose with ``text``), optionally ``code``, ``timepoint``, ``question``: e.g.
        the exemplar-quotes table, or coded answers. Not modified.
    change
        The ``reliable_change`` table (``participant_id, scale, time_from, time_to,
        rci_category``). Not modified.
    scales
        Scales to use (default: all in ``change``).
    time_to
        Which later timepoint's category to use (default: the latest one per scale).
    min_cell_size
        Categories with fewer people (and more than none) show no quotes and no count
        (at least 3). If that leaves one hidden count among the categories, the next-smallest
        count is hidden too, so it cannot be recovered from the published total.
    per_category
        At most this many quotes per category, each from a different participant (quotes
        are taken in input order: the exemplar table is already ranked).
    text
        The column holding the quote text.
    redactor
        Function applied to every quote before it is returned (default: evaltool's
        redaction of names, contact details and places). Quotes are always redacted.

    Returns
    -------
    DataFrame
        ``scale, time_from, time_to, rci_category, n_category, code, timepoint, question,
        quote, suppressed``: one row per quote; a suppressed category has one row with
        ``suppressed`` True and no count and no quote. No participant ids.

    Examples
    --------
    >>> import pandas as pd
    >>> q = pd.DataFrame({"participant_id": list("abcdef"),
    ...                   "quote": ["More sessions please", "The call helped", "Good",
    ...                             "Great", "Loved it", "Too long"]})
    >>> rc = pd.DataFrame({"participant_id": list("abcdef"), "scale": "brs", "time_from": "T1",
    ...                    "time_to": "T4", "rci_category": ["improved"] * 5 + ["unchanged"]})
    >>> out = quotes_by_change(q, rc, redactor=str)
    >>> out["rci_category"].tolist()[-1], bool(out["suppressed"].iloc[-1])
    ('unchanged', True)
    """
    caller = "quotes_by_change"
    k = check_min_cell_size(min_cell_size, caller)
    if isinstance(per_category, bool) or not isinstance(per_category, (int, np.integer)) or per_category < 1:
        raise ParameterError(
            f"The 'per_category' parameter of {caller}() must be a positive integer. Got {per_category!r} instead.")
    if text is None:
        text = next((c for c in ("quote", C.TEXT) if c in quotes.columns), "quote")
    check_frame(quotes, "quotes", caller, [C.PARTICIPANT_ID, text])
    check_frame(change, "change", caller, [C.PARTICIPANT_ID, C.SCALE, "time_from", "time_to", "rci_category"])
    redact = redactor if redactor is not None else default_redactor()
    ch = _categories(change, scales, time_to)
    q = _quotes(quotes, text)
    people = pd.factorize(q[C.PARTICIPANT_ID])     # each quote's person once (-1: missing id)
    rows: list[dict[str, object]] = []
    for (scale, t0, t1), grp in ch.groupby([C.SCALE, "time_from", "time_to"], sort=False):
        rows += _contrast_rows(grp, q, people, (scale, t0, t1), k, per_category, redact)
    out = pd.DataFrame(rows, columns=list(QUOTES_BY_CHANGE_COLUMNS))
    out["n_category"] = out["n_category"].astype("Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def _categories(change: pd.DataFrame, scales: Sequence[str] | None, time_to: str | None) -> pd.DataFrame:
    """Each person's change category per scale at ``time_to`` (default: each scale's last).

    The rows are chosen first (scales, a category, the timepoint: compared per distinct scale
    and timepoint) and only they are converted to plain values."""
    ch = change[[C.PARTICIPANT_ID, C.SCALE, "time_from", "time_to", "rci_category"]]
    if scales is not None:
        ch = ch[ch[C.SCALE].astype(object).isin(list(scales)).to_numpy()]
    ch = ch[ch["rci_category"].notna().to_numpy()]
    if time_to is not None:
        return ch.astype(object).pipe(lambda c: c[c["time_to"] == time_to])
    tt = change["time_to"]
    order = list(tt.cat.categories) if isinstance(tt.dtype, pd.CategoricalDtype) else None
    rank = (lambda s: s.map({t: i for i, t in enumerate(order)})) if order else (lambda s: s.astype(str))
    sc_at, _ = pd.factorize(ch[C.SCALE].astype(object))              # -1: no scale (no group, as groupby)
    tt_at, tt_uni = pd.factorize(ch["time_to"].astype(object), use_na_sentinel=False)
    r = rank(pd.Series(np.asarray(tt_uni, dtype=object), dtype=object))
    pairs = pd.DataFrame({"s": sc_at, "t": tt_at}).drop_duplicates()
    pairs = pairs[pairs["s"] >= 0]
    last = pairs.assign(r=r.to_numpy()[pairs["t"].to_numpy()]).groupby("s")["r"].max()
    per_row = last.reindex(np.arange(len(last)) if len(last) else []).to_numpy()
    ok = np.zeros(len(ch), dtype=bool)
    has = sc_at >= 0
    ok[has] = r.to_numpy()[tt_at[has]] == per_row[sc_at[has]]
    return ch[ok].astype(object)


def _quotes(quotes: pd.DataFrame, text: str) -> pd.DataFrame:
    """The non-empty quotes as ``participant_id, code, timepoint, question, quote``."""
    q = quotes.copy()
    for c in (C.CODE, C.TIMEPOINT, C.QUESTION):
        if c not in q.columns:
            q[c] = None
    q = q[[C.PARTICIPANT_ID, C.CODE, C.TIMEPOINT, C.QUESTION, text]].astype(object)
    q = q.rename(columns={text: "quote"})
    return q[q["quote"].notna() & (q["quote"].astype(str).str.strip() != "")]


def _contrast_rows(grp: pd.DataFrame, q: pd.DataFrame, people: tuple[np.ndarray, Any],
                   contrast: tuple[object, object, object], k: int,
                   per_category: int, redact: Callable[[str], str]) -> list[dict[str, object]]:
    """Rows of one scale × contrast: small categories hidden (with one more count when only one
    is, so it cannot be worked out from the total), quotes from the others."""
    scale, t0, t1 = contrast
    rows: list[dict[str, object]] = []
    counts = grp["rci_category"].value_counts()
    cats = [c for c in RCI_ORDER if c in counts.index] + sorted(set(counts.index) - set(RCI_ORDER))
    hidden = {c for c in cats if 0 < counts[c] < k}
    hide_n = set(hidden)
    if len(hidden) == 1:
        rest = [c for c in cats if c not in hidden]
        if rest:
            hide_n.add(min(rest, key=lambda c: (counts[c], cats.index(c))))
    in_category = _membership(grp, q, people)
    for cat in cats:
        base = {C.SCALE: scale, "time_from": t0, "time_to": t1, "rci_category": cat,
                "n_category": None if cat in hide_n else int(counts[cat])}
        if cat in hidden:
            rows.append({**base, C.CODE: None, C.TIMEPOINT: None, C.QUESTION: None,
                         "quote": None, "suppressed": True})
            continue
        pick = _first_people(q, people[0], in_category(cat), per_category)
        for r in pick.itertuples(index=False):
            rows.append({**base, C.CODE: r.code, C.TIMEPOINT: r.timepoint, C.QUESTION: r.question,
                         "quote": redact(str(r.quote)), "suppressed": False})
    return rows


def _membership(grp: pd.DataFrame, q: pd.DataFrame, people: tuple[np.ndarray, Any]) -> Callable[[object], np.ndarray]:
    """``cat -> which quotes are by people in category cat`` (of this contrast): each quote's
    person looked up once, not a scan of every quote against a set per category."""
    pid, cat = grp[C.PARTICIPANT_ID], grp["rci_category"]
    q_codes, q_pids = people
    if pid.isna().any() or (q_codes < 0).any() or pid.duplicated().any():
        return lambda c: q[C.PARTICIPANT_ID].isin(set(pid[cat == c])).to_numpy()
    codes, cats = pd.factorize(cat)
    at = pd.Index(pid.astype(object)).get_indexer(pd.Index(np.asarray(q_pids, dtype=object)))[q_codes]
    of_quote = np.where(at >= 0, codes[np.maximum(at, 0)], -1) if len(codes) else np.full(len(q), -1)
    where = {c: i for i, c in enumerate(cats)}
    return lambda c: of_quote == where.get(c, -2)


def _first_people(q: pd.DataFrame, codes: np.ndarray, mask: np.ndarray, n: int) -> pd.DataFrame:
    """``q[mask].drop_duplicates(participant_id).head(n)``, reading only as far as needed
    (``codes``: each quote's person, as factorised)."""
    if n < 1 or (codes < 0).any():
        return q[mask].drop_duplicates(C.PARTICIPANT_ID).head(n)
    values = codes
    seen: set[int] = set()
    take: list[int] = []
    for i in np.flatnonzero(mask).tolist():
        if values[i] not in seen:
            seen.add(values[i])
            take.append(i)
            if len(take) >= n:
                break
    return q.iloc[take]
