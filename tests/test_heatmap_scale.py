"""The theme heatmap at scale (issue 16): a block of hundreds of cohorts is one image without
numbers and with the names that fit; a hidden cell is never drawn with its value, whatever the
table holds; the figure stays light and its text clean. At the example size it is unchanged:
squares with numbers, every column named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _figure_layout import layout_problems
from _report_fixtures import example_results

from evaltool.analysis.steps.figures import render
from evaltool.analysis.steps.heatmap import draw_theme_heatmap
from evaltool.plots.heatmap import DENSE_ABOVE, HIDDEN_EDGE, HIDDEN_FACE

pytestmark = pytest.mark.xdist_group("report")

CODES = [(c, f"Code {c}", kind) for c, kind in zip("abcdefghi", ["personal"] * 4 + ["programme"] * 3 + ["system"] * 2,
                                                  strict=True)]
ROW = {"a": 0, "b": 1, "c": 2, "d": 3, "e": 5, "f": 6, "g": 7, "h": 9, "i": 10}  # a gap row between kinds
LEAK = 77.0  # the value every hidden cell carries in the test table: it must never be drawn


def _table(n_cohorts: int, seed: int = 0) -> pd.DataFrame:
    """everyone, ``n_cohorts`` cohorts (about a third of their cells hidden, yet carrying a
    percent of :data:`LEAK`) and four professions."""
    rng = np.random.default_rng(seed)
    rows = []
    groups = [("all", "All participants")] + [("cohort", f"C{i:04d}") for i in range(n_cohorts)] + \
        [("profession", p) for p in ("Doctor", "Midwife", "Nurse", "Paramedic")]
    for b, g in groups:
        for code, label, kind in CODES:
            hidden = b == "cohort" and rng.random() < 0.35
            pct = LEAK if hidden else float(rng.integers(5, 60))
            rows.append({"group_by": b, "group": g, "code": code, "label": label, "kind": kind,
                         "n_people": None, "n_respondents": 40, "percent": pct, "shown": not hidden})
    return pd.DataFrame(rows)


def _cell_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts if t.get_text().isdigit()]


def test_many_cohorts_are_one_image_with_names_that_fit_and_no_hidden_value() -> None:
    import matplotlib as mpl
    from matplotlib.colors import Normalize, to_rgba

    t = _table(400)
    fig = draw_theme_heatmap(t)
    ax = fig.axes[0]
    assert len(ax.images) == 1  # the cohort block; everyone and professions stay squares
    small = t[t["group_by"] != "cohort"]
    assert sorted(_cell_texts(fig)) == sorted(f"{v:.0f}" for v in small["percent"])  # numbers only there
    assert str(int(LEAK)) not in [x.get_text() for x in fig.findobj(mpl.text.Text)]
    names = [x.get_text() for x in ax.get_xticklabels()]
    cohort_names = [x for x in names if x.startswith("C0")]
    assert 10 <= len(cohort_names) < 400 and cohort_names[0] == "C0000" and "C0010" in cohort_names
    assert any("400 groups" in x.get_text() and "every 10th named" in x.get_text() for x in ax.texts)
    # the image: hidden cells only grey and stripes, shown cells their share's colour, and the
    # hidden cells' value nowhere
    img = np.asarray(ax.images[0].get_array())
    viridis, norm = mpl.colormaps["viridis"], Normalize(0, 100)
    assert img.dtype == np.uint8
    colours = {tuple(c) for c in img.reshape(-1, 4)}
    assert tuple(viridis(norm(LEAK), bytes=True)) not in colours
    cohorts = t[t["group_by"] == "cohort"]
    grid = cohorts.pivot(index="code", columns="group", values="shown").loc[list(ROW)]
    pw = img.shape[1] // grid.shape[1]
    assert img.shape[0] == 16 * (max(ROW.values()) + 1)
    for code, i in ROW.items():
        for j, shown in enumerate(grid.loc[code]):
            cell = img[i * 16:(i + 1) * 16 - 1, j * pw:(j + 1) * pw].reshape(-1, 4)
            got = {tuple(c) for c in cell}
            if shown:
                v = cohorts[(cohorts["code"] == code) & (cohorts["group"] == grid.columns[j])]["percent"].iloc[0]
                assert got == {tuple(viridis(norm(v), bytes=True))}
            else:
                assert got <= {tuple(np.round(255 * np.array(to_rgba(c))).astype(np.uint8)) for c in (HIDDEN_FACE,
                                                                                                       HIDDEN_EDGE)}
    problems = layout_problems(fig)
    assert not problems, "\n".join(problems)


def test_many_cohorts_render_light() -> None:
    t = _table(400)
    fig = render(draw_theme_heatmap(t), "theme_heatmap", "x")
    assert fig.svg.count("<image") == 2 and len(fig.svg) < 300_000  # the colour bar and the cohorts
    assert fig.svg.count("<path") < 500  # squares and numbers only for the few groups


@pytest.mark.parametrize("n", [DENSE_ABOVE, DENSE_ABOVE + 1])
def test_the_rule_is_by_block_size(n: int) -> None:
    fig = draw_theme_heatmap(_table(n, seed=n))
    assert len(fig.axes[0].images) == (n > DENSE_ABOVE)
    names = [x.get_text() for x in fig.axes[0].get_xticklabels()]
    assert sum(x.startswith("C0") for x in names) == n  # at 31 columns every name still fits


def test_example_size_is_squares_with_every_number() -> None:
    t = example_results()["theme_heatmap"]
    fig = draw_theme_heatmap(t)
    assert not fig.axes[0].images
    shown = t[t["shown"] & t["percent"].notna()]
    assert sorted(_cell_texts(fig)) == sorted(f"{v:.0f}" for v in shown["percent"])
    n_cols = len(t.drop_duplicates(["group_by", "group"]))
    assert len(fig.axes[0].get_xticklabels()) == n_cols
