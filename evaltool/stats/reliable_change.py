"""Reliable and clinically significant change (Jacobson & Truax 1991), per participant.

Reliable change is reported per person for the researcher's analysis; facilitator reports
show only the cohort-level counts of :func:`reliable_change_summary` (docs/architecture.md:
participant-level tables are research-only).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import InstrumentError, ParameterError, one_of
from ..options import DEFAULT_MIN_CELL_SIZE, check_min_cell_size
from . import _data

__all__ = [
    "RELIABLE_CHANGE_COLUMNS",
    "RELIABLE_CHANGE_SUMMARY_COLUMNS",
    "reliable_change",
    "reliable_change_summary",
]

RELIABLE_CHANGE_COLUMNS: tuple[str, ...] = (
    "participant_id", "scale", "time_from", "time_to", "score_from", "score_to", "change",
    "direction", "sd_pre", "n_pre_for_sd", "r_xx", "reliability_source", "se_diff", "rci",
    "rci_category", "cutoff", "clinical_category", "note",
)
"""Output columns of :func:`reliable_change` (``participant_id`` is named after ``subject``;
with ``by``: the group columns first).

* ``participant_id``, ``scale``, ``time_from``, ``time_to``;
* ``score_from``, ``score_to``, ``change`` = later − baseline;
* ``direction`` used; ``sd_pre`` — SD (n − 1) of **all** available baseline scores of
  the scale, ``n_pre_for_sd``; ``r_xx``, ``reliability_source``;
* ``se_diff`` = SD_pre · √2 · √(1 − r_xx); ``rci`` = change / SE_diff;
* ``rci_category`` — ``improved`` / ``unchanged`` / ``deteriorated`` (|RCI| >
  criterion, in the direction of improvement);
* ``cutoff``, ``clinical_category`` — ``recovered`` (reliable improvement that crosses
  from the dysfunctional to the functional side of the cut-off) / ``improved`` /
  ``unchanged`` / ``deteriorated``; empty without a cut-off;
* ``note`` — why a value is missing (empty otherwise).
"""

RELIABLE_CHANGE_SUMMARY_COLUMNS: tuple[str, ...] = (
    "scale", "time_from", "time_to", "n_pairs", "n_improved", "n_unchanged", "n_deteriorated",
    "n_unclassified", "pct_improved", "pct_unchanged", "pct_deteriorated", "n_recovered",
    "pct_recovered", "sd_pre", "r_xx", "reliability_source", "se_diff",
)
"""Output columns of :func:`reliable_change_summary` (with ``by``: group columns first,
``small_group`` last)."""

Direction = Literal["higher_better", "higher_worse"]
_DIRECTIONS = ("higher_better", "higher_worse")
BASELINE_ALPHA = "baseline alpha"


def _instrument_scales(data: pd.DataFrame, scale: str | None, names: list[Any]) -> dict[Any, Any]:
    """Scale objects of packaged instruments named in the data's ``instrument`` column."""
    if scale is None or C.INSTRUMENT not in data.columns:
        return {}
    from ..instruments import load_instrument

    out: dict[Any, Any] = {}
    pairs = data[[C.INSTRUMENT, scale]].drop_duplicates().dropna()
    for inst_id, sc in pairs.itertuples(index=False):
        try:
            out[sc] = load_instrument(str(inst_id)).scale(str(sc))
        except (InstrumentError, KeyError):
            continue
    return {k: v for k, v in out.items() if k in names}


