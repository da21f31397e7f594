"""Cohort summaries: every number a facilitator's cohort report may show, decided once.

All cohorts are summarised in one grouped pass per table; suppression is decided across all
cohorts together (a facilitator may hold several reports, and the all-participants figures are
published in every one), so every report hides consistent cells. The reports only format these
tables. Participants without a cohort are left out of the cohort tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ... import columns as C
from ..._parallel import fork_map
from .. import names as N
from ._cohort_text import CohortAnswers, cohort_answers, positions
from .quotes import redaction_options, source_text, take_quotes

if TYPE_CHECKING:
    from ..pipeline import Run

RESPONDENTS = "__respondents__"

COHORTS_COLUMNS = ("cohort", "reportable", "reason", "file")
COHORT_RESPONSES_COLUMNS = ("cohort", C.TIMEPOINT, "n", "shown", "reason")
COHORT_SCALES_COLUMNS = ("scope", "cohort", C.SCALE, C.TIMEPOINT, "n", "mean", "ci_low", "ci_high", "shown",
                         "n_shown", "reason")
COHORT_CHANGES_COLUMNS = ("scope", "cohort", C.SCALE, "contrast", "time_from", "time_to", "n_pairs", "mean_diff",
                          "ci_low", "ci_high", "shown", "n_shown", "reason")
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
    labelled = parts.assign(**{group: _labels(parts[group])}).dropna(subset=[group])
    members = labelled[[C.PARTICIPANT_ID, group]]
    cohorts = sorted(members[group].unique())
    if not cohorts:
        return
    from ...privacy import unique_names

    names = unique_names(cohorts)
    size = members.groupby(group).size().reindex(cohorts).fillna(0).astype(int)
    scales, changes = _scale_tables(run, members, group, cohorts, k, pd.DataFrame())
    responses, scales, changes = _consistent_counts(run, labelled, group, cohorts, k, scales, changes)
    run.tables[N.COHORTS] = pd.DataFrame({
        "cohort": cohorts, "reportable": (size >= k).to_numpy(),
        "reason": ["" if n >= k else f"fewer than {k} people took part" for n in size],
        "file": [names[c] for c in cohorts],
    }, columns=list(COHORTS_COLUMNS))
    run.tables[N.COHORT_RESPONSES] = responses
    run.tables[N.COHORT_SCALES] = scales
    run.tables[N.COHORT_CHANGES] = changes
    themes, quotable = _themes(run, members, group, cohorts, k)
    if themes is not None:
        run.tables[N.COHORT_THEMES] = themes
        run.tables[N.COHORT_QUOTES] = _quotes(run, group, cohorts, themes, quotable, run.tables[N.COHORTS])


def _labels(values: pd.Series) -> pd.Series:
    """Group labels as stripped strings; missing (None, NaN, ``pd.NA``) and blank values →
    None: :func:`evaltool.privacy.cells.group_labels`, the labels the disclosure control
    decides on."""
    from ...privacy.cells import group_labels

    return group_labels(values)


def _suppressed(counts: pd.DataFrame, k: int, hide: pd.DataFrame | None = None) -> pd.DataFrame:
    """cohorts × columns booleans: True where a count must be hidden (with all-cohort totals)."""
    from ...privacy import suppress_counts

    sup = suppress_counts(counts, min_cell_size=k, hide=hide)
    return sup.mask.loc[counts.index, counts.columns]


def _consistent_counts(run: Run, parts: pd.DataFrame, group: str, cohorts: list[str], k: int,
                       scales: pd.DataFrame, changes: pd.DataFrame
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """People answering each survey per cohort, hidden consistently with the scale counts.

    A scale's count at a survey is at most the people who answered it, and the pairs at most
    the count at either end: such bounds between tables can pin a hidden count. So a cohort's
    counts at a survey are shown or hidden together — people answering and every scale's
    count — and pairs are hidden when a count at either end is; the people-answering table
    gets its own complementary suppression, repeated until nothing changes.
    """
    p = parts  # group labels cleaned, participants without one left out
    tps = [t for t in run.tps if t in p.columns]
    counts = p.groupby(group)[tps].sum().reindex(cohorts).fillna(0).astype(int)
    mine = scales["scope"] == COHORT
    hide = np.zeros((len(cohorts), len(tps)), dtype=bool)
    for _ in range(len(cohorts) * len(tps) + 1):
        unshown = scales[mine & ~scales["n_shown"].astype(bool)]
        at = (positions(unshown["cohort"], cohorts), positions(unshown[C.TIMEPOINT].astype(str), tps))
        known = (at[0] >= 0) & (at[1] >= 0)
        hide[at[0][known], at[1][known]] = True
        mask = _suppressed(counts, k, hide=pd.DataFrame(hide, index=cohorts, columns=tps))
        hidden = {(cohorts[i], tps[j]) for i, j in zip(*np.nonzero(mask.loc[cohorts, tps].to_numpy(dtype=bool)),
                                                          strict=True)}
        key = list(zip(scales["cohort"], scales[C.TIMEPOINT].astype(str), strict=True))
        newly = mine & np.array([(c, t) in hidden for c, t in key]) & scales["n_shown"].astype(bool)
        if not newly.any():
            break
        scales = scales.copy()
        scales.loc[newly, "n_shown"] = False
        scales.loc[newly, ["n", "mean", "ci_low", "ci_high"]] = np.nan
        scales.loc[newly, "shown"] = False
        scales.loc[newly, "reason"] = hidden_reason(k)
    ends = [(c, str(a), str(b)) for c, a, b in zip(changes["cohort"], changes["time_from"], changes["time_to"],
                                                   strict=True)]
    cmine = changes["scope"] == COHORT
    gone = cmine & np.array([(c, a) in hidden or (c, b) in hidden for c, a, b in ends])
    if gone.any():
        changes = changes.copy()
        changes.loc[gone, ["n_pairs", "mean_diff", "ci_low", "ci_high"]] = np.nan
        changes.loc[gone, ["shown", "n_shown"]] = False
        changes.loc[gone & (changes["reason"].astype(str) == ""), "reason"] = hidden_reason(k)
    long = counts.stack().reset_index()
    long.columns = pd.Index(["cohort", C.TIMEPOINT, "n"])
    flags = mask.stack().to_numpy()
    long["shown"] = ~flags
    long["reason"] = np.where(flags, hidden_reason(k), "")
    long["n"] = long["n"].astype("Int64").mask(flags)
    return long[list(COHORT_RESPONSES_COLUMNS)], scales, changes


def _scale_tables(run: Run, members: pd.DataFrame, group: str, cohorts: list[str], k: int,
                  responses: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Means at each survey and changes, per cohort and for everyone, as the disclosure
    decision across every report allows (:func:`evaltool.privacy.cohort_summaries`)."""
    decided = run.tables[N.DISCLOSURE]
    primary = run.primary_scales()
    d = decided[((decided["level"] == "study") | (decided["group"] == group)) & decided["scale"].isin(primary)].copy()
    d["scope"] = np.where(d["level"] == "study", EVERYONE, COHORT)
    d["cohort"] = d["group_value"].where(d["scope"] == COHORT, "").astype(object).fillna("")
    levels = d[d["statistic"] == "mean"]
    changes = d[d["statistic"] == "mean_change"].rename(columns={"n": "n_pairs", "mean": "mean_diff"})
    return (levels.reindex(columns=list(COHORT_SCALES_COLUMNS)).reset_index(drop=True),
            changes.reindex(columns=list(COHORT_CHANGES_COLUMNS)).reset_index(drop=True))


