"""Where themes cluster: the share of people mentioning each code, by cohort and other groups.

After the WHAM approach (themes mapped across sites and staff groups, so a reader sees whether a
theme is everyone's or one place's): one row per code, one column per group of each of the
study's group columns (cohorts, professions …) plus everyone. The numbers are people, not
answers: of those in a group who answered at least one open question, the share whose answers
carried the code. Every count goes through the same small-cell suppression as the cohort
tables (a group's respondents and its code counts as one table with all-participants totals),
so a hidden cell cannot be recovered from the totals; for the cohort column the published
``cohort_themes`` decision is used as it stands, so the heatmap and the cohort reports agree.

Codes are grouped by what they are about: the person (personal), the programme, or the system
around the person (system and organisation). A hierarchical codebook's top-level codes give the
groups; the packaged codebook is flat, so its grouping is listed here (:data:`THEME_KINDS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ... import columns as C
from .. import names as N
from .cohorts import COHORT, EVERYONE, RESPONDENTS, _labels, hidden_reason

if TYPE_CHECKING:
    from ..pipeline import Run

__all__ = ["HEATMAP_COLUMNS", "KIND_LABELS", "THEME_KINDS", "code_kinds", "draw_theme_heatmap", "theme_heatmap"]

HEATMAP_COLUMNS = ("group_by", "group", C.CODE, "label", "kind", "n_people", "n_respondents", "percent", "shown",
                   "reason")

PERSONAL, PROGRAMME, SYSTEM = "personal", "programme", "system"
KIND_LABELS = {PERSONAL: "Personal", PROGRAMME: "The programme", SYSTEM: "System and organisation"}
"""How each kind of code is headed in the report (in this order)."""

THEME_KINDS: dict[str, dict[str, str]] = {
    "resilience_training": {
        "reframing_resilience": PERSONAL, "humanising_error": PERSONAL, "beyond_work": PERSONAL,
        "personal_growth": PERSONAL, "techniques_tools": PERSONAL,
        "coaching_call": PROGRAMME, "group_learning": PROGRAMME, "relevance": PROGRAMME,
        "delivery_format": PROGRAMME, "suggestions": PROGRAMME,
        "system_context": SYSTEM, "peer_support": SYSTEM,
    },
}
"""Kinds of the packaged codebook's codes (by codebook id; the kinds are described in docs/codebook.md). The
codebook schema has no field for it yet; a hierarchical codebook groups by its top-level codes."""


def code_kinds(codebook: Any, codes: list[str]) -> dict[str, str]:
    """The group of each code: its top-level ancestor's label in a hierarchical codebook, else
    the packaged grouping (:data:`THEME_KINDS`), else ``""``.

    Examples
    --------
    >>> from evaltool import load_codebook
    >>> code_kinds(load_codebook("resilience_training"), ["system_context", "personal_growth", "x"])
    {'system_context': 'system', 'personal_growth': 'personal', 'x': ''}
    """
    known = THEME_KINDS.get(getattr(codebook, "id", ""), {})
    out = {}
    for c in codes:
        try:
            ancestors = codebook.ancestors(c) if codebook is not None else []
        except KeyError:
            ancestors = []
        out[c] = codebook.code(ancestors[-1]).label if ancestors else known.get(c, "")
    return out


def _group_counts(run: Run, group: str, codes: list[str], k: int) -> list[dict[str, Any]]:
    """People mentioning each code per group value, suppressed with the all-participants totals
    (the cohort tables' rule: a hidden respondent count hides its whole row)."""
    from ...privacy.counts import suppress_counts
    from ...qual.coder import empty_mask

    parts, answers, codings = run.tables[N.PARTICIPANTS], run.tables[N.FREE_TEXT], run.tables[N.CODINGS]
    members = parts[[C.PARTICIPANT_ID]].assign(g=_labels(parts[group])).dropna(subset=["g"])
    ans = answers[~empty_mask(answers, run.codebook)][[C.RESPONSE_ID, C.PARTICIPANT_ID]].astype(object)
    ans = ans.merge(members, on=C.PARTICIPANT_ID, how="inner")
    values = sorted(members["g"].unique())
    resp = ans.groupby("g")[C.PARTICIPANT_ID].nunique().reindex(values).fillna(0).astype(int)
    cod = codings[[C.RESPONSE_ID, C.CODE]].astype(object).merge(ans, on=C.RESPONSE_ID)
    people = cod.groupby(["g", C.CODE])[C.PARTICIPANT_ID].nunique().unstack(fill_value=0)
    people = people.reindex(index=values, columns=codes).fillna(0).astype(int)
    tab = pd.concat([resp.rename(RESPONDENTS), people], axis=1)
    hide = pd.DataFrame(False, index=tab.index, columns=tab.columns)
    mask = suppress_counts(tab, min_cell_size=k, hide=hide).mask.loc[tab.index, tab.columns]
    for _ in range(len(values) + 1):
        want = hide.copy()
        want.loc[mask[RESPONDENTS].to_numpy(dtype=bool), :] = True
        if want.equals(hide):
            break
        hide = want
        mask = suppress_counts(tab, min_cell_size=k, hide=hide).mask.loc[tab.index, tab.columns]
    rows = []
    for v in values:
        n_resp = None if bool(mask.at[v, RESPONDENTS]) else int(str(tab.at[v, RESPONDENTS]))
        for c in codes:
            hidden = bool(mask.at[v, c])
            rows.append({"group_by": group, "group": v, C.CODE: c, "n_people": None if hidden else int(str(tab.at[v, c])),
                         "n_respondents": n_resp, "shown": not hidden})
    return rows


def _cohort_rows(run: Run, group: str) -> list[dict[str, Any]]:
    """The published cohort decision (``cohort_themes``), as heatmap rows."""
    t = run.tables[N.COHORT_THEMES]
    t = t[t["scope"] == COHORT]
    def count(v: Any) -> int | None:
        return None if pd.isna(v) else int(v)

    return [{"group_by": group, "group": c, C.CODE: code, "n_people": count(n), "n_respondents": count(r),
             "shown": bool(s)}
            for c, code, n, r, s in zip(t["cohort"], t[C.CODE], t["n_people"], t["n_respondents"], t["shown"],
                                        strict=True)]


def theme_heatmap(run: Run) -> None:
    """Build the ``theme_heatmap`` table (shareable): code × group shares with suppression."""
    counts, codings, answers = run.table(N.CODE_COUNTS), run.table(N.CODINGS), run.table(N.FREE_TEXT)
    parts = run.table(N.PARTICIPANTS)
    if counts is None or codings is None or answers is None or parts is None:
        return
    k = run.options.min_cell_size
    codes = list(counts[C.CODE])
    labels = dict(zip(counts[C.CODE], counts["label"], strict=True))
    kinds = code_kinds(run.codebook, codes)
    n_all = int(counts["n_respondents"].iloc[0])
    rows: list[dict[str, Any]] = [
        {"group_by": EVERYONE, "group": "All participants", C.CODE: c, "n_people": int(n) if s else None,
         "n_respondents": n_all, "shown": bool(s)}
        for c, n, s in zip(counts[C.CODE], counts["n_participants"], counts["shown"], strict=True)]
    for g in run.groups:
        if g not in parts.columns:
            continue
        if g == run.cohort_group and run.table(N.COHORT_THEMES) is not None:
            rows += _cohort_rows(run, g)
        else:
            rows += _group_counts(run, g, codes, k)
    out = pd.DataFrame(rows)
    out["label"] = out[C.CODE].map(labels)
    out["kind"] = out[C.CODE].map(kinds)
    n, r = out["n_people"].astype(float), out["n_respondents"].astype(float)
    out["percent"] = np.where(out["shown"] & (r > 0), 100.0 * n / r, np.nan)
    out["reason"] = np.where(out["shown"], "", hidden_reason(k))
    out = out.reindex(columns=list(HEATMAP_COLUMNS))
    for c in ("n_people", "n_respondents"):
        out[c] = out[c].astype("Int64")
    run.tables[N.THEME_HEATMAP] = out


def draw_theme_heatmap(table: pd.DataFrame, *, min_cell_size: int = 5, group_titles: dict[str, str] | None = None,
                       kind_labels: dict[str, str] | None = None) -> Any:
    """Draw the theme heatmap: codes (grouped by kind) × groups, cells = % of respondents.

    Parameters
    ----------
    table
        A ``theme_heatmap`` table. Not modified.
    min_cell_size
        The smallest reportable group (for the legend of hidden cells).
    group_titles
        Heading of each ``group_by`` block (default: the group name, capitalised).
    kind_labels
        Heading of each kind of code (default :data:`KIND_LABELS`).

    Returns
    -------
    matplotlib.figure.Figure
        A pyplot-free figure: colour-blind-safe sequential colours (viridis) with each share
        printed in its cell; hidden cells grey and hatched, explained in a legend. A block of
        many groups (hundreds of cohorts) is one image without numbers, with the names that fit
        (:mod:`evaltool.plots.heatmap`, "How it scales").

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"group_by": ["all", "all", "cohort", "cohort"], "group": ["All participants"] * 2 + ["C01"] * 2,
    ...                   "code": ["a", "b", "a", "b"], "label": ["Alpha", "Beta"] * 2, "kind": ["personal", "system"] * 2,
    ...                   "n_respondents": [20, 20, 8, 8], "percent": [50.0, 25.0, 62.5, None],
    ...                   "shown": [True, True, True, False]})
    >>> fig = draw_theme_heatmap(t)
    >>> [a.get_ylabel() for a in fig.axes][:1]
    ['']
    """
    from ...plots.heatmap import plot_theme_heatmap

    return plot_theme_heatmap(table, min_cell_size=min_cell_size, everyone=EVERYONE, group_titles=group_titles,
                              kind_labels=kind_labels or KIND_LABELS)
