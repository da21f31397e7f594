"""Facilitator cohort reports: views of the cohort tables, suppression across all cohorts,
plain language, privacy, snapshot.

The suppression proofs rebuild each published count table from the research tables
independently (true counts) and check the pattern the analysis chose (the ``shown`` flags)
with an attacker's linear algebra and integer programming (tests/_suppression_check.py,
Cox 1980).
"""

from __future__ import annotations

import html as _html
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from _report_fixtures import (
    PARTICIPANT_ID_PATTERN,
    check_snapshot,
    cohort_html,
    cohort_report,
    example_results,
    example_results_with,
    pii_fragments,
    report_structure,
)
from _suppression_check import determined_cells, integer_ranges, joint_integer_ranges

from evaltool.errors import EvaltoolError
from evaltool.report import _fmt as F
from evaltool.report import build_cohort_report, list_cohorts
from evaltool.report._context import make_ctx
from evaltool.report.study import SYNTHETIC_BANNER
from evaltool.report.suppression import Suppression

COHORTS = ["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08"]
PRIMARY = ["brs", "coping_confidence", "resilience_knowledge"]

pytestmark = pytest.mark.xdist_group("report")  # share one analysed example per worker


def _text(html: str) -> str:
    body = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    body = re.sub(r"<style.*?</style>", " ", body, flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", " ", body))


def _main(html: str) -> str:
    """Text of the report body (sections only; header, banner and footer excluded)."""
    m = re.search(r"<main>(.*)</main>", html, flags=re.S)
    assert m is not None
    return _text(m.group(1))


def _members(res) -> pd.DataFrame:
    p = res["participants"]
    return p[p["cohort"].astype(str).str.strip() != ""][["participant_id", "cohort"]]


def _sup(true: pd.DataFrame, shown: pd.DataFrame) -> Suppression:
    """A Suppression with the true counts (+ all-cohort totals) and the published pattern."""
    counts = pd.concat([true, true.sum().to_frame("Total").T])
    mask = pd.concat([~shown.astype(bool), pd.DataFrame(False, index=["Total"], columns=true.columns)])
    return Suppression(counts=counts.astype(int), mask=mask.astype(bool), primary=mask.astype(bool), min_cell_size=5)


def _participation(res) -> Suppression:
    p = res["participants"].merge(_members(res), on=["participant_id", "cohort"])
    true = p.groupby("cohort")[["T1", "T2", "T3", "T4"]].sum().reindex(COHORTS).fillna(0).astype(int)
    r = res["cohort_responses"]
    shown = r.pivot(index="cohort", columns="timepoint", values="shown").reindex(index=COHORTS, columns=true.columns)
    return _sup(true, shown)


def _scale_n(res, scale: str) -> Suppression:
    s = res["scores"].dropna(subset=["score"])
    s = s[s["scale"] == scale].assign(timepoint=lambda d: d["timepoint"].astype(str))
    s = s.drop(columns="cohort").merge(_members(res), on="participant_id")
    true = s.groupby(["cohort", "timepoint"]).size().unstack(fill_value=0).reindex(COHORTS).fillna(0).astype(int)
    lv = res["cohort_scales"]
    lv = lv[(lv["scope"] == "cohort") & (lv["scale"] == scale)]
    shown = lv.pivot(index="cohort", columns="timepoint", values="shown").reindex(index=COHORTS, columns=true.columns)
    return _sup(true, shown.fillna(False))


def _pairs(res, scale: str) -> Suppression:
    ch = res["cohort_changes"]
    ch = ch[(ch["scale"] == scale)]
    s = res["scores"].dropna(subset=["score"])
    s = s[s["scale"] == scale].assign(timepoint=lambda d: d["timepoint"].astype(str))
    wide = s.pivot_table(index="participant_id", columns="timepoint", values="score", aggfunc="first")
    cols = {}
    for con, t0, t1 in ch[["contrast", "time_from", "time_to"]].drop_duplicates().itertuples(index=False):
        both = wide[[t0, t1]].dropna().index
        cols[con] = _members(res).set_index("participant_id").reindex(both)["cohort"].value_counts()
    true = pd.DataFrame(cols).reindex(COHORTS).fillna(0).astype(int)
    mine = ch[ch["scope"] == "cohort"]
    shown = mine.pivot(index="cohort", columns="contrast", values="shown").reindex(index=COHORTS, columns=true.columns)
    return _sup(true, shown.fillna(False))


def test_cohorts_listed() -> None:
    assert list_cohorts(example_results()) == COHORTS


def test_unknown_cohort_lists_known_ones_and_case_is_ignored() -> None:
    with pytest.raises(EvaltoolError, match="no cohort 'C99'.*C01, C02, C03, C04, C05, C06, C07, C08"):
        build_cohort_report(example_results(), "C99")
    assert build_cohort_report(example_results(), "c03").title == cohort_report("C03").title


def test_c06_too_small_shows_nothing_derivable() -> None:
    """C06 has 4 people: the report says so and contains no number about it (only the threshold)."""
    rep = cohort_report("C06")
    assert [s.title for s in rep.sections] == ["Summary"]
    assert not any(b.kind in ("table", "figure", "quote") for s in rep.sections for b in s.blocks)
    body = _main(cohort_html("C06"))
    assert "too small" in body and "--cohort C06 --with C04" in re.sub(r"\s+", " ", body)  # C04 is hidden where C06 is
    assert set(re.findall(r"\d+(?:\.\d+)?", re.sub(r"C\d\d", "", body))) == {"5"}  # "fewer than 5 people"
    assert SYNTHETIC_BANNER in _text(cohort_html("C06"))


def test_c03_shows_what_the_tables_allow_and_the_numbers_are_the_research_numbers() -> None:
    """C03 has 12 people. Every shown mean equals descriptives_by_cohort (computed independently
    by evaltool.describe) and is printed; every shown change equals prepost_by_cohort."""
    res = example_results()
    body = _main(cohort_html("C03"))
    lv = res["cohort_scales"]
    lv = lv[(lv["cohort"] == "C03") & lv["shown"]]
    assert len(lv) >= 9
    d = res["descriptives_by_cohort"].set_index(["cohort", "scale", "timepoint"])
    for r in lv.itertuples():
        assert r.mean == pytest.approx(d.loc[("C03", r.scale, r.timepoint), "mean"], rel=1e-12)
        assert F.est_ci(r.mean, r.ci_low, r.ci_high) in body
    ch = res["cohort_changes"]
    ch = ch[(ch["cohort"] == "C03") & ch["shown"]]
    pp = res["prepost_by_cohort"].set_index(["cohort", "scale", "contrast"])
    for r in ch.itertuples():
        ref = pp.loc[("C03", r.scale, r.contrast)]
        assert (r.mean_diff, r.ci_low, r.ci_high) == pytest.approx(
            (ref["mean_diff"], ref["mean_diff_ci_low"], ref["mean_diff_ci_high"]), rel=1e-12)
        assert F.est_ci(r.mean_diff, r.ci_low, r.ci_high) in body
    assert "People in Cohort C03 who answered each survey: 12 at baseline, 11 after the workshop" in body


def test_c03_has_quotes_and_suggestions() -> None:
    sec = {s.title: s for s in cohort_report("C03").sections}
    assert any(b.kind == "quote" for b in sec["What participants said"].blocks)
    assert any(b.kind == "quote" for b in sec["What they suggested"].blocks)
    assert any(b.kind == "quote" for b in sec["Summary"].blocks)


def test_quotes_only_from_timepoints_with_enough_respondents() -> None:
    """Recomputed here: a cohort's quotes come only from surveys at which >= 5 of its members
    gave a non-empty free-text answer."""
    from evaltool.qual.coder import empty_mask

    res = example_results()
    ft = res["free_text"]
    ft = ft[~empty_mask(ft, res.codebook)].drop(columns="cohort").merge(_members(res), on="participant_id")
    n = ft.groupby(["cohort", ft["timepoint"].astype(str)])["participant_id"].nunique()
    q = res["cohort_quotes"]
    assert len(q)
    for r in q.itertuples():
        assert n.get((r.cohort, str(r.timepoint)), 0) >= 5, (r.cohort, r.timepoint)
    assert (n.xs("C01", level=0) < 5).any()  # the example has small text groups


def test_report_tables_show_exactly_what_the_cohort_tables_allow() -> None:
    res = example_results()
    ctx = make_ctx(res)
    lv = res["cohort_scales"]
    for c in COHORTS:
        if not bool(res["cohorts"].set_index("cohort").loc[c, "reportable"]):
            continue
        rep = cohort_report(c)
        for s in ctx.primary:
            tab = next(b for sec in rep.sections for b in sec.blocks
                       if b.kind == "table" and b.caption == f"{ctx.label(s)}: average score at each survey")
            mine = lv[(lv["cohort"] == c) & (lv["scale"] == s)].set_index("timepoint")
            for row in tab.frame.itertuples(index=False):
                t = next(t for t in ctx.tps if ctx.tp(t) == row[0])
                shown = t in mine.index and bool(mine.loc[t, "shown"])
                assert (row[1] == F.HIDDEN) == (not shown), (c, s, t)
                assert (row[2] == F.HIDDEN) == (not shown)
                if shown:
                    assert int(row[1]) == mine.loc[t, "n"] >= 5


def test_no_small_count_anywhere_in_any_cohort_report() -> None:
    """Every count printed as "<n> people" in any cohort report is >= the threshold (or 0)."""
    for c in COHORTS:
        for s in cohort_report(c).sections:
            for b in s.blocks:
                if b.kind == "table":
                    for col in b.frame.columns:
                        if col.endswith(": people") or "people who mentioned" in col:
                            vals = [v for v in b.frame[col] if v not in (F.HIDDEN, "–")]
                            assert all(int(v) == 0 or int(v) >= 5 for v in vals), (c, b.caption, col)
        body = _main(cohort_html(c))
        for n in re.findall(r"(\d+) people", body):
            assert int(n) == 0 or int(n) >= 5, (c, n)


def test_complementary_suppression_holds_for_every_count_table() -> None:
    """No hidden count is determined by the published counts and all-cohort totals (rank test),
    and every hidden count has at least two feasible non-negative integer values."""
    res = example_results()
    ctx = make_ctx(res)
    tables = [_participation(res)] + [_scale_n(res, s) for s in ctx.primary] + [_pairs(res, s) for s in ctx.primary]
    assert tables[0].mask.loc["C06", "T1"]
    for sup in tables:
        published = sup.counts.to_numpy()[~sup.mask.to_numpy()]
        assert ((published == 0) | (published >= 5)).all()
        assert determined_cells(sup, False, True) == []
        for cell, (lo, hi) in integer_ranges(sup, False, True).items():
            assert hi > lo, cell


def test_no_hidden_count_is_pinned_by_totals_and_bounds_across_tables() -> None:
    """All count tables at once, with the bounds linking them (n with a score at T <= people
    responding at T; pairs <= n at both ends): every hidden count of fewer than 5 people keeps
    two feasible integer values (scipy milp / HiGHS)."""
    res = example_results()
    ctx = make_ctx(res)
    tabs = {"part": _participation(res)}
    le: list[tuple[tuple, tuple]] = []
    for s in ctx.primary:
        n = _scale_n(res, s)
        tabs[f"n:{s}"] = n
        for c in COHORTS:
            for t in n.counts.columns:
                le.append(((f"n:{s}", c, t), ("part", c, t)))
        pairs = _pairs(res, s)
        tabs[f"pairs:{s}"] = pairs
        ch = res["cohort_changes"].drop_duplicates("contrast").set_index("contrast")
        for con in pairs.counts.columns:
            for t in (ch.loc[con, "time_from"], ch.loc[con, "time_to"]):
                for c in COHORTS:
                    le.append(((f"pairs:{s}", c, con), (f"n:{s}", c, t)))
    ranges = joint_integer_ranges(tabs, le)
    assert len(ranges) > 20
    # a hidden count of 1–4 people must keep at least two feasible values; a hidden count of 5
    # or more (hidden only because its mean is) may follow from the others: it is not sensitive
    small = {key: v for key, v in ranges.items() if 0 < tabs[key[0]].counts.loc[key[1], key[2]] < 5}
    assert small and {key: v for key, v in small.items() if v[1] - v[0] < 1 - 1e-9} == {}


def test_higher_threshold_hides_more() -> None:
    res = example_results_with(min_cell_size=10)
    rep = build_cohort_report(res, "C03")
    body = _main(rep.to_html())
    assert "fewer than 10 people" in body or "1 to 9 people" in body
    lv = res["cohort_scales"]
    assert not lv[(lv["cohort"] == "C03") & (lv["timepoint"] == "T4")]["shown"].any()  # C03 had 5 at T4


def test_no_participant_ids_and_no_pii_in_any_cohort_report() -> None:
    ids = set(map(str, example_results()["participants"]["participant_id"]))
    frags = pii_fragments()
    for c in COHORTS:
        h = cohort_html(c)
        assert not PARTICIPANT_ID_PATTERN.search(h), c
        assert [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", h)] == [], c
        t = _text(h)
        assert [f for f in frags if f in t] == [], c


def test_job_titles_masked_in_quotes() -> None:
    words = re.compile(r"\b(paramedics?|midwi(fe|ves)|doctors?|registrar|sonographers?)\b", re.I)
    for c in COHORTS:
        for s in cohort_report(c).sections:
            for b in s.blocks:
                if b.kind == "quote":
                    assert not words.search(b.text), (c, b.text)


def test_cohort_figure_is_group_level_only_and_light() -> None:
    """Each cohort figure draws one point per timepoint and group (no individuals) as a few
    lines of inline SVG."""
    res = example_results()
    rep = cohort_report("C03")
    figs = [b for s in rep.sections for b in s.blocks if b.kind == "figure"]
    assert len(figs) == len(make_ctx(res).primary)
    for f in figs:
        n_tp = f.svg.count("</text>")
        assert f.svg.count("<circle") <= 2 * 4 + 2 and len(f.svg) < 6000 and n_tp > 0


def test_plain_language_summary_on_page_one() -> None:
    rep = cohort_report("C03")
    first = rep.sections[0]
    assert first.title == "Summary"
    text = " ".join(getattr(b, "text", "") for b in first.blocks)
    assert "What changed" in text and "went up" in text
    assert "What participants talked about most" in text
    assert "do not use this report to judge or compare individual staff" in text
    assert "T4 (Follow-up" not in text and "(n = " not in text


def test_structure_snapshots() -> None:
    check_snapshot("cohort_report_C03", report_structure(cohort_report("C03")))
    check_snapshot("cohort_report_C06", report_structure(cohort_report("C06")))


def test_pdf_renders(tmp_path: Path) -> None:
    p = cohort_report("C03").save(tmp_path / "c03.pdf")
    data = p.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 20_000


def test_write_reports(tmp_path: Path) -> None:
    from evaltool.report import write_reports

    paths = write_reports(example_results(), tmp_path)
    assert paths["study"] == tmp_path / "report.html" and paths["docx"] == tmp_path / "report.docx"
    assert sorted(k for k in paths if k.startswith("cohort:")) == [f"cohort:{c}" for c in COHORTS]
    for p in paths.values():
        assert p.is_file() and p.stat().st_size > 1000
    assert (tmp_path / "cohort_reports" / "C06.html").read_text(encoding="utf-8") == cohort_html("C06")


def test_reports_without_free_text_skip_the_qualitative_parts(tmp_path: Path) -> None:
    """Results without coded free text still give both reports, with a short note."""
    import dataclasses

    from evaltool.report import build_study_report, write_reports

    res = example_results()
    qual = {"free_text", "codings", "code_counts", "cohort_themes", "cohort_quotes", "quotes", "joint_display",
            "themes_by_timepoint", "quotes_by_change"}
    bare = dataclasses.replace(res, tables={k: v for k, v in res.tables.items() if k not in qual})
    study = {s.title: s for s in build_study_report(bare).sections}
    assert study["Qualitative findings"].blocks[0].kind == "callout"
    assert study["Joint displays"].blocks[0].kind == "callout"
    rep = build_cohort_report(bare, "C03")
    said = next(s for s in rep.sections if s.title == "What participants said")
    assert said.blocks[0].kind == "callout"
    no_groups = dataclasses.replace(bare, tables={k: v for k, v in bare.tables.items() if not k.startswith("cohort")})
    paths = write_reports(no_groups, tmp_path)
    assert set(paths) == {"study", "docx", "index"}
    with pytest.raises(EvaltoolError, match="no cohorts"):
        build_cohort_report(no_groups, "C03")


# --- pooled reports ---------------------------------------------------------------------------
@cache
def _pooled(pool: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The pooled tables of the example for ``pool`` (computed once per worker)."""
    from evaltool.analysis.steps.pooled import pooled_summaries

    return pooled_summaries(example_results(), list(pool))


def _true_participation(res) -> pd.DataFrame:
    p = res["participants"].merge(_members(res), on=["participant_id", "cohort"])
    return p.groupby("cohort")[["T1", "T2", "T3", "T4"]].sum().reindex(COHORTS).fillna(0).astype(int)


def _ranges_with_pool(true: pd.DataFrame, shown: pd.DataFrame, pool: list[str], pool_shown: pd.Series
                      ) -> dict[tuple[str, str], tuple[float, float]]:
    """An attacker's (min, max) of each hidden cohort count, per column, knowing the shown cells, the
    all-cohort total and the pooled count where it is shown (integer programming, scipy milp)."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    out = {}
    for col in true.columns:
        hid = [c for c in true.index if not bool(shown.loc[c, col])]
        if not hid:
            continue
        rows, rhs = [np.ones(len(hid))], [true.loc[hid, col].sum()]
        if bool(pool_shown[col]):
            rows.append(np.array([1.0 if c in pool else 0.0 for c in hid]))
            rhs.append(true.loc[[c for c in hid if c in pool], col].sum())
        cons = LinearConstraint(np.array(rows), rhs, rhs)
        for i, c in enumerate(hid):
            lims = []
            for sign in (1.0, -1.0):
                obj = np.zeros(len(hid))
                obj[i] = sign
                r = milp(obj, constraints=cons, integrality=np.ones(len(hid)),
                         bounds=Bounds(np.zeros(len(hid)), np.full(len(hid), float(true[col].sum()))))
                assert r.status == 0
                lims.append(sign * r.fun)
            out[(c, col)] = (lims[0], lims[1])
    return out


def test_pooled_counts_never_pin_a_hidden_count_for_any_pair_of_cohorts() -> None:
    """For every pair of cohorts: beside the published cohort counts and totals, the pooled counts
    leave every hidden cohort count at least two feasible values, and a shown pooled count is the
    true number of the pool's people (recomputed here from participants)."""
    from itertools import combinations

    res = example_results()
    true = _true_participation(res)
    r = res["cohort_responses"]
    shown = r.pivot(index="cohort", columns="timepoint", values="shown").reindex(index=COHORTS, columns=true.columns)
    some_shown = 0
    for pool in combinations(COHORTS, 2):
        pr = _pooled(pool)["cohort_responses"].set_index("timepoint")
        flags = pr["shown"].astype(bool)
        for t in true.columns:
            if flags[t]:
                assert int(pr.loc[t, "n"]) == true.loc[list(pool), t].sum() >= 5
        some_shown += int(flags.sum())
        for cell, (lo, hi) in _ranges_with_pool(true, shown, list(pool), flags).items():
            assert hi > lo, (pool, cell)
    assert some_shown > 50  # pooling is not simply "hide everything"


def _published_cells(res):
    """Every mean and change the analysis published about the primary scales (each cohort, all
    participants, retained vs lost), rebuilt from the research tables as the disclosure step
    builds them, with the ``disclosure`` table's shown flags."""
    import numpy as np

    from evaltool.privacy import CellSet, attrition_cells, group_labels, summary_cells

    scores, parts = res["scores"], res["participants"]
    contrasts = [tuple(x) for x in res["prepost"][["time_from", "time_to"]].astype(str).drop_duplicates()
                 .itertuples(index=False)]
    p = parts.assign(cohort=group_labels(parts["cohort"]))
    cells = summary_cells(scores, p, timepoints=res.timepoints, contrasts=contrasts, scales=PRIMARY)
    ex = attrition_cells(scores, parts, res.timepoints, scales=PRIMARY)
    cells = cells.concat(CellSet(ex.cells.assign(level="group"), ex.terms))
    d = res["disclosure"]

    def key(f):
        when = f["timepoint"].where(f["statistic"] == "mean", f["contrast"]).astype(str)
        return list(zip(f["level"], f["group_value"].fillna(""), f["scale"], when, strict=True))

    flags = dict(zip(key(d), d["shown"].astype(bool), strict=True))
    shown = np.array([flags[k] for k in key(cells.cells)], dtype=bool)
    return cells, shown


def _pooled_cells(res, pool: tuple[str, ...], tables: dict[str, pd.DataFrame]):
    """The pool's means and changes as cells, flagged as the pooled report shows them; the
    shown numbers are checked to be the cells' (so the attacker attacks what is printed)."""
    import numpy as np

    from evaltool.privacy import summary_cells

    who = _members(res)
    who = who[who["cohort"].isin(pool)].assign(pool=" + ".join(pool))[["participant_id", "pool"]]
    s = res["scores"]
    cells = summary_cells(s[s["participant_id"].isin(who["participant_id"])], who, group="pool",
                          timepoints=res.timepoints, scales=PRIMARY, study=False)
    lv = tables["cohort_scales"].query("scope == 'cohort'")
    ch = tables["cohort_changes"].query("scope == 'cohort'")
    printed = {**{(r.scale, str(r.timepoint)): (r.shown, r.mean) for r in lv.itertuples()},
               **{(r.scale, str(r.contrast)): (r.shown, r.mean_diff) for r in ch.itertuples()}}
    c = cells.cells
    when = c["timepoint"].where(c["statistic"] == "mean", c["contrast"]).astype(str)
    shown = np.zeros(len(c), dtype=bool)
    for i, key in enumerate(zip(c["scale"], when, strict=True)):
        flag, value = printed.get(key, (False, None))
        shown[i] = bool(flag)
        if flag:
            assert value == pytest.approx(c["estimate"].iloc[i], rel=1e-12), (pool, key)
    return cells, shown


def test_pooled_numbers_beside_everything_published_give_nothing_away_for_any_pair_of_cohorts() -> None:
    """Issue 14 for pooled reports: for every pair of the example's cohorts, the linear attacker
    (audit_disclosure), given every mean and change the analysis published (all cohorts, all
    participants, retained vs lost) and every mean and change the pooled report shows, recovers
    no one's score and no hidden number about fewer than 5 people. Before the pooled numbers
    were decided with the attacker, 6 of the 28 pools gave away a hidden cohort mean (e.g.
    C01 + C05: C01's mean at T4 = the pool's minus C05's)."""
    from itertools import combinations

    import numpy as np

    from evaltool.privacy import audit_disclosure

    res = example_results()
    pub, pub_shown = _published_cells(res)
    some = 0
    for pool in combinations(COHORTS, 2):
        cells, shown = _pooled_cells(res, pool, _pooled(pool))
        some += int(shown.sum())
        found = audit_disclosure(pub.concat(cells), res["scales"], shown=np.concatenate([pub_shown, shown]))
        assert not found["disclosed"].any(), (pool, found[found["disclosed"]].drop(columns="participant_id"))
    assert some >= 150   # pooling still shows numbers (166 means and changes over the 28 pools; 180 before)


def test_pooled_report_c04_c06_shows_the_pool_as_one_group() -> None:
    """C06 (4 people) pooled with C04, whose numbers are hidden in the same places: the pooled
    means are the means of the two cohorts' people together (recomputed from scores)."""
    res = example_results()
    rep = build_cohort_report(res, ["c06", "C04"])
    assert rep.title == "Cohorts C04 and C06 (pooled): feedback report"
    html = rep.to_html()
    body = _main(html)
    assert "People in Cohorts C04 and C06 who answered each survey:" in body
    from evaltool.analysis.steps.pooled import pooled_summaries

    lv = pooled_summaries(res, ["C04", "C06"])["cohort_scales"]
    lv = lv[(lv["scope"] == "cohort") & (lv["scale"] == "coping_confidence") & lv["shown"]]
    assert len(lv), "some pooled mean of C04 + C06 is shown on the example"
    row = lv.iloc[0]
    s = res["scores"].dropna(subset=["score"])
    s = s[s["scale"] == "coping_confidence"].drop(columns="cohort").merge(_members(res), on="participant_id")
    t = s[s["cohort"].isin(["C04", "C06"]) & (s["timepoint"].astype(str) == str(row["timepoint"]))]["score"]
    assert row["cohort"] == "C04 + C06" and row["n"] == len(t) >= 5
    assert row["mean"] == pytest.approx(t.mean(), rel=1e-12)
    assert F.est_ci(row["mean"], row["ci_low"], row["ci_high"]) in body
    assert html.count(SYNTHETIC_BANNER) == 1
    for n in re.findall(r"(\d+) people", body):
        assert int(n) == 0 or int(n) >= 5


def test_pooled_report_says_when_pooling_cannot_be_shown_and_names_a_better_partner() -> None:
    res = example_results()
    rep = build_cohort_report(res, ["C06", "C07"])
    assert rep.title == "Cohorts C06 and C07 (pooled): feedback report"
    text = re.sub(r"\s+", " ", _main(rep.to_html()))
    assert "Most of the pooled numbers are hidden" in text
    from evaltool.analysis.steps.pooled import pooling_partners

    assert f"--cohort C06 --with {pooling_partners(res, 'C06')[0]}" in text


def test_pooled_report_needs_the_research_tables() -> None:
    import dataclasses

    from evaltool.analysis import names as N

    res = example_results()
    shared = dataclasses.replace(res, tables={k: v for k, v in res.tables.items() if N.is_shareable(k)})
    with pytest.raises(EvaltoolError, match="research/") as err:
        build_cohort_report(shared, ["C06", "C04"])
    assert "participant-level" in str(err.value)
    with pytest.raises(EvaltoolError, match="at least two"):
        build_cohort_report(res, ["C06", "c06"])


def test_pooled_quotes_come_only_from_member_surveys_with_enough_own_respondents() -> None:
    from evaltool.analysis.steps.pooled import pooled_summaries
    from evaltool.qual.coder import empty_mask

    res = example_results()
    ft = res["free_text"]
    ft = ft[~empty_mask(ft, res.codebook)].drop(columns="cohort").merge(_members(res), on="participant_id")
    n = ft.groupby(["cohort", ft["timepoint"].astype(str)])["participant_id"].nunique()
    q = pooled_summaries(res, ["C04", "C06"])["cohort_quotes"]
    assert len(q)
    for r in q.itertuples():
        assert n.get(("C04", str(r.timepoint)), 0) >= 5 or n.get(("C06", str(r.timepoint)), 0) >= 5


def test_cohort_reports_written_in_parallel_are_the_reports_built_one_by_one(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch writer (tables split once, reports built in forked workers) gives each cohort
    the very report build_cohort_report gives, in the cohorts table's order."""
    import evaltool.report.cohort as cohort_mod

    monkeypatch.setattr(cohort_mod, "PARALLEL_FROM", 1)  # fork even for the example's 8 cohorts
    monkeypatch.setenv("EVALTOOL_JOBS", "2")
    paths = cohort_mod.write_cohort_reports(example_results(), tmp_path)
    assert list(paths) == [f"cohort:{c}" for c in COHORTS]
    for c in COHORTS:
        assert paths[f"cohort:{c}"] == tmp_path / f"{c}.html"
        assert paths[f"cohort:{c}"].read_text(encoding="utf-8") == cohort_html(c)