def disclosure(run: Run) -> None:
    """One disclosure decision for every mean, change and interval any shareable output shows:
    cohort reports (each cohort) and the study report (all participants, retained vs lost)."""
    from ...privacy import cohort_summaries
    from ...privacy.cells import CellSet
    from ...privacy.summaries import attrition_cells

    scores, parts = run.tables[N.SCORES], run.tables[N.PARTICIPANTS]
    present = set(pd.unique(scores[C.SCALE]))
    scales = [s for s in run.tables[N.SCALES]["scale"] if s in present]  # the study report shows all
    if not scales:
        return
    group = run.cohort_group
    pp = run.table(N.PREPOST)
    contrasts = None if pp is None else [tuple(x) for x in pp[["time_from", "time_to"]].astype(str)
                                         .drop_duplicates().itertuples(index=False)]
    extra: list[CellSet] = []
    if len(run.tps) > 1:  # retained vs lost: decided with the others, hidden before the study's own numbers
        ex = attrition_cells(scores, parts, run.tps, scales=scales)
        extra.append(CellSet(ex.cells.assign(level="group"), ex.terms))
    run.tables[N.HIDDEN_COUNTS] = _hidden_counts(run)
    p = parts.assign(cohort=None) if group is None else parts.assign(**{group: _labels(parts[group])})
    run.tables[N.DISCLOSURE] = cohort_summaries(
        scores, p, bounds=run.tables[N.SCALES], group=group or "cohort", min_cell_size=run.options.min_cell_size,
        confidence=run.options.confidence, timepoints=run.tps, baseline=run.options.baseline, contrasts=contrasts,
        scales=scales, study=True, extra_cells=extra[0].concat(*extra[1:]) if extra else None)