def _as_mapping(value: object, param: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if isinstance(value, pd.Series):
        return value.to_dict()
    if isinstance(value, Mapping):
        return dict(value)
    raise ParameterError(
        f"The '{param}' parameter of reliable_change() must be a mapping from scale to value "
        f"(or a pandas Series indexed by scale). Got {type(value).__name__} instead.",
        fix=f"e.g. {param}={{'brs': ...}}.",
    )


def _reliabilities(names: list[Any], given: dict[Any, Any], inst_scales: dict[Any, Any],
                   use_published: bool) -> dict[Any, tuple[float, str]]:
    out: dict[Any, tuple[float, str]] = {}
    missing = []
    for sc in names:
        published = getattr(inst_scales.get(sc), "reliability", None)
        if use_published and published is not None:
            text = " ".join(str(published.source).split())
            out[sc] = (float(published.value), f"published {published.statistic}: {text}")
        elif sc in given:
            val = given[sc]
            if isinstance(val, tuple):
                value, source = float(val[0]), str(val[1])
            else:
                value, source = float(val), BASELINE_ALPHA
            out[sc] = (value, source)
        else:
            missing.append(sc)
    if missing:
        raise ParameterError(
            f"reliable_change() has no reliability (r_xx) for scale(s) {missing}.",
            fix="pass reliability={scale: baseline alpha} (e.g. from evaltool.reliability), a "
            "(value, 'source') pair for a published value, or restrict scales=.",
        )
    bad = [sc for sc, (v, _) in out.items() if not (0 < v < 1) or np.isnan(v)]
    if bad:
        raise ParameterError(
            f"The reliability of scale(s) {bad} passed to reliable_change() must lie strictly "
            "between 0 and 1.",
            fix="check the alpha of those scales; reliable change is not meaningful for a scale "
            "with alpha <= 0.",
        )
    return out


def reliable_change(
    scores: pd.DataFrame,
    reliability: Mapping[Any, float | tuple[float, str]] | pd.Series | None = None,
    *, dv: str = C.SCORE, within: str = C.TIMEPOINT, subject: str = C.PARTICIPANT_ID,
    scale: str | None = C.SCALE, baseline: Hashable | None = None,
    scales: Sequence[Hashable] | None = None, direction: Mapping[Any, Direction] | None = None,
    cutoff: Mapping[Any, float] | None = None, use_published: bool = True,
    criterion: float = 1.96, by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Reliable change index per participant × scale × later timepoint (Jacobson & Truax 1991).

    The formulas, the choice of r_xx and the R reference are in docs/statistics.md, section 5.

    Parameters
    ----------
    scores
        Tidy Scores (one row per participant × timepoint × scale). Not modified.
    reliability
        r_xx per scale: the baseline Cronbach's α of this sample (source "baseline alpha"),
        or a ``(value, "source")`` pair. A pandas Series indexed by scale also works.
    dv, within, subject, scale
        Columns holding the score, timepoint, participant id and scale.
    baseline, scales
        The baseline timepoint (default: the first category of ``within``), with which every
        other timepoint is compared; the scales to analyse (default: all in the data).
    direction
        ``{"scale": "higher_better" | "higher_worse"}``. Default: the ``direction`` of the
        scale in its packaged instrument file (found through the data's ``instrument``
        column); an explicit value wins.
    cutoff
        Clinical cut-off per scale. The functional side is score >= cut-off for
        ``higher_better`` and score < cut-off for ``higher_worse``.
    use_published
        Use the published reliability of the scale's packaged instrument file, when it gives
        one, instead of ``reliability`` (default true); ``reliability_source`` says which.
    criterion
        |RCI| must exceed this (strictly) to count as reliable (default 1.96).
    by
        Participant attribute column(s) (e.g. ``"cohort"``) copied to the output, for
        :func:`reliable_change_summary`.

    Returns
    -------
    DataFrame
        One row per participant with scores at the baseline and a later timepoint, per scale;
        columns :data:`RELIABLE_CHANGE_COLUMNS` (described there).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"participant_id": list("abcabc"), "scale": "wellbeing",
    ...     "timepoint": pd.Categorical(["T1"] * 3 + ["T2"] * 3, categories=["T1", "T2"]),
    ...     "score": [20.0, 24.0, 28.0, 30.0, 24.0, 25.0]})
    >>> rc = reliable_change(df, {"wellbeing": 0.8}, direction={"wellbeing": "higher_better"})
    >>> rc[["participant_id", "change", "rci", "rci_category"]]
      participant_id  change       rci rci_category
    0              a    10.0  3.952847     improved
    1              b     0.0  0.000000    unchanged
    2              c    -3.0 -1.185854    unchanged
    """
    func = "reliable_change"
    data, by_cols = _checked(scores, dv, within, subject, scale, criterion, by)
    levels = _data.timepoint_levels(data[within], baseline, None, func)
    base = levels[0] if baseline is None else baseline
    names, scale_codes = _data.scale_index(data, scale, dv, func)
    chosen = _chosen_scales(names, scales)
    inst_scales = _instrument_scales(data, scale, chosen)
    dirs = _directions(direction, chosen, inst_scales)
    rel = _reliabilities(chosen, _as_mapping(reliability, "reliability"), inst_scales, use_published)
    cuts = {k: float(v) for k, v in _as_mapping(cutoff, "cutoff").items()}

    pm = _data.PairMatrix(data, dv=dv, within=within, subject=subject,
                          scale_codes=scale_codes, levels=levels, func=func)
    frames = [frame for sc in chosen for frame in _scale_changes(
        pm, names.index(sc), sc, levels, base, rel[sc], dirs[sc], cuts.get(sc, np.nan), criterion)]
    out = _participant_table(frames, pm, data, by_cols)
    if subject != "participant_id":
        out = out.rename(columns={"participant_id": subject})
    return out


def _checked(scores: pd.DataFrame, dv: str, within: str, subject: str, scale: str | None,
             criterion: float, by: str | Sequence[str] | None) -> tuple[pd.DataFrame, list[str]]:
    """The checked frame and the ``by`` columns (columns, a numeric ``dv``, the criterion)."""
    func = "reliable_change"
    data = _data.check_frame(scores, func)
    _data.check_columns(data, func, dv=dv, within=within, subject=subject, scale=scale)
    _data.check_numeric(data, dv, func)
    if isinstance(criterion, bool) or not isinstance(criterion, (int, float)) or not criterion > 0:
        raise ParameterError(
            f"The 'criterion' parameter of reliable_change() must be a positive number. Got {criterion!r} instead."
        )
    return data, _data.as_by(by, data, func, [c for c in (dv, within, subject, scale) if c is not None])


def _chosen_scales(names: list[Any], scales: Sequence[Hashable] | None) -> list[Any]:
    """The scales to analyse, in the data's order (all by default)."""
    if scales is None:
        return names
    unknown = [s for s in scales if s not in names]
    if unknown:
        raise ParameterError(
            f"The 'scales' parameter of reliable_change() names scale(s) {unknown} that are not in the data.",
            fix=f"choose from {names}.",
        )
    return [s for s in names if s in set(scales)]


