"""Pre/post comparisons of scale scores on complete pairs (docs/statistics.md, section 3).

For each scale × contrast (later timepoint vs earlier), participants with a score at both
timepoints are paired **by participant id** (never by row order), and one row reports the
paired t-test, the Wilcoxon signed-rank test (R's rules), d_av / g_av (the headline effect
size), d_z / g_z, the matched rank-biserial correlation, a Shapiro–Wilk test of the
differences, and Holm (or BH) adjusted p-values over the declared family. Pairing is a
vectorised scatter into a participant × timepoint matrix, so 100,000 participants take well
under a second per comparison.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from .. import columns as C
from ..errors import ParameterError
from . import _data
from .effectsize import hedges_j, nct_ci
from .multiplicity import CORRECTIONS, p_adjust
from .wilcoxon import _signed_rank, fallback_note

__all__ = ["PREPOST_COLUMNS", "prepost"]

PREPOST_COLUMNS: tuple[str, ...] = (
    "scale", "contrast", "time_from", "time_to", "n_pairs",
    "mean_from", "sd_from", "mean_to", "sd_to",
    "mean_diff", "sd_diff", "mean_diff_ci_low", "mean_diff_ci_high",
    "t", "df", "p_t",
    "wilcoxon_v", "p_wilcoxon", "wilcoxon_method",
    "d_av", "d_av_ci_low", "d_av_ci_high", "g_av", "g_av_ci_low", "g_av_ci_high",
    "d_z", "d_z_ci_low", "d_z_ci_high", "g_z", "g_z_ci_low", "g_z_ci_high",
    "rank_biserial", "rank_biserial_ci_low", "rank_biserial_ci_high",
    "shapiro_w", "shapiro_p",
    "p_t_adj", "p_wilcoxon_adj", "correction", "effect_size", "note",
)
"""Output columns of :func:`prepost` (with ``by``: the group columns first and ``small_group`` last)."""

Alternative = Literal["two-sided", "greater", "less"]
_ALTERNATIVES = ("two-sided", "greater", "less")
MIN_PAIRS = 3
SHAPIRO_MAX_N = 5000
_EPS = np.finfo(float).eps
_STR_COLS = ("wilcoxon_method", "correction", "effect_size", "note")


def _empty_stats() -> dict[str, Any]:
    row: dict[str, Any] = {c: np.nan for c in PREPOST_COLUMNS[4:]}
    row.update(n_pairs=0, wilcoxon_method="", note="", effect_size="d_av", correction="")
    return row


def _paired_stats(x: np.ndarray, y: np.ndarray, alternative: str, confidence: float) -> dict[str, Any]:
    """Every statistic of one comparison; ``x`` later, ``y`` earlier, complete pairs only."""
    row = _empty_stats()
    notes: list[str] = []
    n = int(x.size)
    row["n_pairs"] = n
    if n == 0:
        return row
    d = x - y
    row.update(mean_from=float(np.mean(y)), mean_to=float(np.mean(x)), mean_diff=float(np.mean(d)))
    if n >= 2:
        row.update(sd_from=float(np.std(y, ddof=1)), sd_to=float(np.std(x, ddof=1)),
                   sd_diff=float(np.std(d, ddof=1)))
    if n < MIN_PAIRS:
        row["note"] = (f"only {n} complete pair(s); at least {MIN_PAIRS} are needed for tests, "
                       "effect sizes and confidence intervals")
        return row
    mx, sd = row["mean_diff"], row["sd_diff"]
    df = n - 1
    se = sd / np.sqrt(n)
    all_zero = not np.any(d != 0)
    constant = se < 10 * _EPS * abs(mx) or sd == 0
    lo_p, hi_p = ((1 - confidence) / 2, (1 + confidence) / 2) if alternative == "two-sided" else (
        (1 - confidence, 1.0) if alternative == "greater" else (0.0, confidence))

    # --- paired t-test (R t.test(x, y, paired = TRUE)) -----------------------------------
    if all_zero:
        notes.append("every difference is zero: t, d_z, Wilcoxon and rank-biserial are undefined")
    elif constant:
        notes.append("every difference is the same, so the differences have no variance: "
                     "t and d_z are undefined")
    else:
        t = mx / se
        row.update(t=t, df=float(df))
        if alternative == "two-sided":
            row["p_t"] = float(2 * special.stdtr(df, -abs(t)))
            q = float(special.stdtrit(df, hi_p))
            row.update(mean_diff_ci_low=(t - q) * se, mean_diff_ci_high=(t + q) * se)
        elif alternative == "greater":
            row["p_t"] = float(special.stdtr(df, -t))
            q = float(special.stdtrit(df, confidence))
            row.update(mean_diff_ci_low=(t - q) * se, mean_diff_ci_high=np.inf)
        else:
            row["p_t"] = float(special.stdtr(df, t))
            q = float(special.stdtrit(df, confidence))
            row.update(mean_diff_ci_low=-np.inf, mean_diff_ci_high=(t + q) * se)
        # d_z, g_z: noncentral t interval
        dz = mx / sd
        lo, hi = nct_ci(t, df, confidence, alternative)  # type: ignore[arg-type]
        j = float(hedges_j(df))
        row.update(d_z=dz, d_z_ci_low=lo / np.sqrt(n), d_z_ci_high=hi / np.sqrt(n))
        row.update(g_z=dz * j, g_z_ci_low=row["d_z_ci_low"] * j, g_z_ci_high=row["d_z_ci_high"] * j)

    # --- Wilcoxon signed-rank (R 4.2 rules) and matched rank-biserial ---------------------
    if not all_zero:
        w = _signed_rank(d, alternative=alternative)  # type: ignore[arg-type]
        row.update(wilcoxon_v=w.statistic, p_wilcoxon=w.p, wilcoxon_method=w.method)
        if w.warnings:  # R warns that the exact p-value was out of reach: never silent
            notes.append(fallback_note(w))
        nn = w.n_nonzero
        r = (w.statistic - w.w_minus) / (nn * (nn + 1) / 2)
        rse = np.sqrt((2 * nn**3 + 3 * nn**2 + nn) / 6) / ((nn**2 + nn) / 2)
        with np.errstate(divide="ignore"):
            zr = np.arctanh(r)
        row["rank_biserial"] = float(r)
        row["rank_biserial_ci_low"] = -1.0 if lo_p == 0 else float(np.tanh(zr + special.ndtri(lo_p) * rse))
        row["rank_biserial_ci_high"] = 1.0 if hi_p == 1 else float(np.tanh(zr + special.ndtri(hi_p) * rse))

    # --- d_av, g_av (Cumming 2012; Lakens 2013) -------------------------------------------
    sd_avg = (row["sd_from"] + row["sd_to"]) / 2
    if sd_avg > 0:
        dav = mx / sd_avg
        dse = se / sd_avg
        lo = -np.inf if lo_p == 0 else dav + special.ndtri(lo_p) * dse
        hi = np.inf if hi_p == 1 else dav + special.ndtri(hi_p) * dse
        j = float(hedges_j(df))
        row.update(d_av=dav, d_av_ci_low=lo, d_av_ci_high=hi,
                   g_av=dav * j, g_av_ci_low=lo * j, g_av_ci_high=hi * j)
    else:
        notes.append("neither timepoint has any variance: d_av and g_av are undefined")

    # --- Shapiro-Wilk on the differences (R shapiro.test limits: 3..5000) -----------------
    if n > SHAPIRO_MAX_N:
        notes.append(f"Shapiro-Wilk not computed for more than {SHAPIRO_MAX_N} pairs "
                     "(the limit of R's shapiro.test)")
    elif np.ptp(d) == 0:
        notes.append("Shapiro-Wilk not computed: every difference is the same")
    else:
        sw = stats.shapiro(d)
        row.update(shapiro_w=float(sw.statistic), shapiro_p=float(sw.pvalue))
    row["note"] = "; ".join(notes)
    return row


def _resolve_contrasts(levels: list[Any], baseline: Hashable | None,
                       contrasts: Sequence[tuple[Hashable, Hashable]] | None) -> list[tuple[Any, Any]]:
    if contrasts is None:
        base = levels[0] if baseline is None else baseline
        out = [(base, lv) for lv in levels if lv != base]
        if not out:
            raise ParameterError(
                "prepost() needs at least two timepoints; the data have only "
                f"{len(levels)}.", fix="pass scores from two or more timepoints.",
            )
        return out
    out = []
    for item in contrasts:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            raise ParameterError(
                "The 'contrasts' parameter of prepost() must be a list of (earlier, later) "
                f"timepoint pairs, e.g. [('T1', 'T2')]. Got {item!r} in it.",
            )
        a, b = item
        for lv in (a, b):
            if lv not in levels:
                raise ParameterError(
                    f"The 'contrasts' parameter of prepost() names timepoint {lv!r}, which is "
                    f"not one of the timepoints {levels}.",
                    fix="use the timepoint labels of the data (or add the level to the categorical).",
                )
        if a == b:
            raise ParameterError(f"The contrast ({a!r}, {b!r}) of prepost() compares a timepoint with itself.")
        out.append((a, b))
    if not out:
        raise ParameterError("The 'contrasts' parameter of prepost() is empty.")
    return out


def _missing_reason(has_scale: bool, n_from: int, n_to: int, a: Any, b: Any,
                    level_seen: dict[Any, bool], grouped: bool) -> str:
    if not has_scale:
        where = " in this group" if grouped else ""
        return f"no scores for this scale{where}: every value is missing or absent"
    parts = []
    for lv, k in ((a, n_from), (b, n_to)):
        if k == 0:
            parts.append(f"timepoint {lv!r} has no data" if not level_seen[lv]
                         else f"no scores for this scale at timepoint {lv!r}")
    if parts:
        return "; ".join(parts)
    return f"no participant has scores at both {a!r} and {b!r}"


def prepost(
    scores: pd.DataFrame,
    *,
    dv: str = C.SCORE,
    within: str = C.TIMEPOINT,
    subject: str = C.PARTICIPANT_ID,
    scale: str | None = C.SCALE,
    contrasts: Sequence[tuple[Hashable, Hashable]] | None = None,
    baseline: Hashable | None = None,
    correction: Literal["holm", "BH", "bonferroni", "none"] = "holm",
    family: Sequence[Hashable] | None = None,
    alternative: Alternative = "two-sided",
    confidence: float = 0.95,
    by: str | Sequence[str] | None = None,
    min_group_size: int = 5,
) -> pd.DataFrame:
    """Compare scale scores between timepoints on complete pairs, one row per scale × contrast.

    Parameters
    ----------
    scores
        Tidy Scores: one row per participant × timepoint × scale (e.g. from
        :func:`evaltool.score`). Not modified.
    dv, within, subject, scale
        Columns holding the score, the timepoint, the participant id and the scale. ``scale``
        may be None when the data hold one scale (it is then labelled with ``dv``). Rows come
        out in the order of the scale categories (a categorical column, as
        :func:`evaltool.score` returns) or else of first appearance.
    contrasts
        ``[(earlier, later), ...]`` timepoint pairs; difference = later − earlier. Default:
        every later timepoint against the baseline.
    baseline
        The reference timepoint. Default: the first category of ``within`` (which must then be
        categorical; pass ``baseline`` or ``contrasts`` otherwise).
    correction
        Multiplicity adjustment over the family: ``"holm"`` (default), ``"BH"``,
        ``"bonferroni"`` or ``"none"`` (R ``p.adjust``). With ``by``, applied within each group.
    family
        Scales forming the multiplicity family (e.g. the primary outcomes). Default: every
        scale × contrast in the call. Rows outside it get no adjusted p-value (and say so).
    alternative
        ``"two-sided"`` (default), ``"greater"`` or ``"less"`` (later vs earlier); applies to
        the t-test, the Wilcoxon test and all intervals (one-sided ones have an infinite limit).
    confidence
        Confidence level of every interval (default 0.95).
    by
        Column(s) of a participant attribute (e.g. ``"cohort"``) to repeat the analysis per
        group. A participant's group is taken from any of their rows (it must not differ).
        Every group appears, including participants with no group value; small ones are flagged.
    min_group_size
        With ``by``: ``small_group`` is true when ``n_pairs`` is below this (default 5).

    Returns
    -------
    DataFrame
        Columns :data:`PREPOST_COLUMNS` (with ``by``: the group columns first and
        ``small_group`` last):

        * ``scale``, ``contrast`` (``"later - earlier"``), ``time_from``, ``time_to``;
        * ``n_pairs`` — complete pairs (both scores present), matched by participant id;
        * ``mean_from``, ``sd_from``, ``mean_to``, ``sd_to`` — over those pairs (SD n − 1);
        * ``mean_diff``, ``sd_diff``, ``mean_diff_ci_low``, ``mean_diff_ci_high`` — later −
          earlier, t-based interval;
        * ``t``, ``df``, ``p_t`` — paired t-test;
        * ``wilcoxon_v`` (V = W+), ``p_wilcoxon``, ``wilcoxon_method`` (exact or normal
          approximation with continuity correction, by R 4.2's rule; when R would warn that the
          exact p-value is impossible because of ties or zero differences, its warning text is
          in ``note``);
        * ``d_av``, ``g_av`` and their ``_ci_low``/``_ci_high`` — the headline effect size
          (mean difference / mean of the two SDs), g with exact Hedges' J;
        * ``d_z``, ``g_z`` and intervals — mean / SD of the differences, noncentral t CI;
        * ``rank_biserial`` and its interval — matched-pairs rank-biserial correlation;
        * ``shapiro_w``, ``shapiro_p`` — Shapiro–Wilk test of the differences;
        * ``p_t_adj``, ``p_wilcoxon_adj``, ``correction`` — adjusted p-values and the method;
        * ``effect_size`` — always ``"d_av"``: the effect size the report leads with;
        * ``note`` — why any value is missing, and R's ``wilcox.test`` warnings ("cannot
          compute exact p-value with ties" / "... with zeroes", quoted) when the Wilcoxon
          p-value fell back from exact to the normal approximation (empty when neither).

    Raises
    ------
    ParameterError
        Bad arguments; missing columns; rows without a participant id or timepoint; the same
        participant × timepoint × scale twice (the message gives the count, not the ids).

    Notes
    -----
    References, checked on ``tests/reference`` (R 4.2.2): ``t.test(post, pre, paired = TRUE)``
    (1e-10); ``wilcox.test(post, pre, paired = TRUE)`` — V, p and method, including the
    exact-vs-approximate choice in twelve small cohorts; ``effectsize::cohens_d`` /
    ``hedges_g(paired = TRUE)`` 0.8.3 (noncentral t limits solved to ~1e-12);
    d_av = mean(d)/((SD_from + SD_to)/2) with CI d_av ± z·(sd(d)/√n)/((SD_from + SD_to)/2)
    (Cumming 2012, Lakens 2013); ``effectsize::rank_biserial(post - pre)``;
    ``p.adjust(, "holm" / "BH")``. ``shapiro.test`` and scipy's ``shapiro`` implement the same
    Royston (1995) algorithm (n from 3 to 5000).

    Degenerate data never crash and never leave an unexplained NaN: a timepoint with no
    data, a scale everyone left blank, fewer than 3 pairs, differences without variance and
    all-zero differences each give a row whose ``note`` says what could not be computed.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "participant_id": ["a", "b", "c", "d", "a", "b", "c", "d"],
    ...     "timepoint": pd.Categorical(["T1"] * 4 + ["T2"] * 4, categories=["T1", "T2"]),
    ...     "scale": "brs",
    ...     "score": [3.0, 2.5, 4.0, 3.5, 3.5, 3.5, 4.2, 3.9],
    ... })
    >>> res = prepost(df)
    >>> res[["scale", "contrast", "n_pairs", "mean_diff", "t", "wilcoxon_method"]]
      scale contrast  n_pairs  mean_diff         t                  wilcoxon_method
    0   brs  T2 - T1        4      0.525  3.085123  Wilcoxon signed rank exact test
    >>> round(float(res.loc[0, "d_av"]), 3), res.loc[0, "effect_size"]
    (1.065, 'd_av')
    """
    func = "prepost"
    data = _data.check_frame(scores, func)
    _data.check_columns(data, func, dv=dv, within=within, subject=subject, scale=scale)
    _data.check_choice(alternative, _ALTERNATIVES, "alternative", func)
    _data.check_choice(correction, CORRECTIONS, "correction", func)
    confidence = _data.check_confidence(confidence, func)
    min_group_size = _data.check_min_group_size(min_group_size, func)
    reserved = [c for c in (dv, within, subject, scale) if c is not None]
    by_cols = _data.as_by(by, data, func, reserved)
    _data.check_numeric(data, dv, func)

    levels = _data.timepoint_levels(data[within], baseline, contrasts, func)
    pairs = _resolve_contrasts(levels, baseline, contrasts)
    scale_names, scale_codes = _data.scale_index(data, scale, dv, func)
    if family is None:
        in_family = set(range(len(scale_names)))
    else:
        fam = list(family)
        unknown = [f for f in fam if f not in scale_names]
        if unknown:
            raise ParameterError(
                f"The 'family' parameter of prepost() names scale(s) {unknown} that are not in the data.",
                fix=f"choose from {scale_names}.",
            )
        in_family = {scale_names.index(f) for f in fam}

    # ---- scatter scores into a (scale × participant) × timepoint matrix ------------------
    pm = _data.PairMatrix(data, dv=dv, within=within, subject=subject,
                          scale_codes=scale_codes, levels=levels, func=func)
    mat, row_scale, level_seen = pm.values, pm.row_scale, pm.level_seen
    group_of_subj, group_keys = _data.participant_groups(
        data, pm.subject_codes, pm.n_subjects, by_cols, func)
    n_groups = len(group_keys)
    row_group = group_of_subj[pm.row_subject]

    # rows sorted by (group, scale) so each cell is one contiguous slice
    cell = row_group * len(scale_names) + row_scale
    order = np.argsort(cell, kind="stable")
    bounds = np.searchsorted(cell[order], np.arange(n_groups * len(scale_names) + 1))

    records: list[dict[str, Any]] = []
    for g in range(n_groups):
        for s, sname in enumerate(scale_names):
            c = g * len(scale_names) + s
            block = mat[order[bounds[c]:bounds[c + 1]]]
            has_scale = bool(np.any(~np.isnan(block)))
            for a, b in pairs:
                ia, ib = levels.index(a), levels.index(b)
                ya, xb = block[:, ia], block[:, ib]
                ok = ~(np.isnan(ya) | np.isnan(xb))
                rec = _paired_stats(xb[ok], ya[ok], alternative, confidence)
                if rec["n_pairs"] == 0:
                    rec["note"] = _missing_reason(
                        has_scale, int(np.sum(~np.isnan(ya))), int(np.sum(~np.isnan(xb))),
                        a, b, level_seen, bool(by_cols))
                rec.update(scale=sname, contrast=f"{b} - {a}", time_from=a, time_to=b,
                           _group=g, _family=s in in_family)
                records.append(rec)

    if not records:  # no scale in the data at all
        empty = pd.DataFrame({c: pd.Series(dtype="float64") for c in PREPOST_COLUMNS})
        cols = by_cols + list(PREPOST_COLUMNS) + ([_data.SMALL_GROUP] if by_cols else [])
        return empty.reindex(columns=cols)
    out = pd.DataFrame.from_records(records)
    # ---- multiplicity, within each group over the declared family ------------------------
    out["p_t_adj"] = np.nan
    out["p_wilcoxon_adj"] = np.nan
    out["correction"] = ""
    fam_mask = out["_family"].to_numpy(dtype=bool)
    groups = out["_group"].to_numpy()
    for g in range(n_groups):
        m = fam_mask & (groups == g)
        if not m.any():
            continue
        out.loc[m, "p_t_adj"] = p_adjust(out.loc[m, "p_t"].to_numpy(dtype="float64"), correction)
        out.loc[m, "p_wilcoxon_adj"] = p_adjust(
            out.loc[m, "p_wilcoxon"].to_numpy(dtype="float64"), correction)
        out.loc[m, "correction"] = correction
    if not fam_mask.all():
        out.loc[~fam_mask, "correction"] = "none"
        outside = "not in the multiplicity family: p not adjusted"
        notes = out["note"].astype(object)
        out["note"] = np.where(~fam_mask, np.where(notes == "", outside, notes + "; " + outside), notes)
    out["n_pairs"] = out["n_pairs"].astype("int64")
    for col in _STR_COLS:
        out[col] = out[col].astype(str)

    cols = list(PREPOST_COLUMNS)
    if by_cols:
        gk = group_keys.iloc[out["_group"].to_numpy()].reset_index(drop=True)
        out = pd.concat([gk, out.reset_index(drop=True)], axis=1)
        out[_data.SMALL_GROUP] = out["n_pairs"] < min_group_size
        cols = by_cols + cols + [_data.SMALL_GROUP]
    return out[cols].reset_index(drop=True)
