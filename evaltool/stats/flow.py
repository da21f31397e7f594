"""Participant flow per timepoint and the baseline comparison of completers and those lost.

docs/statistics.md, "Participant flow and attrition": counts per timepoint (invited if known,
received, excluded with reasons, kept, scored per scale) and a baseline comparison of those
who stayed to the last timepoint and those lost, with standardised mean differences (Austin
2009) rather than p-values alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from .. import columns as C
from . import _data

__all__ = ["FLOW_COLUMNS", "ATTRITION_COLUMNS", "attrition", "flow"]

FLOW_COLUMNS = ("timepoint", "stage", "detail", "n")
ATTRITION_COLUMNS = (
    "variable", "level", "n_stayed", "n_lost", "mean_stayed", "sd_stayed", "mean_lost",
    "sd_lost", "smd", "method",
)


def flow(exclusions: pd.DataFrame, kept: pd.DataFrame, scores: pd.DataFrame,
         timepoints: Sequence[str], *, invited: int | None = None) -> pd.DataFrame:
    """Participant-flow counts per timepoint, ready for a TREND/CONSORT-style diagram.

    Parameters
    ----------
    exclusions
        The exclusions table (``source, row, participant_id, timepoint, reason``).
    kept
        One row per kept response with ``participant_id`` and ``timepoint``.
    scores
        Tidy Scores (``participant_id, timepoint, scale, score``).
    timepoints
        Study order.
    invited
        Number invited, when known (shown at the first timepoint).

    Returns
    -------
    DataFrame
        ``timepoint, stage, detail, n`` with stages ``invited`` (if known), ``received``
        (export rows), ``excluded`` (one row per reason in ``detail``), ``responded``
        (participants kept), ``lost since previous``, ``returned`` (participants absent at
        the previous timepoint who had responded before), ``joined`` (participants whose
        first response is at this timepoint, never counted as returned), ``scored`` (one row
        per scale in ``detail``).

    Examples
    --------
    >>> import pandas as pd
    >>> kept = pd.DataFrame({"participant_id": ["a", "b", "a"], "timepoint": ["T1", "T1", "T2"]})
    >>> ex = pd.DataFrame({"source": ["f"], "row": [4], "participant_id": [None], "timepoint": ["T1"],
    ...                    "reason": ["no participant id"]})
    >>> sc = kept.assign(scale="brs", score=[3.0, None, 4.0])
    >>> flow(ex, kept, sc, ["T1", "T2"]).query("timepoint == 'T1'")[["stage", "detail", "n"]].values.tolist()
    [['received', '', 3], ['excluded', 'no participant id', 1], ['responded', '', 2], ['scored', 'brs', 1]]
    """
    tps = list(timepoints)
    n_tp = len(tps)
    # who responded when: one (participant × timepoint) presence matrix, one pass over `kept`
    kept_t = _data.codes_for(kept[C.TIMEPOINT], tps)
    pid_codes, pids = pd.factorize(kept[C.PARTICIPANT_ID], use_na_sentinel=False)
    present = np.zeros((len(pids), n_tp), dtype=bool)
    ok = kept_t >= 0
    present[pid_codes[ok], kept_t[ok]] = True
    n_resp = present.sum(axis=0)
    # exclusions by timepoint × reason, and scores by timepoint × scale: one groupby each
    ex_t = _data.codes_for(exclusions[C.TIMEPOINT], tps)
    n_excl = np.bincount(ex_t[ex_t >= 0], minlength=n_tp)
    excluded = _by_timepoint(exclusions[C.REASON].groupby(ex_t).value_counts().sort_index()
                             if len(exclusions) else pd.Series(dtype="int64"))
    sc_t = _data.codes_for(scores[C.TIMEPOINT], tps)
    scored = _by_timepoint(scores[C.SCORE].groupby([sc_t, scores[C.SCALE]], observed=True, sort=True).count())

    rows: list[dict] = []
    for i, t in enumerate(tps):  # one iteration per timepoint, over the aggregates only
        if i == 0 and invited is not None:
            rows.append({"timepoint": t, "stage": "invited", "detail": "", "n": int(invited)})
        rows.append({"timepoint": t, "stage": "received", "detail": "", "n": int(n_resp[i] + n_excl[i])})
        for reason, n in excluded.get(i, []):
            rows.append({"timepoint": t, "stage": "excluded", "detail": reason, "n": n})
        rows.append({"timepoint": t, "stage": "responded", "detail": "", "n": int(n_resp[i])})
        if i > 0:
            prev, now = present[:, i - 1], present[:, i]
            seen = present[:, :i].any(axis=1)
            rows.append({"timepoint": t, "stage": "lost since previous", "detail": tps[i - 1],
                         "n": int((prev & ~now).sum())})
            rows.append({"timepoint": t, "stage": "returned", "detail": "absent at previous",
                         "n": int((now & ~prev & seen).sum())})
            rows.append({"timepoint": t, "stage": "joined", "detail": "first response", "n": int((now & ~seen).sum())})
        for scale, n in scored.get(i, []):
            rows.append({"timepoint": t, "stage": "scored", "detail": scale, "n": n})
    return pd.DataFrame(rows, columns=list(FLOW_COLUMNS))


def _by_timepoint(counts: pd.Series) -> dict[int, list[tuple[str, int]]]:
    """``{timepoint code: [(label, n), ...]}`` from counts indexed by (timepoint code, label)."""
    out: dict[int, list[tuple[str, int]]] = {}
    for key, n in counts.items():
        code, label = cast(tuple[int, Any], key)
        out.setdefault(int(code), []).append((str(label), int(n)))
    return out


def _smd_continuous(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    pooled = np.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / 2.0)
    return float((a.mean() - b.mean()) / pooled) if pooled > 0 else float("nan")


def attrition(scores: pd.DataFrame, participants: pd.DataFrame, timepoints: Sequence[str], *,
              groups: Sequence[str] = (), last: str | None = None) -> pd.DataFrame:
    """Compare, at baseline, participants who stayed to the last timepoint with those lost.

    Parameters
    ----------
    scores
        Tidy Scores with ``participant_id, timepoint, scale, score``.
    participants
        One row per participant with a boolean column per timepoint and group columns.
    timepoints
        Study order; the first is the baseline.
    groups
        Categorical participant attributes to compare (e.g. ``["profession"]``).
    last
        The follow-up that defines "stayed" (default: the last timepoint).

    Returns
    -------
    DataFrame
        ``variable, level, n_stayed, n_lost, mean_stayed, sd_stayed, mean_lost, sd_lost, smd,
        method``. For scales: baseline score means/SDs and the standardised mean difference
        ``(mean_stayed - mean_lost) / sqrt((sd_stayed² + sd_lost²) / 2)``. For each level of a
        categorical attribute: proportions (in ``mean_*``) and ``(p1 - p2) / sqrt((p1(1-p1) +
        p2(1-p2)) / 2)``. Only participants with a baseline record are compared.

    Notes
    -----
    Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
    covariates between treatment groups in propensity-score matched samples. *Statistics in
    Medicine, 28*, 3083-3107 (equations 1 and 2). |SMD| > 0.1 is the usual flag.

    Examples
    --------
    Those who stayed scored 3, 4, 5 at baseline (mean 4, SD 1), those lost 2, 3, 4 (mean 3,
    SD 1), so SMD = (4 − 3) / √((1 + 1) / 2) = 1:

    >>> import pandas as pd
    >>> scores = pd.DataFrame({"participant_id": list("abcdef"), "timepoint": "T1",
    ...                        "scale": "brs", "score": [3.0, 4.0, 5.0, 2.0, 3.0, 4.0]})
    >>> parts = pd.DataFrame({"participant_id": list("abcdef"), "T1": True,
    ...                       "T2": [True, True, True, False, False, False]})
    >>> attrition(scores, parts, ["T1", "T2"])[["variable", "n_stayed", "n_lost", "smd"]]
      variable  n_stayed  n_lost  smd
    0      brs         3       3  1.0
    """
    base = timepoints[0]
    last = last or timepoints[-1]
    at_base = participants[participants[base]]
    stayed = at_base.loc[at_base[last], C.PARTICIPANT_ID]
    rows = _scale_rows(scores, base, stayed)
    in_s = _data.isin(at_base[C.PARTICIPANT_ID], stayed)
    for gname in groups:
        if gname in at_base.columns:
            rows += _level_rows(at_base[gname], in_s, gname)
    return pd.DataFrame(rows, columns=list(ATTRITION_COLUMNS))


def _scale_rows(scores: pd.DataFrame, base: str, stayed: pd.Series) -> list[dict]:
    """Baseline score of those who stayed vs those lost, per scale (SMD, Austin 2009 eq. 1)."""
    rows: list[dict] = []
    at_b = _data.codes_for(scores[C.TIMEPOINT], [base]) == 0
    sb = pd.DataFrame({  # only the columns needed: no copy of the other (text) columns
        C.SCALE: scores[C.SCALE][at_b], C.SCORE: scores[C.SCORE][at_b],
        "_stayed": _data.isin(scores[C.PARTICIPANT_ID][at_b], stayed),  # one membership pass
    })
    for scale, grp in sb.groupby(C.SCALE, observed=True):  # one slice per scale
        g = grp.dropna(subset=[C.SCORE])
        in_s = g["_stayed"].to_numpy(dtype=bool)
        a = g.loc[in_s, C.SCORE].to_numpy(dtype=float)
        b = g.loc[~in_s, C.SCORE].to_numpy(dtype=float)
        rows.append({
            "variable": str(scale), "level": "", "n_stayed": len(a), "n_lost": len(b),
            "mean_stayed": a.mean() if len(a) else np.nan, "sd_stayed": a.std(ddof=1) if len(a) > 1 else np.nan,
            "mean_lost": b.mean() if len(b) else np.nan, "sd_lost": b.std(ddof=1) if len(b) > 1 else np.nan,
            "smd": _smd_continuous(a, b), "method": "SMD, pooled SD (Austin 2009 eq. 1)",
        })
    return rows


def _level_rows(values: pd.Series, in_s: np.ndarray, gname: str) -> list[dict]:
    """Share of each level of an attribute among those who stayed vs those lost (eq. 2)."""
    rows: list[dict] = []
    # every level counted in one pass (bincount over level codes), not one scan per level
    codes, levels = pd.factorize(values.astype(object))
    known = codes >= 0
    n1, n2 = int((in_s & known).sum()), int((~in_s & known).sum())
    k_s = np.bincount(codes[in_s & known], minlength=len(levels))
    k_l = np.bincount(codes[~in_s & known], minlength=len(levels))
    for j in sorted(range(len(levels)), key=lambda j: str(levels[j])):
        p1 = k_s[j] / n1 if n1 else np.nan
        p2 = k_l[j] / n2 if n2 else np.nan
        denom = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2) if n1 and n2 else np.nan
        rows.append({
            "variable": gname, "level": str(levels[j]), "n_stayed": int(k_s[j]),
            "n_lost": int(k_l[j]), "mean_stayed": p1, "sd_stayed": np.nan,
            "mean_lost": p2, "sd_lost": np.nan,
            "smd": (p1 - p2) / denom if denom and denom > 0 else np.nan,
            "method": "SMD for a proportion (Austin 2009 eq. 2)",
        })
    return rows