def _directions(direction: Mapping[Any, Direction] | None, chosen: list[Any],
                inst_scales: dict[Any, Any]) -> dict[Any, Any]:
    """Whether higher is better, per scale: the explicit value, else the instrument file's."""
    dirs = _as_mapping(direction, "direction")
    bad_dir = {k: v for k, v in dirs.items() if v not in _DIRECTIONS}
    if bad_dir:
        raise ParameterError(
            f"The 'direction' parameter of reliable_change() must map scales to one of "
            f"{one_of(_DIRECTIONS)}. Got {bad_dir!r}."
        )
    for sc in chosen:
        if sc not in dirs and sc in inst_scales:
            dirs[sc] = inst_scales[sc].direction
    no_dir = [sc for sc in chosen if sc not in dirs]
    if no_dir:
        raise ParameterError(
            f"reliable_change() does not know whether higher is better for scale(s) {no_dir}.",
            fix="pass direction={'scale': 'higher_better' or 'higher_worse'} (packaged "
            "instruments give it when the data have an 'instrument' column).",
        )
    return dirs


def _scale_changes(pm: _data.PairMatrix, s: int, sc: Any, levels: list[Any], base: Any,
                   rel: tuple[float, str], direction: str, cut: float,
                   criterion: float) -> list[pd.DataFrame]:
    """The rows of one scale: one frame per later timepoint (``_subj``: participant codes)."""
    ib = levels.index(base)
    block = pm.values[pm.row_scale == s]
    subj = pm.row_subject[pm.row_scale == s]
    pre_all = block[:, ib]
    pre_all = pre_all[~np.isnan(pre_all)]
    n_pre = int(pre_all.size)
    sd_pre = float(np.std(pre_all, ddof=1)) if n_pre >= 2 else np.nan
    r_xx, source = rel
    se_diff = sd_pre * np.sqrt(2) * np.sqrt(1 - r_xx)
    sign = 1.0 if direction == "higher_better" else -1.0
    frames = []
    for lv in [lv for lv in levels if lv != base]:
        it = levels.index(lv)
        ok = ~(np.isnan(block[:, ib]) | np.isnan(block[:, it]))
        x0, x1 = block[ok, ib], block[ok, it]
        change = x1 - x0
        with np.errstate(invalid="ignore", divide="ignore"):
            rci = change / se_diff
        cat, note = _rci_categories(sign * rci, se_diff, n_pre, criterion)
        clinical = _clinical_categories(x0, x1, cat, cut, sign, note)
        frames.append(pd.DataFrame({
            "_subj": subj[ok], "scale": [sc] * int(ok.sum()), "time_from": [base] * int(ok.sum()),
            "time_to": [lv] * int(ok.sum()), "score_from": x0, "score_to": x1, "change": change,
            "direction": direction, "sd_pre": sd_pre, "n_pre_for_sd": n_pre, "r_xx": r_xx,
            "reliability_source": source, "se_diff": se_diff,
            "rci": rci if not note else np.full(change.shape, np.nan),
            "rci_category": np.asarray(cat, dtype=object), "cutoff": cut,
            "clinical_category": clinical, "note": note,
        }))
    return frames


