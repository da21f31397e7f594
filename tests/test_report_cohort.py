"""Facilitator cohort reports: suppression across all cohorts, plain language, privacy, snapshot."""

from __future__ import annotations

import html as _html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _report_fixtures import (
    PARTICIPANT_ID_PATTERN,
    check_snapshot,
    cohort_html,
    cohort_report,
    example_results,
    pii_fragments,
    report_structure,
)
from _suppression_check import determined_cells, integer_ranges, joint_integer_ranges

from evaltool.errors import EvaltoolError, ParameterError
from evaltool.report import _fmt as F
from evaltool.report import build_cohort_report, list_cohorts
from evaltool.report._cohort_data import RESPONDENTS, cohort_data
from evaltool.report._context import make_ctx
from evaltool.report._qual import qual_tables
from evaltool.report.study import SYNTHETIC_BANNER

COHORTS = ["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08"]

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


def _data(k: int = 5):
    res = example_results()
    ctx = make_ctx(res)
    return ctx, cohort_data(ctx, qual_tables(res), k)


def test_cohorts_listed() -> None:
    assert list_cohorts(example_results()) == COHORTS


def test_unknown_cohort_lists_known_ones() -> None:
    with pytest.raises(EvaltoolError, match="no cohort 'C99'.*C01, C02, C03, C04, C05, C06, C07, C08"):
        build_cohort_report(example_results(), "C99")


@pytest.mark.parametrize("bad", [2, 0, 4.0, True])
def test_threshold_floor(bad: object) -> None:
    with pytest.raises(ParameterError, match="'threshold' parameter of build_cohort_report"):
        build_cohort_report(example_results(), "C03", threshold=bad)  # type: ignore[arg-type]


def test_c06_too_small_shows_nothing_derivable() -> None:
    """C06 has 4 people: the report says so and contains no number about it (only the threshold)."""
    rep = cohort_report("C06")
    assert [s.title for s in rep.sections] == ["Summary"]
    assert not any(b.kind in ("table", "figure", "quote") for s in rep.sections for b in s.blocks)
    body = _main(cohort_html("C06"))
    assert "too small" in body
    assert set(re.findall(r"\d+(?:\.\d+)?", body.replace("C06", ""))) == {"5"}  # "fewer than 5 people"
    assert SYNTHETIC_BANNER in _text(cohort_html("C06"))


def test_c03_shows_everything_allowed() -> None:
    """C03 has 12 people; every primary-scale mean and change whose n is >= 5 is shown and equals
    the results table after formatting; nothing in its score tables is hidden."""
    res = example_results()
    body = _main(cohort_html("C03"))
    d = res["descriptives_by_cohort"]
    d = d[(d["cohort"] == "C03") & d["scale"].isin(make_ctx(res).primary) & (d["n"] > 0)]
    assert len(d) >= 10 and (d["n"] >= 5).all()
    for r in d.itertuples():
        assert F.num(r.mean) in body
    pp = res["prepost_by_cohort"]
    pp = pp[(pp["cohort"] == "C03") & pp["scale"].isin(make_ctx(res).primary)]
    for r in pp.itertuples():
        assert F.est_ci(r.mean_diff, r.mean_diff_ci_low, r.mean_diff_ci_high) in body
    everyone = res["descriptives"]
    for r in everyone[everyone["scale"].isin(make_ctx(res).primary) & (everyone["n"] > 0)].itertuples():
        assert F.num(r.mean) in body
    for s in cohort_report("C03").sections:
        for b in s.blocks:
            if b.kind == "table" and "average score" in b.caption:
                assert F.HIDDEN not in b.frame.to_numpy()
    assert "People in Cohort C03 who answered each survey: 12 at baseline; 11 after the workshop" in body


def test_c03_has_quotes_and_suggestions() -> None:
    sec = {s.title: s for s in cohort_report("C03").sections}
    assert any(b.kind == "quote" for b in sec["What participants said"].blocks)
    assert any(b.kind == "quote" for b in sec["What they suggested"].blocks)
    assert any(b.kind == "quote" for b in sec["Summary"].blocks)