def _hidden_counts(run: Run) -> pd.DataFrame:
    """Counts of people in the study-level summary tables that shareable outputs must hide:
    reliable-change categories (their row total is published) and score bands (within each
    scale and timepoint), with complementary cells so no hidden count follows from a total."""
    from ...privacy import suppress_counts

    k = run.options.min_cell_size
    rows: list[tuple[str, int, str]] = []
    rc = run.table(N.RELIABLE_CHANGE_SUMMARY)
    if rc is not None:
        cats = [c for c in ("n_improved", "n_unchanged", "n_deteriorated", "n_unclassified") if c in rc.columns]
        counts = rc[cats].fillna(0).astype(int).reset_index(drop=True)
        mask = suppress_counts(counts, min_cell_size=k, row_totals=True, column_totals=False).mask
        for i, c in zip(*np.nonzero(mask.loc[counts.index, cats].to_numpy()), strict=True):
            rows.append((N.RELIABLE_CHANGE_SUMMARY, int(i), cats[c]))
        if "n_recovered" in rc.columns:  # a subset of the improved: hidden when small
            rec = rc["n_recovered"].fillna(0).astype(int).to_numpy()
            rows += [(N.RELIABLE_CHANGE_SUMMARY, int(i), "n_recovered") for i in np.flatnonzero((rec > 0) & (rec < k))]
    bands = run.table(N.BAND_COUNTS)
    if bands is not None:
        b = bands.reset_index(drop=True)
        for _, grp in b.groupby(["scale", b["timepoint"].astype(str)], sort=False):
            counts = grp[["n"]].T.astype(int)
            counts.columns = list(grp.index)
            mask = suppress_counts(counts, min_cell_size=k, row_totals=True, column_totals=False).mask
            rows += [(N.BAND_COUNTS, int(i), "n") for i in grp.index if bool(mask.iloc[0][i])]
    return pd.DataFrame(rows, columns=["table", "row", "column"])


def _themes(run: Run, members: pd.DataFrame, group: str, cohorts: list[str], k: int
            ) -> tuple[pd.DataFrame | None, tuple[CohortAnswers, np.ndarray] | None]:
    """People mentioning each code, per cohort and for everyone (counts suppressed), and the
    answers looked up with, per cohort × survey, whether k of its members answered it in their
    own words (a non-empty answer)."""
    from ...qual.coder import empty_mask

    codings, answers, counts = run.table(N.CODINGS), run.table(N.FREE_TEXT), run.table(N.CODE_COUNTS)
    if codings is None or answers is None or counts is None:
        return None, None
    found = cohort_answers(answers, codings, members, group, cohorts)  # (the answer ids are unique)
    said = ~empty_mask(answers[C.TEXT].reset_index(drop=True), run.codebook)
    use = said & (found.cohort >= 0)
    codes = list(counts[C.CODE])
    labels = dict(zip(counts[C.CODE], counts["label"], strict=True))
    people = found.people_per_code(use, found.code_positions(codes), len(cohorts), len(codes))
    tab = pd.DataFrame(np.column_stack([found.respondents(use, len(cohorts)), people]),
                       index=pd.Index(cohorts, name="cohort"), columns=pd.Index([RESPONDENTS, *codes], dtype=object),
                       dtype="int64")
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
    out = pd.concat([pd.DataFrame(rows, columns=list(COHORT_THEMES_COLUMNS)),
                     _cohort_theme_rows(tab, mask, cohorts, codes, labels, k)], ignore_index=True)
    for c in ("n_people", "n_respondents"):
        out[c] = out[c].astype("Int64")
    return out, (found, found.quotable(use, len(cohorts), k))