def _rci_categories(good: np.ndarray, se_diff: float, n_pre: int,
                    criterion: float) -> tuple[np.ndarray, str]:
    """``improved`` / ``deteriorated`` / ``unchanged`` from the RCI signed towards improvement,
    and the note when the RCI is undefined (categories then empty)."""
    cat = np.where(good > criterion, "improved",
                   np.where(good < -criterion, "deteriorated", "unchanged"))
    note = ""
    if np.isnan(se_diff):
        cat = np.full(good.shape, "", dtype=object)
        note = (f"SD of the baseline scores needs at least 2 scores (have {n_pre}): "
                "RCI undefined")
    elif se_diff == 0:
        cat = np.full(good.shape, "", dtype=object)
        note = "every baseline score is the same (SD 0): RCI undefined"
    return cat, note


def _clinical_categories(x0: np.ndarray, x1: np.ndarray, cat: np.ndarray, cut: float,
                         sign: float, note: str) -> np.ndarray:
    """``recovered`` when a reliable improvement crosses to the functional side of the cut-off;
    otherwise the RCI category (empty without a cut-off or an RCI)."""
    if np.isnan(cut) or note:
        return np.full(x0.shape, "", dtype=object)
    ok0 = x0 >= cut if sign > 0 else x0 < cut  # functional side at baseline
    ok1 = x1 >= cut if sign > 0 else x1 < cut
    recovered = (cat == "improved") & ~ok0 & ok1
    return np.where(recovered, "recovered", cat).astype(object)


def _participant_table(frames: list[pd.DataFrame], pm: _data.PairMatrix, data: pd.DataFrame,
                       by_cols: list[str]) -> pd.DataFrame:
    """The frames as one table with participant ids (and the ``by`` columns first)."""
    cols = list(RELIABLE_CHANGE_COLUMNS)
    if frames:
        out = pd.concat(frames, ignore_index=True)
    else:
        out = pd.DataFrame({c: [] for c in ["_subj", *cols[1:]]})
    out.insert(0, "participant_id", pm.subjects.take(out["_subj"].to_numpy(dtype="int64")))
    out["n_pre_for_sd"] = out["n_pre_for_sd"].astype("int64")
    for c in ("direction", "reliability_source", "rci_category", "clinical_category", "note"):
        out[c] = out[c].astype(str)
    if by_cols:
        group_of_subj, group_keys = _data.participant_groups(
            data, pm.subject_codes, pm.n_subjects, by_cols, "reliable_change")
        gk = group_keys.iloc[group_of_subj[out["_subj"].to_numpy(dtype="int64")]].reset_index(drop=True)
        out = pd.concat([gk, out], axis=1)
        cols = by_cols + cols
    return out[cols]