def test_quotes_only_from_timepoints_with_enough_respondents() -> None:
    """C01 had 3 free-text respondents at T3 and T4: no quote may come from those surveys."""
    _ctx, data = _data()
    tr = data.text_respondents.loc["C01"]
    small = {t for t, n in tr.items() if n < 5}
    assert small  # the example has them
    for s in cohort_report("C01").sections:
        for b in s.blocks:
            if b.kind == "quote":
                assert b.source.split(",")[0] not in small


def test_hidden_cells_absent_from_tables_and_figures() -> None:
    """For every cohort report: a hidden count shows as "hidden" in its table, its mean/change
    is hidden too, and the figure's axis says "hidden" instead of n."""
    ctx, data = _data()
    for c in COHORTS:
        if data.size.loc[c] < 5:
            continue
        rep = cohort_report(c)
        html = cohort_html(c)
        for s, sup in data.scale_n.items():
            tab = next(b for sec in rep.sections for b in sec.blocks
                       if b.kind == "table" and b.caption == f"{ctx.label(s)}: average score at each survey")
            for row in tab.frame.itertuples(index=False):
                t = row[0].split(" ")[0]
                hidden = sup.is_hidden(c, t)
                assert (row[1] == F.HIDDEN) == hidden
                if hidden:
                    assert row[2] == F.HIDDEN
                else:
                    assert int(row[1]) == sup.counts.loc[c, t] >= 5
        figs = [b for sec in rep.sections for b in sec.blocks if b.kind == "figure"]
        with_points = {s: sup for s, sup in data.scale_n.items() if not sup.mask.loc[c].all()}
        assert len(figs) == len(with_points)
        for fig, (s, sup) in zip(figs, with_points.items(), strict=True):
            ticks = re.findall(r"\((n = \d+|hidden)\)", fig.svg)
            levels = [t for t in sup.counts.columns if sup.counts.loc["Total", t] > 0]
            expected = ["hidden" if sup.is_hidden(c, t) else f"n = {sup.counts.loc[c, t]}" for t in levels]
            assert ticks == expected, (c, s)
        del html


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


def test_complementary_suppression_holds_across_all_cohort_reports() -> None:
    """Proof on the real tables: for every count table the cohort reports draw on, no hidden
    cell is determined by the published cells and the all-cohorts totals (rank test and
    integer programming from test_report_suppression)."""
    _ctx, data = _data()
    tables = [data.participation, *data.scale_n.values(), *data.change_n.values()]
    if data.themes is not None:
        tables.append(data.themes)
    assert data.participation.is_hidden("C06", "T1")
    for sup in tables:
        assert determined_cells(sup, False, True) == []
        for cell, (lo, hi) in integer_ranges(sup, False, True).items():
            assert hi > lo, cell
    # and C06's baseline n is not "all cohorts − the other cohorts' reports"
    part = data.participation
    shown = [part.counts.loc[c, "T1"] for c in COHORTS if not part.is_hidden(c, "T1")]
    assert part.counts.loc["Total", "T1"] - sum(shown) != part.counts.loc["C06", "T1"]


def test_no_hidden_count_is_pinned_by_totals_and_bounds_across_tables() -> None:
    """Stronger proof: all count tables of all cohort reports at once, with their column totals
    and the bounds linking them (n with a score at T <= people responding at T; pairs <= n at
    both ends; people mentioning a code <= people who answered). Every hidden count still has
    at least two feasible integer values (scipy milp / HiGHS)."""
    res = example_results()
    _ctx, data = _data()
    tabs = {"part": data.participation}
    le: list[tuple[tuple, tuple]] = []
    pp = res["prepost_by_cohort"]
    for s, sup in data.scale_n.items():
        tabs[f"n:{s}"] = sup
        for c in data.cohorts:
            for t in sup.counts.columns:
                if t in data.participation.counts.columns:
                    le.append(((f"n:{s}", c, t), ("part", c, t)))
        if s in data.change_n:
            ch = data.change_n[s]
            tabs[f"pairs:{s}"] = ch
            ends = pp[pp["scale"] == s].drop_duplicates("contrast").set_index("contrast")
            for con in ch.counts.columns:
                for t in (str(ends.loc[con, "time_from"]), str(ends.loc[con, "time_to"])):
                    for c in data.cohorts:
                        le.append(((f"pairs:{s}", c, con), (f"n:{s}", c, t)))
    if data.themes is not None:
        tabs["themes"] = data.themes
        for code in data.themes.counts.columns:
            if code != RESPONDENTS:
                for c in data.cohorts:
                    le.append((("themes", c, code), ("themes", c, RESPONDENTS)))
    ranges = joint_integer_ranges(tabs, le)
    assert len(ranges) > 20
    pinned = {k: v for k, v in ranges.items() if v[1] - v[0] < 1 - 1e-9}
    assert pinned == {}


