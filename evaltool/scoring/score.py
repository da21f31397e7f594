"""Score questionnaires from instrument files, vectorised over whole frames.

The rules (docs/statistics.md, "Scoring"; docs/instruments.md):

* answers are checked against the item's response set: a value outside it, a non-numeric
  value or an unknown label is a *problem* (never clipped);
* codes are recoded where the response set says so (CBI 1..5 → 100..0);
* reverse-keyed items become ``min + max - x`` with ``min``/``max`` of the response set's
  scored range — never of the data;
* a scale score is computed only when at least the scale's ``min_answered`` items are
  answered (default: all); ``mean`` averages the answered items (``psych::scoreItems(impute =
  "none")``), ``prorated_sum`` is ``n_items x mean``, ``lookup`` converts the (rounded)
  prorated sum with the instrument's table (SWEMWBS), knowledge tests count correct answers;
* ``n_answered``, ``n_items``, ``n_invalid`` and ``prorated`` are always reported.

Everything is computed column by column over whole arrays: 1,000,000 responses × 35 items
score in well under a second (``bench/bench_scoring.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import DataProblemsError, ParameterError
from ..instruments import Instrument, load_instrument
from ..instruments.schema import ResponseSet, Scale
from ..options import check_choice
from ._prepare import PreparedItem, as_wide, prepare, problems_frame

__all__ = ["check_items", "reverse_items", "score"]

InvalidPolicy = Literal["raise", "missing"]


def _problems_error(problems: list[pd.DataFrame], inst: Instrument) -> DataProblemsError:
    frame = problems_frame(problems)
    return DataProblemsError(
        f"{len(frame)} answer(s) are not valid {inst.short_name} answers.",
        frame,
        fix="correct or blank them (see the problems table), or treat them as missing "
        "(invalid='missing'; on the command line --invalid missing).",
    )


def check_items(data: pd.DataFrame, instrument: str | Instrument, *,
                columns: Mapping[str, str] | None = None, source: str | None = None) -> pd.DataFrame:
    """Check every answer against its item's response set and return all problems at once.

    Parameters
    ----------
    data
        One row per response, item answers in columns named after the item ids (or mapped
        with ``columns``). Numbers, numeric text and answer labels are accepted. Not modified.
    instrument
        Packaged instrument name, path to a YAML file, or an :class:`~evaltool.instruments.Instrument`.
    columns
        Optional map from item id to data column, e.g. ``{"brs_1": "Q3_1"}`` (as in the
        study file).
    source
        File name to put in the ``source`` column.

    Returns
    -------
    DataFrame
        One row per problem, columns ``source, row, column, value, rule, message, fix,
        severity``; ``row`` is the data's ``row`` column if it has one, else its index. Rules:
        ``not_numeric`` (neither a number nor a known label), ``out_of_range`` (not an allowed
        code). Empty when every answer is valid.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"brs_1": [4, 9], "brs_2": [2, 2], "brs_3": [3, 3],
    ...                    "brs_4": [2, 2], "brs_5": [4, 4], "brs_6": [1, "often"]})
    >>> check_items(df, "brs")[["row", "column", "rule"]].to_dict("records")
    [{'row': 1, 'column': 'brs_1', 'rule': 'out_of_range'}, {'row': 1, 'column': 'brs_6', 'rule': 'not_numeric'}]
    """
    inst = load_instrument(instrument)
    wide, _ = as_wide(data, None)
    _, problems = prepare(wide, inst, inst.scales, columns, source)
    return problems_frame(problems)


# --------------------------------------------------------------------------------------
# scoring
# --------------------------------------------------------------------------------------
def reverse_items(values: np.ndarray, response_set: ResponseSet) -> np.ndarray:
    """Reverse-key answers on the response set's scored range: ``min + max - x``.

    The range always comes from the instrument, never from the data (docs/statistics.md).

    Parameters
    ----------
    values
        Scored answers (after any recode); NaN stays NaN. Not modified.
    response_set
        The item's response set; its scored minimum and maximum are used.

    Returns
    -------
    numpy.ndarray
        The reversed values (float).

    Examples
    --------
    >>> import numpy as np
    >>> from evaltool.instruments import load_instrument
    >>> rs = load_instrument("brs").response_sets["agree5"]
    >>> reverse_items(np.array([1.0, 5.0, np.nan]), rs)
    array([ 5.,  1., nan])
    """
    return (response_set.scored_min + response_set.scored_max) - np.asarray(values, dtype="float64")


def _band_codes(score: np.ndarray, scale: Scale) -> np.ndarray:
    """Index of the band each score falls in (-1 = none / missing).

    Bands are ordered and contiguous (the schema checks it), so the index is the number of
    inner boundaries the score has passed; each boundary belongs to the band whose ``closed``
    side includes it.
    """
    bands = scale.bands
    if not bands:
        return np.full(score.shape, -1, dtype="int16")
    idx = np.zeros(score.shape, dtype="int16")
    with np.errstate(invalid="ignore"):
        for upper_band in bands[1:]:
            bound = upper_band.lower
            above = (score >= bound) if upper_band.contains_lower() else (score > bound)
            np.add(idx, above, out=idx, casting="unsafe")
        inside = ~np.isnan(score)
        first, last = bands[0], bands[-1]
        if first.lower is not None:
            inside &= (score >= first.lower) if first.contains_lower() else (score > first.lower)
        if last.upper is not None:
            inside &= (score <= last.upper) if last.contains_upper() else (score < last.upper)
    return np.where(inside, idx, np.int16(-1))


def _scored_item(inst: Instrument, scale: Scale, item_id: str, prep: PreparedItem) -> np.ndarray:
    """One item's contribution to ``scale``: recoded, reversed or marked correct (NaN = missing)."""
    item = inst.item(item_id)
    x = prep.values
    if scale.method in ("correct_count", "correct_percent"):
        if item.correct is None:  # pragma: no cover - the schema requires it
            raise ParameterError(f"item '{item_id}' has no correct answer")
        return np.where(prep.answered, np.isin(x, item.correct).astype("float64"), np.nan)
    if inst.is_reversed(scale, item_id):
        return reverse_items(x, inst.response_sets[item.response_set])
    return x