def _cohort_theme_rows(tab: pd.DataFrame, mask: pd.DataFrame, cohorts: list[str], codes: list[str],
                       labels: dict[str, str], k: int) -> pd.DataFrame:
    """The ``cohort`` rows of :func:`_themes`, cohort by cohort and code by code, from whole
    arrays (one row per cohort × code; a hidden count or respondent count is missing)."""
    n_codes = len(codes)
    counts = tab.loc[cohorts, [RESPONDENTS, *codes]].to_numpy(dtype="int64")
    hidden = mask.loc[cohorts, [RESPONDENTS, *codes]].to_numpy(dtype=bool)
    resp_hidden = np.repeat(hidden[:, 0], n_codes)
    n_resp = np.repeat(counts[:, 0], n_codes)
    code_hidden = hidden[:, 1:].ravel()
    n = counts[:, 1:].ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(code_hidden | resp_hidden | (n_resp == 0), np.nan, 100.0 * n / np.where(n_resp == 0, 1, n_resp))
    reason = hidden_reason(k)
    return pd.DataFrame({
        "scope": COHORT, "cohort": np.repeat(np.asarray(cohorts, dtype=object), n_codes),
        C.CODE: np.tile(np.asarray(codes, dtype=object), len(cohorts)),
        "label": np.tile(np.asarray([labels[c] for c in codes], dtype=object), len(cohorts)),
        "n_people": [None if h else int(v) for h, v in zip(code_hidden.tolist(), n.tolist(), strict=True)],
        "n_respondents": [None if h else int(v) for h, v in zip(resp_hidden.tolist(), n_resp.tolist(), strict=True)],
        "percent": percent, "shown": ~code_hidden,
        "reason": np.where(code_hidden, reason, "").astype(object),
    }, columns=list(COHORT_THEMES_COLUMNS))


def suggestion_codes(book: Any, codes: list[str]) -> list[str]:
    """Codes that hold suggestions for the intervention (id or label mentions "suggest")."""
    labels = {c.id: c.label for c in book.flat_codes()} if book is not None else {}
    return [c for c in codes if "suggest" in c.casefold() or "suggest" in str(labels.get(c, "")).casefold()]


