"""Descriptive statistics of scale scores per timepoint (and group), and band counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import InstrumentError, ParameterError
from ..options import DEFAULT_MIN_CELL_SIZE, check_min_cell_size
from . import _data

__all__ = ["BAND_COUNT_COLUMNS", "DESCRIBE_COLUMNS", "QUANTILE_METHOD", "band_counts", "describe"]

DESCRIBE_COLUMNS: tuple[str, ...] = (
    "scale", "timepoint", "n", "n_missing", "mean", "sd", "median", "q1", "q3", "min", "max",
    "quantile_method",
)
"""Output columns of :func:`describe` (with ``by``: group columns first, ``small_group`` last)."""

BAND_COUNT_COLUMNS: tuple[str, ...] = ("scale", "timepoint", "band", "n", "n_banded", "percent")
"""Output columns of :func:`band_counts` (with ``by``: group columns first, ``small_group`` last)."""

QUANTILE_METHOD = "R type 7 (linear interpolation; R and pandas default)"


def _time_index(data: pd.DataFrame, within: str, func: str) -> tuple[list[Any], np.ndarray]:
    col = data[within]
    if col.isna().any():
        raise ParameterError(
            f"{int(col.isna().sum())} row(s) passed to {func}() have no timepoint.",
            fix="remove those rows or fill in their timepoint.",
        )
    levels = list(col.cat.categories) if isinstance(col.dtype, pd.CategoricalDtype) else list(pd.unique(col))
    return levels, _data.codes_for(col, levels)


def _row_groups(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group code per row (missing values form their own group) and the group key table."""
    if not by:
        return np.zeros(len(data), dtype="int64"), pd.DataFrame(index=[0])
    codes = data.groupby(by, dropna=False, sort=True, observed=True).ngroup().to_numpy()
    keys = data[by].assign(_g=codes).drop_duplicates("_g").sort_values("_g")
    return codes.astype("int64"), keys.drop(columns="_g").reset_index(drop=True)


def _full_index(n_groups: int, n_scales: int, n_times: int) -> pd.MultiIndex:
    return pd.MultiIndex.from_product(
        [range(n_groups), range(n_scales), range(n_times)], names=["_g", "_s", "_t"]
    )


def _finish(out: pd.DataFrame, group_keys: pd.DataFrame, by: list[str], scales: list[Any],
            times: list[Any], cols: tuple[str, ...], n_col: str, min_cell_size: int,
            within: str) -> pd.DataFrame:
    out = out.reset_index()
    res = out.assign(
        scale=[scales[i] for i in out["_s"]],
        timepoint=[times[i] for i in out["_t"]],
    )
    columns = list(cols)
    if by:
        gk = group_keys.iloc[res["_g"].to_numpy()].reset_index(drop=True)
        res = pd.concat([gk, res.reset_index(drop=True)], axis=1)
        res[_data.SMALL_GROUP] = res[n_col] < min_cell_size
        columns = by + columns + [_data.SMALL_GROUP]
    res = res[columns].reset_index(drop=True)
    if within != "timepoint":
        res = res.rename(columns={"timepoint": within})
    return res


