"""The theme heatmap (issue 15): codes × cohorts and professions, the share of respondents
mentioning each code, every hidden cell safe against the published totals, kinds grouped.

Counts are recomputed here from the research tables, independently of the step, and the
published pattern is attacked with linear algebra and integer programming
(tests/_suppression_check.py).
"""

from __future__ import annotations

import pandas as pd
import pytest
from _report_fixtures import example_results
from _suppression_check import determined_cells, integer_ranges

from evaltool.analysis.steps.heatmap import HEATMAP_COLUMNS, code_kinds
from evaltool.report.suppression import Suppression

pytestmark = pytest.mark.xdist_group("report")


def _true(res, group: str) -> pd.DataFrame:
    """group × (respondents, codes): people with a non-empty answer, and people per code."""
    from evaltool.qual.coder import empty_mask

    ft = res["free_text"]
    ft = ft[~empty_mask(ft, res.codebook)]
    who = res["participants"][["participant_id", group]].dropna()
    who = who[who[group].astype(str).str.strip() != ""]
    a = ft[["response_id", "participant_id"]].merge(who, on="participant_id")
    resp = a.groupby(group)["participant_id"].nunique().rename("__respondents__")
    c = res["codings"][["response_id", "code"]].merge(a, on="response_id")
    people = c.groupby([group, "code"])["participant_id"].nunique().unstack(fill_value=0)
    codes = list(res["code_counts"]["code"])
    return pd.concat([resp, people.reindex(columns=codes).fillna(0).astype(int)], axis=1).fillna(0).astype(int)


def test_table_columns_and_kinds() -> None:
    t = example_results()["theme_heatmap"]
    assert list(t.columns) == list(HEATMAP_COLUMNS)
    assert set(t["group_by"]) == {"all", "cohort", "profession"}
    kinds = t.drop_duplicates("code").set_index("code")["kind"]
    assert kinds["system_context"] == "system" and kinds["personal_growth"] == "personal"
    assert kinds["delivery_format"] == "programme"
    assert code_kinds(None, ["x"]) == {"x": ""}


@pytest.mark.parametrize("group", ["cohort", "profession"])
def test_shown_cells_are_the_true_counts_and_hidden_ones_cannot_be_recovered(group: str) -> None:
    res = example_results()
    true = _true(res, group)
    t = res["theme_heatmap"]
    t = t[t["group_by"] == group]
    shown = t.pivot(index="group", columns="code", values="shown").astype(bool)
    resp_shown = t.drop_duplicates("group").set_index("group")["n_respondents"].notna()
    mask = pd.concat([~resp_shown.rename("__respondents__"), ~shown], axis=1).reindex(
        index=true.index, columns=true.columns)
    for r in t[t["shown"]].itertuples():
        assert r.n_people == true.loc[r.group, r.code]
        assert r.percent == pytest.approx(100 * r.n_people / true.loc[r.group, "__respondents__"])
    published = true.to_numpy()[~mask.to_numpy()]
    assert ((published == 0) | (published >= 5)).all()
    counts = pd.concat([true, true.sum().to_frame("Total").T])
    full_mask = pd.concat([mask, pd.DataFrame(False, index=["Total"], columns=true.columns)]).astype(bool)
    sup = Suppression(counts=counts, mask=full_mask, primary=full_mask, min_cell_size=5)
    assert determined_cells(sup, False, True) == []
    for cell, (lo, hi) in integer_ranges(sup, False, True).items():
        assert hi > lo, cell


def test_cohort_cells_are_the_cohort_reports_decision() -> None:
    res = example_results()
    t = res["theme_heatmap"]
    t = t[t["group_by"] == "cohort"].set_index(["group", "code"])
    ct = res["cohort_themes"]
    ct = ct[ct["scope"] == "cohort"].set_index(["cohort", "code"])
    assert (t["shown"] == ct["shown"].reindex(t.index)).all()
    assert t["n_people"].equals(ct["n_people"].reindex(t.index))


def test_figure_is_rendered_with_hatched_hidden_cells() -> None:
    fig = example_results().figures["theme_heatmap"]
    assert fig.png[:8] == b"\x89PNG\r\n\x1a\n" and "hidden: fewer than 5 people" in fig.svg
    assert "Personal" in fig.svg and "System and organisation" in fig.svg and "Profession" in fig.svg