def item_matrix(inst: Instrument, scale: Scale, prepared: Mapping[str, PreparedItem]) -> np.ndarray:
    """The scale's items as an ``n x k`` float matrix (columns in the scale's order), recoded
    and reversed exactly as :func:`score` uses them; NaN = missing or invalid."""
    n = len(next(iter(prepared.values())).values) if prepared else 0
    X = np.empty((n, len(scale.items)), dtype="float64", order="F")
    for j, item_id in enumerate(scale.items):
        X[:, j] = _scored_item(inst, scale, item_id, prepared[item_id])
    return X


def _lookup(raw: np.ndarray, scale: Scale) -> np.ndarray:
    conv = scale.conversion
    if conv is None:  # pragma: no cover - the schema requires it
        raise ParameterError(f"scale '{scale.id}' has method 'lookup' but no conversion table")
    if conv.round_before_lookup:
        raw = np.floor(raw + 0.5)
    keys = np.array(sorted(conv.table), dtype="float64")
    vals = np.array([conv.table[int(c)] for c in keys], dtype="float64")
    with np.errstate(invalid="ignore"):
        pos = np.clip(np.searchsorted(keys, raw), 0, len(keys) - 1)
    hit = ~np.isnan(raw) & (keys[pos] == raw)
    return np.where(hit, vals[pos], np.nan)


def _score_scale(inst: Instrument, scale: Scale, prepared: Mapping[str, PreparedItem],
                 n_rows: int) -> dict[str, np.ndarray]:
    """Score one scale, item by item over whole columns (no n x k copy, no per-row Python)."""
    k = len(scale.items)
    total = np.zeros(n_rows, dtype="float64")
    n_answered = np.zeros(n_rows, dtype="int32")
    n_invalid = np.zeros(n_rows, dtype="int32")
    for item_id in scale.items:
        prep = prepared[item_id]
        x = _scored_item(inst, scale, item_id, prep)
        np.add(total, x, out=total, where=prep.answered)
        n_answered += prep.answered
        if prep.invalid is not None:
            n_invalid += prep.invalid
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n_answered
    ok = n_answered >= max(scale.min_answered(), 1)
    wrong = scale.unanswered == "wrong"  # knowledge tests: unanswered = 0, never prorated
    if scale.method == "mean":
        s = mean
    elif scale.method == "sum":
        s = np.where(n_answered == k, total, np.nan)
    elif scale.method == "correct_count":
        s = total if wrong else k * mean
    elif scale.method == "correct_percent":
        s = 100.0 * total / k if wrong else 100.0 * mean
    elif scale.method == "prorated_sum":
        s = k * mean
    elif scale.method == "lookup":
        s = _lookup(k * mean, scale)
    else:  # pragma: no cover - schema forbids it
        raise ParameterError(f"unknown scoring method {scale.method!r}")
    s = np.where(ok, s, np.nan)
    if wrong and scale.all_unanswered == "zero":
        s = np.where(n_answered == 0, 0.0, s)
    return {
        C.SCORE: s,
        C.N_ANSWERED: n_answered,
        C.N_INVALID: n_invalid,
        C.PRORATED: ~np.isnan(s) & (n_answered < k) & (not wrong),
        "_band": _band_codes(s, scale),
    }