def describe(
    scores: pd.DataFrame,
    *,
    dv: str = C.SCORE,
    within: str = C.TIMEPOINT,
    scale: str | None = C.SCALE,
    by: str | Sequence[str] | None = None,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> pd.DataFrame:
    """Describe scores per scale × timepoint (× group): n, mean, SD, quartiles, range.

    Parameters
    ----------
    scores
        Tidy Scores (one row per participant × timepoint × scale). Not modified.
    dv, within, scale
        Columns holding the score, the timepoint and the scale (``scale=None``: one scale,
        labelled with ``dv``).
    by
        Column(s) to describe separately (e.g. ``"cohort"``). Rows with a missing group value
        form their own group; no group is dropped.
    min_cell_size
        With ``by``: ``small_group`` is true when ``n`` is below this (default 5).

    Returns
    -------
    DataFrame
        Columns :data:`DESCRIBE_COLUMNS` (``timepoint`` is named after ``within``; with
        ``by``: group columns first and ``small_group`` last). Every scale × timepoint (×
        group) appears, in the order of the categories, also when empty (``n`` = 0):

        * ``n`` — scores present; ``n_missing`` — rows whose score is missing;
        * ``mean``, ``sd`` (n − 1), ``median``, ``q1``, ``q3``, ``min``, ``max``;
        * ``quantile_method`` — how ``q1``/``q3`` were computed (R's default type 7).

    Notes
    -----
    Quartiles use linear interpolation between order statistics, R's ``quantile(type = 7)``
    (its default, also pandas' and numpy's default). Means and SDs reproduce the
    ``descriptives`` block of ``tests/reference/expected/prepost.json`` (R 4.2.2 ``mean``,
    ``sd``) to 1e-12.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"timepoint": pd.Categorical(["T1", "T1", "T1", "T2"], categories=["T1", "T2"]),
    ...                    "scale": "brs", "score": [2.0, 3.0, 4.5, None]})
    >>> describe(df)[["scale", "timepoint", "n", "n_missing", "mean", "q1", "q3"]]
      scale timepoint  n  n_missing      mean   q1    q3
    0   brs        T1  3          0  3.166667  2.5  3.75
    1   brs        T2  0          1       NaN  NaN   NaN
    """
    func = "describe"
    data = _data.check_frame(scores, func)
    _data.check_columns(data, func, dv=dv, within=within, scale=scale)
    min_cell_size = check_min_cell_size(min_cell_size, func)
    by_cols = _data.as_by(by, data, func, [c for c in (dv, within, scale) if c is not None])
    _data.check_numeric(data, dv, func)
    scales, s_codes = _data.scale_index(data, scale, dv, func)
    times, t_codes = _time_index(data, within, func)
    g_codes, group_keys = _row_groups(data, by_cols)
    frame = pd.DataFrame({
        "_g": g_codes, "_s": s_codes, "_t": t_codes,
        "_v": data[dv].to_numpy(dtype="float64", na_value=np.nan),
    })
    stats = _summaries(frame.groupby(["_g", "_s", "_t"], sort=True)["_v"])
    stats = stats.reindex(_full_index(len(group_keys), len(scales), len(times)))
    stats["n"] = stats["n"].fillna(0).astype("int64")
    stats["n_missing"] = stats["n_missing"].fillna(0).astype("int64")
    stats["quantile_method"] = QUANTILE_METHOD
    return _finish(stats, group_keys, by_cols, scales, times, DESCRIBE_COLUMNS, "n",
                   min_cell_size, within)


def _instrument_bands(data: pd.DataFrame, scales: list[Any], s_codes: np.ndarray) -> dict[Any, list[str]]:
    """Band labels per scale from the packaged instrument files named in the data, if any."""
    if C.INSTRUMENT not in data.columns:
        return {}
    from ..instruments import load_instrument

    out: dict[Any, list[str]] = {}
    # distinct (instrument, scale) pairs in order of first appearance, from integer codes
    i_codes, instruments = pd.factorize(data[C.INSTRUMENT])
    key = i_codes.astype("int64") * (len(scales) + 1) + s_codes
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)
    pairs = [(instruments[i_codes[r]], scales[s_codes[r]]) for r in first if i_codes[r] >= 0 and s_codes[r] >= 0]
    for inst_id, sc in pairs:
        try:
            inst = load_instrument(str(inst_id))
            labels = [b.label for b in inst.scale(str(sc)).bands]
        except (InstrumentError, KeyError):
            continue
        if labels and sc in scales:
            out[sc] = labels
    return out


def _summaries(grouped: Any) -> pd.DataFrame:
    """n, missing, mean, SD (n − 1), median, quartiles (type 7) and range of each group."""
    return pd.DataFrame({
        "n": grouped.count(),
        "n_missing": grouped.size() - grouped.count(),
        "mean": grouped.mean(),
        "sd": grouped.std(ddof=1),
        "median": grouped.median(),
        "q1": grouped.quantile(0.25, interpolation="linear"),
        "q3": grouped.quantile(0.75, interpolation="linear"),
        "min": grouped.min(),
        "max": grouped.max(),
    })


