"""Cohort summaries: every number a facilitator's cohort report may show, decided once.

All cohorts are summarised in one grouped pass per table; suppression is decided across all
cohorts together (a facilitator may hold several reports, and the all-participants figures are
published in every one), so every report hides consistent cells. The reports only format these
tables. Participants without a cohort are left out of the cohort tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ... import columns as C
from .. import names as N
from .quotes import pick_quotes, redaction_options, source_text

if TYPE_CHECKING:
    from ..pipeline import Run

RESPONDENTS = "__respondents__"

COHORTS_COLUMNS = ("cohort", "reportable", "reason", "file")
COHORT_RESPONSES_COLUMNS = ("cohort", C.TIMEPOINT, "n", "shown", "reason")
COHORT_SCALES_COLUMNS = ("scope", "cohort", C.SCALE, C.TIMEPOINT, "n", "mean", "ci_low", "ci_high", "shown",
                         "reason")
COHORT_CHANGES_COLUMNS = ("scope", "cohort", C.SCALE, "contrast", "time_from", "time_to", "n_pairs", "mean_diff",
                          "ci_low", "ci_high", "shown", "reason")
COHORT_THEMES_COLUMNS = ("scope", "cohort", C.CODE, "label", "n_people", "n_respondents", "percent", "shown",
                         "reason")
COHORT_QUOTES_COLUMNS = ("cohort", "kind", C.CODE, "rank", "quote", C.TIMEPOINT, C.QUESTION, "source")

COHORT = "cohort"
EVERYONE = "all"


def hidden_reason(k: int) -> str:
    """What a facilitator reads for any hidden number (the same for every reason, so hidden
    cells cannot be told apart)."""
    return (f"hidden: fewer than {k} people are behind it, or showing it would let a hidden number "
            "be worked out from the other numbers")


def cohort_summaries(run: Run) -> None:
    """Build the ``cohorts``, ``cohort_responses``, ``cohort_scales``, ``cohort_changes``,
    ``cohort_themes`` and ``cohort_quotes`` tables."""
    group = run.cohort_group
    parts = run.table(N.PARTICIPANTS)
    if group is None or parts is None or group not in parts.columns:
        return
    k = run.options.min_cell_size
    members = parts[[C.PARTICIPANT_ID, group]].assign(**{group: _labels(parts[group])}).dropna(subset=[group])
    cohorts = sorted(members[group].unique())
    if not cohorts:
        return
    size = members.groupby(group).size().reindex(cohorts).fillna(0).astype(int)
    responses = _responses(run, parts, group, cohorts, k)
    run.tables[N.COHORTS] = pd.DataFrame({
        "cohort": cohorts, "reportable": (size >= k).to_numpy(),
        "reason": ["" if n >= k else f"fewer than {k} people took part" for n in size],
        "file": file_stems(cohorts),
    }, columns=list(COHORTS_COLUMNS))
    run.tables[N.COHORT_RESPONSES] = responses
    scales, changes = _scale_tables(run, members, group, cohorts, k, responses)
    run.tables[N.COHORT_SCALES] = scales
    run.tables[N.COHORT_CHANGES] = changes
    themes, quotable = _themes(run, members, group, cohorts, k)
    if themes is not None:
        run.tables[N.COHORT_THEMES] = themes
        run.tables[N.COHORT_QUOTES] = _quotes(run, members, group, cohorts, k, themes, quotable,
                                              run.tables[N.COHORTS])


def file_stems(names: list[str]) -> list[str]:
    """Safe, distinct file names for cohort reports (ASCII letters, digits, ``._-``); two names
    that would map to the same file get a short hash of the original name appended."""
    import hashlib
    import re
    import unicodedata

    stems = []
    for n in names:
        ascii_ = unicodedata.normalize("NFKD", str(n)).encode("ascii", "ignore").decode("ascii")
        stems.append(re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_).strip("._") or "cohort")
    folded = [s.casefold() for s in stems]
    out = []
    for n, s, f in zip(names, stems, folded, strict=True):
        clash = folded.count(f) > 1
        out.append(f"{s}-{hashlib.sha256(str(n).encode()).hexdigest()[:6]}" if clash else s)
    return out


def _labels(values: pd.Series) -> pd.Series:
    """Group labels as stripped strings; missing and blank values → None."""
    out = values.astype(object).map(lambda v: None if v is None or (isinstance(v, float) and v != v)
                                    or str(v).strip() == "" else str(v).strip())
    return out


def _suppressed(counts: pd.DataFrame, k: int, hide: pd.DataFrame | None = None) -> pd.DataFrame:
    """cohorts × columns booleans: True where a count must be hidden (with all-cohort totals)."""
    from ...report.suppression import suppress_counts  # moves to evaltool.privacy (issue 14)

    sup = suppress_counts(counts, k=k, hide=hide)
    return sup.mask.loc[counts.index, counts.columns]


def _responses(run: Run, parts: pd.DataFrame, group: str, cohorts: list[str], k: int) -> pd.DataFrame:
    """People in each cohort who answered each survey."""
    p = parts.assign(**{group: _labels(parts[group])}).dropna(subset=[group])
    tps = [t for t in run.tps if t in p.columns]
    counts = p.groupby(group)[tps].sum().reindex(cohorts).fillna(0).astype(int)
    mask = _suppressed(counts, k)
    long = counts.stack().reset_index()
    long.columns = pd.Index(["cohort", C.TIMEPOINT, "n"])
    hidden = mask.stack().to_numpy()
    long["shown"] = ~hidden
    long["reason"] = np.where(hidden, hidden_reason(k), "")
    long["n"] = long["n"].astype("Int64").mask(hidden)
    return long[list(COHORT_RESPONSES_COLUMNS)]


def _t_ci(mean: np.ndarray, sd: np.ndarray, n: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean ± t(1 − α/2, n − 1)·sd/√n (R ``t.test(x)``); missing for n < 2."""
    from scipy import stats

    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf((1 + confidence) / 2, np.where(n >= 2, n - 1, np.nan))
        half = q * np.asarray(sd, dtype=float) / np.sqrt(n)
    return mean - half, mean + half