def _quotes(run: Run, group: str, cohorts: list[str], themes: pd.DataFrame,
            quotable: tuple[CohortAnswers, np.ndarray] | None, info: pd.DataFrame) -> pd.DataFrame:
    """Redacted quotes per reportable cohort: up to four themes × two, and up to six suggestions,
    only from surveys at least k of its members answered in their own words, with role words
    masked; never more quotes for a code than the people shown for it."""
    from ...integrate.redaction import load_identifying_terms, role_masker

    codings, answers = run.tables[N.CODINGS], run.tables[N.FREE_TEXT]
    if quotable is None or not quotable[1].any():
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
    found, ok = quotable
    # members' answers (empty ones too) to the surveys their cohort may be quoted from
    sel = (found.cohort >= 0) & ok[np.maximum(found.cohort, 0), found.survey]
    reportable = set(info.loc[info["reportable"], "cohort"])
    plan = _quote_plan(themes, sugg)
    wanted = {c: {*p[0], *p[1]} for c, p in plan.items() if c in reportable}
    pick = _cohort_picker(codings, answers.drop(columns=[c for c in ("cohort", group) if c in answers.columns]),
                          redact, mask, wanted, (found, cohorts, sel))

    def job(names: Sequence[Any]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for cohort in names:
            theme_codes, sugg_codes, limits = plan.get(cohort, ([], [], {}))
            used: set[str] = set()
            for kind, codes, per in (("theme", theme_codes, 2), ("suggestion", sugg_codes, 6)):
                rows += [{"cohort": cohort, "kind": kind, **r} for r in pick(cohort, codes, per, used, limits)]
        return rows

    quoted = np.asarray(cohorts, dtype=object)[np.unique(found.cohort[sel])]
    rows = fork_map(job, sorted(c for c in quoted if c in reportable))
    out = pd.DataFrame(rows, columns=[c for c in COHORT_QUOTES_COLUMNS if c != "source"])
    out["source"] = [source_text(t, q, questions, labels) for t, q in zip(out[C.TIMEPOINT], out[C.QUESTION],
                                                                          strict=True)]
    return out[list(COHORT_QUOTES_COLUMNS)]


def _quote_plan(themes: pd.DataFrame, sugg: list[str]) -> dict[Any, tuple[list[Any], list[str], dict[Any, int]]]:
    """Per cohort: its theme codes to quote (the four shown codes with the most people, not
    suggestions), its shown suggestion codes, and the people shown per code (the caps)."""
    mine = themes[themes["scope"] == COHORT]
    t = mine[mine["shown"] & (mine["n_people"].fillna(0) > 0)]
    t = t.sort_values("n_people", ascending=False, kind="stable")  # stable: per cohort, the same order
    codes_of: dict[Any, list[Any]] = {}
    limits_of: dict[Any, dict[Any, int]] = {}
    for cohort, code, n in zip(t["cohort"].tolist(), t[C.CODE].tolist(), t["n_people"].astype(int).tolist(),
                               strict=True):
        if not pd.isna(cohort):  # one pass over the sorted rows (not a pandas group per cohort)
            codes_of.setdefault(cohort, []).append(code)
            limits_of.setdefault(cohort, {})[code] = n
    plan = {}
    for cohort, codes in codes_of.items():
        limits = limits_of[cohort]
        plan[cohort] = ([c for c in codes if c not in sugg][:4], [c for c in sugg if c in limits], limits)
    return plan


def _cohort_picker(codings: pd.DataFrame, answers: pd.DataFrame, redact: Any, mask: Any,
                   wanted: dict[Any, set[Any]], found: tuple[CohortAnswers, list[str], np.ndarray]) -> Any:
    """``pick(cohort, codes, per_code, used, limits)`` → the cohort's quote rows, as
    :func:`pick_quotes` on the cohort's answers (those in ``found[2]``) and codings gives them,
    from one :class:`~evaltool.qual.outputs.QuoteSource` of every cohort (one sort of the
    codings; quotes redacted only when read), for the codes in ``wanted[cohort]``. ``found``:
    the answers looked up (answer ids unique), the cohorts and which answers may be quoted."""
    from ...qual.outputs import quote_source

    looked_up, cohorts, sel = found
    if not sel.any():
        return lambda *_: []
    # the codings that can be quoted: those of a wanted code of their answer's cohort (a
    # cohort's quotes of a code depend on those codings alone, in the same order)
    names = sorted(wanted)
    all_codes = sorted({c for codes in wanted.values() for c in codes}, key=str)
    want = np.zeros((len(names) + 1, len(all_codes) + 1), dtype=bool)  # last row, column: none
    pairs = [(i, c) for i, name in enumerate(names) for c in wanted[name]]
    want[[i for i, _ in pairs], positions([c for _, c in pairs], all_codes)] = True
    of_answer = np.append(positions(cohorts, names), -1)[np.where(sel, looked_up.cohort, -1)]  # in ``names``
    rows = np.where(np.append(sel, False)[looked_up.coding_row], looked_up.coding_row, -1)
    keep = (rows >= 0) & want[of_answer[np.maximum(rows, 0)], looked_up.code_positions(all_codes)]
    # a source of the answers those codings quote (rows renumbered in the same order), read
    # from the columns it uses
    used_rows, at = np.unique(rows[keep], return_inverse=True)
    read = [c for c in (C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.TEXT) if c in answers.columns]
    quoted = answers[read].iloc[used_rows].reset_index(drop=True)
    quoted["cohort"] = np.asarray(cohorts, dtype=object)[looked_up.cohort[used_rows]]
    cols = [c for c in (C.RESPONSE_ID, C.CODE, C.START, C.END, "negated") if c in codings.columns]
    src = quote_source(codings[cols][keep], quoted, n=12, redact=redact, by="cohort", rows=at.reshape(-1))
    qs = quoted[C.QUESTION].tolist() if C.QUESTION in quoted.columns else [""] * len(quoted)
    source = dict(zip(quoted[C.RESPONSE_ID].tolist(), zip(quoted[C.TIMEPOINT].tolist(), qs, strict=True),
                      strict=True))

    def pick(cohort: Any, codes: list[Any], per: int, used: set[str], limits: dict[Any, int]) -> list[dict[str, Any]]:
        picked = take_quotes(src, codes, group=cohort, per_code=per, extra=mask, used=used, limits=limits)
        return [{"code": code, "rank": rank, "quote": text, C.TIMEPOINT: str(source[rid][0]),
                 C.QUESTION: str(source[rid][1])} for code, rank, text, rid in picked]
    return pick