def band_counts(
    scores: pd.DataFrame,
    *,
    band: str = C.BAND,
    within: str = C.TIMEPOINT,
    scale: str | None = C.SCALE,
    bands: Mapping[Any, Sequence[str]] | None = None,
    by: str | Sequence[str] | None = None,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> pd.DataFrame:
    """Count scores in each band, one row per scale × timepoint (× group) × band.

    Parameters
    ----------
    scores
        Tidy Scores with a band column (as :func:`evaltool.score` returns). Not modified.
    band, within, scale
        Columns holding the band label, the timepoint and the scale.
    bands
        Band labels per scale, in order, e.g. ``{"brs": ["low", "normal", "high"]}``, so that
        empty bands appear with n = 0. Default: from the packaged instrument file when the
        data have an ``instrument`` column, else the categories of a categorical band column
        that occur for the scale, else the labels seen for the scale.
    by
        Column(s) to count separately (e.g. ``"cohort"``); no group is dropped.
    min_cell_size
        With ``by``: ``small_group`` is true when ``n_banded`` is below this (default 5).

    Returns
    -------
    DataFrame
        Columns :data:`BAND_COUNT_COLUMNS` (``timepoint`` named after ``within``; with
        ``by``: group columns first and ``small_group`` last): ``n`` in the band,
        ``n_banded`` — scores with a band at that scale × timepoint (the denominator), and
        ``percent`` = 100 × n / n_banded (NaN when n_banded = 0).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"timepoint": ["T1", "T1", "T1", "T2"], "scale": "brs",
    ...                    "band": ["low", "normal", "normal", "high"]})
    >>> band_counts(df, bands={"brs": ["low", "normal", "high"]})
      scale timepoint    band  n  n_banded     percent
    0   brs        T1     low  1         3   33.333333
    1   brs        T1  normal  2         3   66.666667
    2   brs        T1    high  0         3    0.000000
    3   brs        T2     low  0         1    0.000000
    4   brs        T2  normal  0         1    0.000000
    5   brs        T2    high  1         1  100.000000
    """
    func = "band_counts"
    data = _data.check_frame(scores, func)
    _data.check_columns(data, func, band=band, within=within, scale=scale)
    min_cell_size = check_min_cell_size(min_cell_size, func)
    by_cols = _data.as_by(by, data, func, [c for c in (band, within, scale) if c is not None])
    scales, s_codes = _data.scale_index(data, scale, band, func)
    times, t_codes = _time_index(data, within, func)
    g_codes, group_keys = _row_groups(data, by_cols)

    labels_by_scale = _band_labels(data, bands, scale, band, scales, s_codes)
    bcol = data[band]
    frame = pd.DataFrame({"_g": g_codes, "_s": s_codes, "_t": t_codes, "_b": bcol.astype(object)})
    frame = frame[frame["_b"].notna()]
    counts = frame.groupby(["_g", "_s", "_t", "_b"], sort=False).size()
    denom = frame.groupby(["_g", "_s", "_t"], sort=False).size()
    _check_labels(counts, scales, labels_by_scale)
    full = _band_grid(scales, labels_by_scale, len(group_keys), len(times))
    n = counts.reindex(pd.MultiIndex.from_frame(full)).fillna(0).astype("int64").to_numpy()
    d = denom.reindex(pd.MultiIndex.from_frame(full[["_g", "_s", "_t"]])).fillna(0).astype("int64").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(d > 0, 100.0 * n / np.maximum(d, 1), np.nan)
    out = full.assign(band=full["_b"].astype(str), n=n, n_banded=d, percent=pct)
    out = out.set_index(["_g", "_s", "_t"])
    return _finish(out, group_keys, by_cols, scales, times, BAND_COUNT_COLUMNS, "n_banded",
                   min_cell_size, within)


def _band_labels(data: pd.DataFrame, bands: Mapping[Any, Sequence[str]] | None, scale: str | None, band: str,
                 scales: list[Any], s_codes: np.ndarray) -> dict[Any, list[str]]:
    """Band labels per scale, in order: given, else the instrument's, else those seen."""
    labels_by_scale: dict[Any, list[str]] = {}
    if bands is not None:
        labels_by_scale.update({k: list(v) for k, v in bands.items()})
    elif scale is not None:
        labels_by_scale.update(_instrument_bands(data, scales, s_codes))
    bcol = data[band]
    present = pd.DataFrame({"_s": s_codes, "_b": bcol.astype(object)}).dropna()
    for i, sc in enumerate(scales):
        if sc in labels_by_scale:
            continue
        seen = set(present.loc[present["_s"] == i, "_b"])
        if isinstance(bcol.dtype, pd.CategoricalDtype):
            labels_by_scale[sc] = [c for c in bcol.cat.categories if c in seen]
        else:
            labels_by_scale[sc] = sorted(seen, key=str)
    return labels_by_scale


def _check_labels(counts: pd.Series, scales: list[Any], labels_by_scale: dict[Any, list[str]]) -> None:
    unknown = [
        (scales[s], b) for (_, s, _, b) in counts.index if b not in labels_by_scale[scales[s]]
    ]
    if unknown:
        raise ParameterError(
            f"band_counts() found band label(s) {sorted({str(b) for _, b in unknown})} that are not "
            "among the declared bands of their scale.",
            fix="list every band of each scale in bands=, or correct the band column.",
        )


def _band_grid(scales: list[Any], labels_by_scale: dict[Any, list[str]], n_groups: int, n_times: int) -> pd.DataFrame:
    """Every group × scale × timepoint × band (codes), so that empty bands count 0."""
    parts = []
    for s, sc in enumerate(scales):
        labs = labels_by_scale[sc]
        idx = pd.MultiIndex.from_product(
            [range(n_groups), [s], range(n_times), labs], names=["_g", "_s", "_t", "_b"])
        parts.append(idx.to_frame(index=False))
    full = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["_g", "_s", "_t", "_b"])
    return full.sort_values(["_g", "_s", "_t"], kind="stable")