def _stats(frame: pd.DataFrame, keys: list[str], value: str, confidence: float) -> pd.DataFrame:
    g = frame.groupby(keys, observed=True, sort=False)[value]
    out = pd.DataFrame({"n": g.count(), "mean": g.mean(), "sd": g.std(ddof=1)}).reset_index()
    lo, hi = _t_ci(out["mean"].to_numpy(float), out["sd"].to_numpy(float), out["n"].to_numpy(float), confidence)
    return out.assign(ci_low=lo, ci_high=hi)


def _scale_tables(run: Run, members: pd.DataFrame, group: str, cohorts: list[str], k: int,
                  responses: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Means at each survey and change over the same people, per cohort and for everyone."""
    scores = run.tables[N.SCORES]
    conf = run.options.confidence
    primary = [s for s in run.primary_scales() if s in set(scores[C.SCALE])]
    s = scores[scores[C.SCALE].isin(primary)][[C.PARTICIPANT_ID, C.TIMEPOINT, C.SCALE, C.SCORE]].dropna(subset=[C.SCORE])
    s = s.assign(**{C.TIMEPOINT: s[C.TIMEPOINT].astype(object).map(str)})
    s = s.merge(members.rename(columns={group: "cohort"}), on=C.PARTICIPANT_ID, how="left")
    resp_mask = responses.pivot(index="cohort", columns=C.TIMEPOINT, values="shown").reindex(cohorts)
    level_rows, change_rows = [], []
    pp = run.table(N.PREPOST)
    contrasts = ([] if pp is None else
                 pp[["contrast", "time_from", "time_to"]].astype(str).drop_duplicates().itertuples(index=False))
    contrasts = list(contrasts)
    for scale in primary:
        d = s[s[C.SCALE] == scale]
        tps = [t for t in run.tps if (d[C.TIMEPOINT] == t).any()]
        if not tps:
            continue
        every = _stats(d, [C.TIMEPOINT], C.SCORE, conf).assign(scope=EVERYONE, cohort="", **{C.SCALE: scale})
        mine = _stats(d.dropna(subset=["cohort"]), ["cohort", C.TIMEPOINT], C.SCORE, conf).assign(
            scope=COHORT, **{C.SCALE: scale})
        counts = mine.pivot(index="cohort", columns=C.TIMEPOINT, values="n").reindex(index=cohorts, columns=tps)
        counts = counts.fillna(0).astype(int)
        hide = ~resp_mask.reindex(columns=tps).fillna(True).astype(bool)  # n(scale, T) <= n(responded, T)
        mask = _suppressed(counts, k, hide=hide)
        level_rows.append(_with_mask(every, None, k))
        level_rows.append(_with_mask(mine, mask, k, col=C.TIMEPOINT))
        wide = d.pivot_table(index=[C.PARTICIPANT_ID], columns=C.TIMEPOINT, values=C.SCORE, aggfunc="first")
        who = d.drop_duplicates(C.PARTICIPANT_ID).set_index(C.PARTICIPANT_ID)["cohort"]
        for con, t0, t1 in [c for c in contrasts if c[1] in wide.columns and c[2] in wide.columns]:
            diff = (wide[t1] - wide[t0]).dropna().rename("diff").to_frame()
            diff["cohort"] = who.reindex(diff.index).to_numpy()
            base = {C.SCALE: scale, "contrast": con, "time_from": t0, "time_to": t1}
            change_rows.append(_stats(diff.assign(_all=1), ["_all"], "diff", conf).drop(columns="_all")
                               .assign(scope=EVERYONE, cohort="", **base))
            change_rows.append(_stats(diff.dropna(subset=["cohort"]), ["cohort"], "diff", conf)
                               .assign(scope=COHORT, **base))
    levels = _finish(level_rows, COHORT_SCALES_COLUMNS)
    changes = _change_masks(change_rows, cohorts, k, levels)
    return levels, changes


def _with_mask(frame: pd.DataFrame, mask: pd.DataFrame | None, k: int, col: str = C.TIMEPOINT) -> pd.DataFrame:
    out = frame.copy()
    if mask is None:
        hidden = np.zeros(len(out), bool)
    else:
        hidden = np.array([bool(mask.at[c, t]) if c in mask.index and t in mask.columns else True
                           for c, t in zip(out["cohort"], out[col], strict=True)], dtype=bool)
    out["shown"] = ~hidden
    out["reason"] = np.where(hidden, hidden_reason(k), "")
    for c in ("n", "mean", "ci_low", "ci_high"):
        out[c] = out[c].astype(float).mask(hidden)
    return out


def _finish(rows: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=list(columns))
    out = pd.concat(rows, ignore_index=True)
    out = out.rename(columns={"n_pairs": "n_pairs"})
    if "n" in out.columns:
        out["n"] = out["n"].astype("Int64")
    return out.reindex(columns=list(columns))


def _change_masks(rows: list[pd.DataFrame], cohorts: list[str], k: int, levels: pd.DataFrame) -> pd.DataFrame:
    """Suppress pair counts across cohorts; a hidden level at either end hides the change."""
    if not rows:
        return pd.DataFrame(columns=list(COHORT_CHANGES_COLUMNS))
    allrows = pd.concat(rows, ignore_index=True).rename(columns={"n": "n_pairs"})
    out = []
    lv = levels[levels["scope"] == COHORT].set_index(["cohort", C.SCALE, C.TIMEPOINT])["shown"]
    for scale, sub in allrows.groupby(C.SCALE, sort=False):
        mine = sub[sub["scope"] == COHORT]
        order = list(dict.fromkeys(sub["contrast"]))
        counts = mine.pivot(index="cohort", columns="contrast", values="n_pairs").reindex(index=cohorts, columns=order)
        counts = counts.fillna(0).astype(int)
        ends = sub.drop_duplicates("contrast").set_index("contrast")[["time_from", "time_to"]]
        hide = pd.DataFrame(False, index=cohorts, columns=order)
        for con in order:
            for t in ends.loc[con]:
                shown = np.array([bool(lv.get((c, scale, t), False)) for c in cohorts])
                hide[con] |= ~shown
        mask = _suppressed(counts, k, hide=hide)
        every = sub[sub["scope"] == EVERYONE].rename(columns={"n_pairs": "n"})
        out.append(_with_mask(every, None, k))
        out.append(_with_mask(mine.rename(columns={"n_pairs": "n"}), mask, k, col="contrast"))
    res = pd.concat(out, ignore_index=True).rename(columns={"n": "n_pairs", "mean": "mean_diff"})
    res["n_pairs"] = res["n_pairs"].astype("Int64")
    return res.reindex(columns=list(COHORT_CHANGES_COLUMNS))


def _themes(run: Run, members: pd.DataFrame, group: str, cohorts: list[str], k: int
            ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """People mentioning each code, per cohort and for everyone (counts suppressed)."""
    from ...qual.coder import empty_mask

    codings, answers, counts = run.table(N.CODINGS), run.table(N.FREE_TEXT), run.table(N.CODE_COUNTS)
    if codings is None or answers is None or counts is None:
        return None, None
    ans = answers[[C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT]].astype(object)
    ans = ans[~empty_mask(answers, run.codebook)]
    ans = ans.merge(members.rename(columns={group: "cohort"}), on=C.PARTICIPANT_ID, how="inner")
    ans[C.TIMEPOINT] = ans[C.TIMEPOINT].map(str)
    codes = list(counts[C.CODE])
    labels = dict(zip(counts[C.CODE], counts["label"], strict=True))
    resp = ans.groupby("cohort")[C.PARTICIPANT_ID].nunique().reindex(cohorts).fillna(0).astype(int)
    cod = codings[[C.RESPONSE_ID, C.CODE]].astype(object).merge(ans[[C.RESPONSE_ID, C.PARTICIPANT_ID, "cohort"]],
                                                                on=C.RESPONSE_ID)
    people = cod.groupby(["cohort", C.CODE])[C.PARTICIPANT_ID].nunique().unstack(fill_value=0)
    people = people.reindex(index=cohorts, columns=codes).fillna(0).astype(int)
    tab = pd.concat([resp.rename(RESPONDENTS), people], axis=1)
    hide = pd.DataFrame(False, index=tab.index, columns=tab.columns)
    mask = _suppressed(tab, k)
    for _ in range(len(cohorts) + 1):  # a hidden respondent count hides the cohort's row
        hidden_rows = mask[RESPONDENTS].to_numpy(dtype=bool)
        want = hide.copy()
        want.loc[hidden_rows, :] = True
        if want.equals(hide):
            break
        hide = want
        mask = _suppressed(tab, k, hide=hide)
    n_all = int(counts["n_respondents"].iloc[0]) if len(counts) else 0
    rows: list[dict[str, Any]] = [{"scope": EVERYONE, "cohort": "", C.CODE: c, "label": labels[c], "n_people": int(n),
             "n_respondents": n_all, "percent": 100.0 * n / n_all if n_all else np.nan,
             "shown": bool(show), "reason": "" if show else hidden_reason(k)}
            for c, n, show in zip(counts[C.CODE], counts["n_participants"], counts["shown"], strict=True)]
    for cohort in cohorts:
        r_hidden = bool(mask.at[cohort, RESPONDENTS])
        n_resp = None if r_hidden else int(str(tab.at[cohort, RESPONDENTS]))
        for c in codes:
            hidden = bool(mask.at[cohort, c])
            n = None if hidden else int(str(tab.at[cohort, c]))
            rows.append({"scope": COHORT, "cohort": cohort, C.CODE: c, "label": labels[c], "n_people": n,
                         "n_respondents": n_resp,
                         "percent": np.nan if n is None or not n_resp else 100.0 * n / n_resp,
                         "shown": not hidden, "reason": hidden_reason(k) if hidden else ""})
    out = pd.DataFrame(rows, columns=list(COHORT_THEMES_COLUMNS))
    for c in ("n_people", "n_respondents"):
        out[c] = out[c].astype("Int64")
    text_resp = ans.groupby(["cohort", C.TIMEPOINT])[C.PARTICIPANT_ID].nunique()
    quotable = text_resp[text_resp >= k].reset_index()[["cohort", C.TIMEPOINT]]
    return out, quotable


def suggestion_codes(book: Any, codes: list[str]) -> list[str]:
    """Codes that hold suggestions for the intervention (id or label mentions "suggest")."""
    labels = {c.id: c.label for c in book.flat_codes()} if book is not None else {}
    return [c for c in codes if "suggest" in c.casefold() or "suggest" in str(labels.get(c, "")).casefold()]


def _quotes(run: Run, members: pd.DataFrame, group: str, cohorts: list[str], k: int, themes: pd.DataFrame,
            quotable: pd.DataFrame | None, info: pd.DataFrame) -> pd.DataFrame:
    """Redacted quotes per reportable cohort: up to four themes × two, and up to six suggestions,
    only from surveys at least k of its members answered in their own words, with role words
    masked; never more quotes for a code than the people shown for it."""
    from ...integrate.redaction import load_identifying_terms, role_masker

    codings, answers = run.tables[N.CODINGS], run.tables[N.FREE_TEXT]
    if quotable is None or quotable.empty:
        return pd.DataFrame(columns=list(COHORT_QUOTES_COLUMNS))
    terms = list(load_identifying_terms())
    parts = run.tables[N.PARTICIPANTS]
    for g in run.groups:
        if g != group and g in parts.columns:
            terms += [str(v) for v in parts[g].dropna().unique()]
    mask = role_masker(terms)
    redact = redaction_options({"names": tuple(run.spec.analysis.redact_names),
                                "places": tuple(run.spec.analysis.redact_places)})
    questions = {f.id: (f.label or f.id) for f in run.spec.free_text}
    labels = {t.id: (t.label or t.id) for t in run.spec.timepoints}
    sugg = suggestion_codes(run.codebook, list(themes.loc[themes["scope"] == EVERYONE, C.CODE]))
    ans = answers.drop(columns=[c for c in ("cohort", group) if c in answers.columns])
    ans = ans.merge(members.rename(columns={group: "cohort"}), on=C.PARTICIPANT_ID, how="inner")
    ans = ans.assign(_t=ans[C.TIMEPOINT].map(str)).merge(quotable.rename(columns={C.TIMEPOINT: "_t"}),
                                                         on=["cohort", "_t"], how="inner")
    reportable = set(info.loc[info["reportable"], "cohort"])
    mine = themes[themes["scope"] == COHORT]
    rows: list[dict[str, Any]] = []
    for cohort, a in ans.groupby("cohort", sort=True):
        if cohort not in reportable:
            continue
        t = mine[(mine["cohort"] == cohort) & mine["shown"] & (mine["n_people"].fillna(0) > 0)]
        t = t.sort_values("n_people", ascending=False, kind="stable")
        limits = dict(zip(t[C.CODE], t["n_people"].astype(int), strict=True))
        used: set[str] = set()
        theme_codes = [c for c in t[C.CODE] if c not in sugg][:4]
        for kind, codes, per in (("theme", theme_codes, 2), ("suggestion", [c for c in sugg if c in limits], 6)):
            picked = pick_quotes(codings, a, codes, codebook=run.codebook, redact=redact, per_code=per,
                                 extra=mask, used=used, limits=limits)
            rows += [{"cohort": cohort, "kind": kind, **r} for r in picked]
    out = pd.DataFrame(rows, columns=[c for c in COHORT_QUOTES_COLUMNS if c != "source"])
    out["source"] = [source_text(t, q, questions, labels) for t, q in zip(out[C.TIMEPOINT], out[C.QUESTION],
                                                                          strict=True)]
    return out[list(COHORT_QUOTES_COLUMNS)]