def score(
    data: pd.DataFrame,
    instrument: str | Instrument,
    *,
    scales: Sequence[str] | None = None,
    id_columns: Sequence[str] | None = None,
    columns: Mapping[str, str] | None = None,
    invalid: InvalidPolicy = "raise",
    source: str | None = None,
) -> pd.DataFrame:
    """Score an instrument's scales for every response, following the instrument file.

    Parameters
    ----------
    data
        Either wide (one row per response; item answers in columns named after the item ids
        or mapped with ``columns``) or tidy long Responses (``participant_id, timepoint, item,
        value``). Numbers, numeric text and the response set's labels are accepted. The frame
        is not modified.
    instrument
        Packaged instrument name (see :func:`~evaltool.instruments.list_instruments`), path to
        a YAML file, or an :class:`~evaltool.instruments.Instrument`.
    scales
        Scale ids to score (default: all scales of the instrument).
    id_columns
        Columns copied to the output to identify each response. Default: whichever of
        ``participant_id, timepoint, response_id, cohort`` exist (for long input: every column
        except ``item``/``value``).
    columns
        Map from item id to data column, e.g. ``{"brs_1": "Q3_1"}`` (as in the study file).
    invalid
        ``"raise"`` (default): any non-numeric, unknown-label or out-of-range answer raises
        :class:`~evaltool.errors.DataProblemsError` whose ``problems`` table lists them all.
        ``"missing"``: such answers count as missing and are counted in ``n_invalid``.
    source
        File name used in the problems table.

    Returns
    -------
    DataFrame
        Tidy Scores, one row per response × scale: the id columns, then ``instrument, scale,
        score, n_answered, n_items, n_invalid, prorated, band``. ``score`` is missing (NaN)
        when fewer than the scale's minimum items were answered. ``prorated`` is true when a
        score was computed with items missing. ``band`` is the instrument's band label (or
        missing).

    Raises
    ------
    DataProblemsError
        With ``invalid="raise"``, when any answer is invalid (all problems in ``.problems``).
    ParameterError
        When item columns are missing or arguments are wrong.

    Notes
    -----
    The rules are the module's (above). ``mean`` reproduces ``psych::scoreItems(impute =
    "none")`` and the R reference scoring exactly; references and tolerances are in
    docs/statistics.md, section 1 (``tests/test_scoring.py``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"participant_id": ["p1", "p2"], "brs_1": [4, 5], "brs_2": [2, 1],
    ...                    "brs_3": [4, 5], "brs_4": [2, None], "brs_5": [4, 4], "brs_6": [2, 2]})
    >>> score(df, "brs")[["participant_id", "score", "n_answered", "prorated", "band"]]
      participant_id  score  n_answered  prorated    band
    0             p1    4.0           6     False  normal
    1             p2    4.6           5      True    high
    """
    check_choice(invalid, ("raise", "missing"), "score", "invalid")
    inst = load_instrument(instrument)
    chosen = inst.select_scales(scales)
    wide, ids = as_wide(data, id_columns)
    prepared, problems = prepare(wide, inst, chosen, columns, source)
    if problems and invalid == "raise":
        raise _problems_error(problems, inst)
    n = len(wide)
    parts = [_score_scale(inst, s, prepared, n) for s in chosen]
    return _assemble(wide, ids, inst, chosen, parts)


def _repeat_column(col: pd.Series, m: int) -> object:
    """``col`` stacked ``m`` times, keeping its dtype (Arrow strings, categoricals) cheaply."""
    arr = col.array
    if m == 1:
        return arr
    return arr.take(np.tile(np.arange(len(col), dtype=np.intp), m))


def _assemble(wide: pd.DataFrame, ids: Sequence[str], inst: Instrument, chosen: Sequence[Scale],
              parts: Sequence[dict[str, np.ndarray]]) -> pd.DataFrame:
    """The tidy Scores frame: id columns, then ``SCORES_COLUMNS``; one row per response x scale."""
    n, m = len(wide), len(chosen)
    out: dict[str, object] = {col: _repeat_column(wide[col], m) for col in ids}

    def stack(key: str) -> np.ndarray:
        return parts[0][key] if m == 1 else np.concatenate([p[key] for p in parts])

    out[C.INSTRUMENT] = pd.Categorical.from_codes(
        np.zeros(n * m, dtype="int8"), dtype=pd.CategoricalDtype([inst.id])
    )
    out[C.SCALE] = pd.Categorical.from_codes(
        np.repeat(np.arange(m, dtype="int16"), n), dtype=pd.CategoricalDtype([s.id for s in chosen])
    )
    out[C.SCORE] = stack(C.SCORE)
    out[C.N_ANSWERED] = stack(C.N_ANSWERED)
    out[C.N_ITEMS] = np.repeat(np.array([len(s.items) for s in chosen], dtype="int32"), n)
    out[C.N_INVALID] = stack(C.N_INVALID)
    out[C.PRORATED] = stack(C.PRORATED)
    labels = list(dict.fromkeys(b.label for s in chosen for b in s.bands))
    codes = []
    for s, p in zip(chosen, parts, strict=True):
        remap = np.array([labels.index(b.label) for b in s.bands] + [-1], dtype="int16")
        codes.append(remap[p["_band"]])  # -1 indexes the trailing -1
    band_codes = codes[0] if m == 1 else np.concatenate(codes)
    out[C.BAND] = pd.Categorical.from_codes(band_codes, dtype=pd.CategoricalDtype(labels))
    return pd.DataFrame(out, copy=False)
