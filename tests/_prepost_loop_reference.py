"""The per-comparison implementation of prepost() before GitHub issue 16, kept verbatim as
a reference: ``tests/test_stats_prepost.py`` checks that the vectorised prepost() returns
exactly (bit for bit) the table this loop returns, one comparison at a time."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from evaltool import columns as C
from evaltool.errors import ParameterError
from evaltool.options import check_confidence, check_min_cell_size
from evaltool.stats import _data
from evaltool.stats.effectsize import hedges_j, nct_ci
from evaltool.stats.multiplicity import CORRECTIONS, p_adjust
from evaltool.stats.prepost import PREPOST_COLUMNS, _missing_reason, _resolve_contrasts
from evaltool.stats.wilcoxon import _signed_rank, fallback_note

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
        if w.warnings:  # R's wilcox.test warnings (issue 15), as main's per-comparison code had them
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


def prepost_loop(
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
    min_cell_size: int = 5,
) -> pd.DataFrame:
    """The one-comparison-at-a-time prepost() of evaltool 0.x (before issue 16)."""
    func = "prepost"
    data = _data.check_frame(scores, func)
    _data.check_columns(data, func, dv=dv, within=within, subject=subject, scale=scale)
    _data.check_choice(alternative, _ALTERNATIVES, "alternative", func)
    _data.check_choice(correction, CORRECTIONS, "correction", func)
    confidence = check_confidence(confidence, func)
    min_cell_size = check_min_cell_size(min_cell_size, func)
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
        out[_data.SMALL_GROUP] = out["n_pairs"] < min_cell_size
        cols = by_cols + cols + [_data.SMALL_GROUP]
    return out[cols].reset_index(drop=True)