def test_reports_hide_the_same_cells_whoever_asks() -> None:
    """The suppression pattern is global: C03's table cells equal the pattern from C01's run."""
    a = cohort_data(make_ctx(example_results()), qual_tables(example_results()), 5)
    res = example_results()
    from evaltool.analysis import Results

    copy = Results(tables=dict(res.tables), figures={}, meta=dict(res.meta))
    b = cohort_data(make_ctx(copy), qual_tables(copy), 5)
    pd.testing.assert_frame_equal(a.participation.mask, b.participation.mask)
    for s in a.scale_n:
        pd.testing.assert_frame_equal(a.scale_n[s].mask, b.scale_n[s].mask)


def test_higher_threshold_hides_more() -> None:
    rep = cohort_report("C03", 10)
    body = _main(cohort_html("C03", 10))
    assert "fewer than 10 people" in body
    tab = next(b for s in rep.sections for b in s.blocks if b.kind == "table" and "average score" in b.caption)
    t4 = tab.frame[tab.frame["Survey"].str.startswith("T4")].iloc[0]
    assert t4.iloc[1] == F.HIDDEN  # C03 had 5 at T4


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


def test_cohort_figure_is_group_level_only() -> None:
    from evaltool.report._figures import cohort_means_figure

    fig = cohort_means_figure(["T1", "T2", "T3"], {"T1": (12, 3.0, 2.5, 3.5), "T2": (11, 3.4, 3.0, 3.8)},
                              {"T1": (60, 3.1, 3.0, 3.2), "T2": (55, 3.3, 3.2, 3.4), "T3": (40, 3.5, 3.4, 3.6)},
                              label="BRS", cohort_name="Cohort C03")
    ax = fig.axes[0]
    series = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    assert len(series) == 2  # this cohort and all participants: means only
    assert sorted(len(ln.get_xdata()) for ln in series) == [2, 3]
    assert all(len(ln.get_xdata()) <= 3 for ln in ax.get_lines())
    assert all(len(c.get_offsets()) <= 3 for c in ax.collections if hasattr(c, "get_offsets"))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["T1\n(n = 12)", "T2\n(n = 11)", "T3\n(hidden)"]
    assert np.isfinite(ax.get_ylim()).all()


def test_plain_language_summary_on_page_one() -> None:
    rep = cohort_report("C03")
    first = rep.sections[0]
    assert first.title == "Summary"
    text = " ".join(getattr(b, "text", "") for b in first.blocks)
    assert "What changed" in text and "went up" in text
    assert "What participants talked about most" in text
    assert "do not use this report to judge or compare individual staff" in text


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
    """Results without free text (or coding) still give both reports, with a short note."""
    from evaltool.analysis import Results
    from evaltool.report import build_study_report, write_reports

    res = example_results()
    bare = Results(tables={k: v for k, v in res.tables.items() if k != "free_text"}, figures={}, meta=dict(res.meta))
    study = {s.title: s for s in build_study_report(bare).sections}
    assert study["Qualitative findings"].blocks[0].kind == "callout"
    assert study["Joint displays"].blocks[0].kind == "callout"
    rep = build_cohort_report(bare, "C03")
    said = next(s for s in rep.sections if s.title == "What participants said")
    assert said.blocks[0].kind == "callout"
    no_groups = Results(tables={k: v.drop(columns="cohort", errors="ignore") for k, v in bare.tables.items()},
                        figures={}, meta=dict(bare.meta))
    paths = write_reports(no_groups, tmp_path)
    assert set(paths) == {"study", "docx"}
    with pytest.raises(EvaltoolError, match="no 'cohort' groups"):
        build_cohort_report(no_groups, "C03")
