"""Participant flow per timepoint and the baseline comparison of completers and those lost.

docs/statistics.md, "Participant flow and attrition": counts per timepoint (invited if known,
received, excluded with reasons, kept, scored per scale) and a baseline comparison of those
who stayed to the last timepoint and those lost, with standardised mean differences (Austin
2009) rather than p-values alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import columns as C

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
    rows: list[dict] = []
    previous: set = set()
    seen: set = set()
    tp_ex = exclusions[C.TIMEPOINT].astype(object)
    for i, t in enumerate(timepoints):
        ids = set(kept.loc[kept[C.TIMEPOINT].astype(object) == t, C.PARTICIPANT_ID])
        ex_t = exclusions[tp_ex == t]
        if i == 0 and invited is not None:
            rows.append({"timepoint": t, "stage": "invited", "detail": "", "n": int(invited)})
        rows.append({"timepoint": t, "stage": "received", "detail": "", "n": len(ids) + len(ex_t)})
        for reason, n in ex_t[C.REASON].value_counts(sort=False).sort_index().items():
            rows.append({"timepoint": t, "stage": "excluded", "detail": str(reason), "n": int(n)})
        rows.append({"timepoint": t, "stage": "responded", "detail": "", "n": len(ids)})
        if i > 0:
            rows.append({"timepoint": t, "stage": "lost since previous", "detail": timepoints[i - 1],
                         "n": len(previous - ids)})
            rows.append({"timepoint": t, "stage": "returned", "detail": "absent at previous",
                         "n": len((ids - previous) & seen)})
            rows.append({"timepoint": t, "stage": "joined", "detail": "first response", "n": len(ids - seen)})
        sc_t = scores[scores[C.TIMEPOINT].astype(object) == t]
        for scale, n in sc_t.groupby(C.SCALE, observed=True)[C.SCORE].count().items():
            rows.append({"timepoint": t, "stage": "scored", "detail": str(scale), "n": int(n)})
        previous = ids
        seen |= ids
    return pd.DataFrame(rows, columns=list(FLOW_COLUMNS))


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
    stayed = set(at_base.loc[at_base[last], C.PARTICIPANT_ID])
    rows: list[dict] = []
    sb = scores[scores[C.TIMEPOINT].astype(object) == base]
    for scale, grp in sb.groupby(C.SCALE, observed=True):
        g = grp.dropna(subset=[C.SCORE])
        in_s = g[C.PARTICIPANT_ID].isin(stayed).to_numpy()
        a = g.loc[in_s, C.SCORE].to_numpy(dtype=float)
        b = g.loc[~in_s, C.SCORE].to_numpy(dtype=float)
        rows.append({
            "variable": str(scale), "level": "", "n_stayed": len(a), "n_lost": len(b),
            "mean_stayed": a.mean() if len(a) else np.nan, "sd_stayed": a.std(ddof=1) if len(a) > 1 else np.nan,
            "mean_lost": b.mean() if len(b) else np.nan, "sd_lost": b.std(ddof=1) if len(b) > 1 else np.nan,
            "smd": _smd_continuous(a, b), "method": "SMD, pooled SD (Austin 2009 eq. 1)",
        })
    for gname in groups:
        if gname not in at_base.columns:
            continue
        vals = at_base[gname].astype(object)
        in_s = at_base[C.PARTICIPANT_ID].isin(stayed).to_numpy()
        known = vals.notna().to_numpy()
        n1, n2 = int((in_s & known).sum()), int((~in_s & known).sum())
        for level in sorted(vals.dropna().unique(), key=str):
            is_l = (vals == level).to_numpy()
            p1 = (is_l & in_s).sum() / n1 if n1 else np.nan
            p2 = (is_l & ~in_s).sum() / n2 if n2 else np.nan
            denom = np.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2) if n1 and n2 else np.nan
            rows.append({
                "variable": gname, "level": str(level), "n_stayed": int((is_l & in_s).sum()),
                "n_lost": int((is_l & ~in_s).sum()), "mean_stayed": p1, "sd_stayed": np.nan,
                "mean_lost": p2, "sd_lost": np.nan,
                "smd": (p1 - p2) / denom if denom and denom > 0 else np.nan,
                "method": "SMD for a proportion (Austin 2009 eq. 2)",
            })
    return pd.DataFrame(rows, columns=list(ATTRITION_COLUMNS))