def reliable_change_summary(
    changes: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    min_cell_size: int = DEFAULT_MIN_CELL_SIZE,
) -> pd.DataFrame:
    """Count reliable improvement, no change and deterioration per scale × timepoint (× group).

    Parameters
    ----------
    changes
        The output of :func:`reliable_change`. Not modified.
    by
        Column(s) of ``changes`` to count separately (e.g. ``"cohort"``, passed as ``by`` to
        :func:`reliable_change`). Missing group values form their own group.
    min_cell_size
        With ``by``: ``small_group`` is true when ``n_pairs`` is below this (default 5).

    Returns
    -------
    DataFrame
        Columns :data:`RELIABLE_CHANGE_SUMMARY_COLUMNS` (with ``by``: group columns first and
        ``small_group`` last): ``n_pairs``; counts and percentages (of ``n_pairs``) of
        ``improved``, ``unchanged``, ``deteriorated``; ``n_unclassified`` (RCI undefined);
        ``n_recovered`` / ``pct_recovered`` (NaN when the scale has no cut-off); and the
        ``sd_pre``, ``r_xx``, ``reliability_source`` and ``se_diff`` used.

    Notes
    -----
    Counts reproduce the ``reliable_change`` block of
    ``tests/reference/expected/prepost.json`` (R 4.2.2, by hand) exactly.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "participant_id": ["a", "b", "c", "a", "b", "c"],
    ...     "timepoint": pd.Categorical(["T1"] * 3 + ["T2"] * 3, categories=["T1", "T2"]),
    ...     "scale": "wellbeing", "score": [20.0, 24.0, 28.0, 30.0, 24.0, 25.0],
    ... })
    >>> rc = reliable_change(df, {"wellbeing": 0.8}, direction={"wellbeing": "higher_better"})
    >>> reliable_change_summary(rc)[["scale", "n_pairs", "n_improved", "n_unchanged", "n_deteriorated"]]
           scale  n_pairs  n_improved  n_unchanged  n_deteriorated
    0  wellbeing        3           1            2               0
    """
    func = "reliable_change_summary"
    _check_changes(changes)
    min_cell_size = check_min_cell_size(min_cell_size, func)
    by_cols = _data.as_by(by, changes, func, list(_SUMMARY_NEEDS))
    out = _category_counts(changes, by_cols + ["scale", "time_from", "time_to"])
    cols = list(RELIABLE_CHANGE_SUMMARY_COLUMNS)
    if by_cols:
        out[_data.SMALL_GROUP] = out["n_pairs"] < min_cell_size
        cols = by_cols + cols + [_data.SMALL_GROUP]
    return out[cols].reset_index(drop=True)


_SUMMARY_NEEDS = ("scale", "time_from", "time_to", "rci_category", "clinical_category", "cutoff",
                  "sd_pre", "r_xx", "reliability_source", "se_diff")
"""Columns of :func:`reliable_change`'s output that :func:`reliable_change_summary` reads."""


def _check_changes(changes: object) -> None:
    """``changes`` must be a table with the columns of :func:`reliable_change`'s output."""
    func = "reliable_change_summary"
    if not isinstance(changes, pd.DataFrame):
        raise ParameterError(
            f"The 'changes' parameter of {func}() must be the DataFrame returned by "
            f"reliable_change(). Got {type(changes).__name__} instead."
        )
    missing = [c for c in _SUMMARY_NEEDS if c not in changes.columns]
    if missing:
        raise ParameterError(
            f"The table passed to {func}() lacks column(s) {missing}.",
            fix="pass the output of reliable_change() unchanged.",
        )


def _category_counts(changes: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Counts and percentages of each category per key (recovered: NaN without a cut-off)."""
    cat = changes["rci_category"].astype(object)
    frame = changes[keys + ["sd_pre", "r_xx", "reliability_source", "se_diff", "cutoff"]].assign(
        _imp=(cat == "improved").astype("int64"),
        _unc=(cat == "unchanged").astype("int64"),
        _det=(cat == "deteriorated").astype("int64"),
        _none=(cat == "").astype("int64"),
        _rec=(changes["clinical_category"].astype(object) == "recovered").astype("int64"),
        _one=1,
    )
    g = frame.groupby(keys, sort=False, dropna=False, observed=True)
    out = g.agg(
        n_pairs=("_one", "sum"), n_improved=("_imp", "sum"), n_unchanged=("_unc", "sum"),
        n_deteriorated=("_det", "sum"), n_unclassified=("_none", "sum"),
        n_recovered=("_rec", "sum"), _cut=("cutoff", "first"),
        sd_pre=("sd_pre", "first"), r_xx=("r_xx", "first"),
        reliability_source=("reliability_source", "first"), se_diff=("se_diff", "first"),
    ).reset_index()
    n = out["n_pairs"].to_numpy(dtype="float64")
    for k in ("improved", "unchanged", "deteriorated", "recovered"):
        out[f"pct_{k}"] = 100.0 * out[f"n_{k}"] / n
    no_cut = out["_cut"].isna().to_numpy()
    out["n_recovered"] = out["n_recovered"].astype("float64").where(~no_cut, np.nan)
    out["pct_recovered"] = out["pct_recovered"].where(~no_cut, np.nan)
    return out
