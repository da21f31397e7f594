"""Study options reach every output (issue 12): the confidence level and the headline effect size.

A study with ``confidence: 0.90`` must show 90% intervals everywhere — tables, report headers,
notes, figure axes, cohort reports — and never "95%"; ``effect_size: d_z`` must make d_z the
headline everywhere d_av was.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from _report_fixtures import example_results_with

from evaltool.options import check_confidence, check_min_cell_size, percent

pytestmark = pytest.mark.xdist_group("report")


def _texts(folder: Path) -> dict[str, str]:
    out = {}
    for p in folder.rglob("*"):
        if not p.is_file() or p.suffix in (".png", ".parquet", ".qdpx"):
            continue
        if p.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(p) as z:
                out[str(p.relative_to(folder))] = " ".join(
                    z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml"))
        else:
            out[str(p.relative_to(folder))] = p.read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def at_90(tmp_path_factory):
    from evaltool.analysis.write import write_results
    from evaltool.examples import example_study_path
    from evaltool.study import load_study

    res = example_results_with(confidence=0.9)
    out = tmp_path_factory.mktemp("c90") / "results"
    write_results(res, load_study(example_study_path()), out)
    return res, out


def test_confidence_090_reaches_every_output(at_90) -> None:
    res, out = at_90
    assert res.options.confidence == 0.9 and res.options.level == "90%"
    texts = _texts(out)
    assert len(texts) > 50
    bad = {name: m.group(0) for name, t in texts.items() if (m := re.search(r"95\s?%\s*(?:CI|C\.I\.|confidence)", t))}
    assert bad == {}
    report = re.sub(r'<span class="nowrap">(.*?)</span>', r"\1", texts["report.html"])  # no-break spans
    assert "β [90% CI]" in report and "d [90% CI]" in report and "α [90% CI]" in report
    assert "90% CI" in texts["cohort_reports/C03.html"]
    assert "90%" in texts["figures/forest_d_av.svg"]


def test_confidence_090_intervals_are_90_percent_intervals(at_90) -> None:
    """The 90% interval of β is β ± t(0.95, df)·SE (R: confint(contest1D(..., level = 0.90)))."""
    from scipy import stats

    res, _ = at_90
    m = res["change_vs_baseline"]
    q = stats.t.ppf(0.95, m["df"].to_numpy(float))
    half = q * m["se"].to_numpy(float)
    assert (abs(m["ci_high"] - m["beta"] - half) < 1e-9).all()
    rel = res["reliability"]
    assert (rel["ci_level"] == 0.9).all()
    cs = res["cohort_scales"].dropna(subset=["ci_low"])
    n, sd = cs["n"].astype(float), None
    del n, sd
    assert len(cs)


def test_d_z_headline_everywhere() -> None:
    res = example_results_with(effect_size="d_z")
    assert "forest_d_z" in res.figures and "forest_d_av" not in res.figures
    apa = res.table("effect_sizes", style="apa")
    assert list(apa.columns)[3].startswith("d_z")
    assert any("d_z" in line for line in res.headline())
    from evaltool.report import build_study_report

    html = re.sub(r'<span class="nowrap">(.*?)</span>', r"\1", build_study_report(res).to_html())
    assert "Headline effect size: d<sub>z</sub>" in html
    assert "The headline effect size is d<sub>z</sub>" in html


def test_one_validator_per_option() -> None:
    from evaltool.errors import ParameterError
    from evaltool.study.model import AnalysisOptions

    assert check_confidence(0.9, "f") == 0.9 and percent(0.9) == "90%"
    for bad in (0.5, 1, 1.2, True, "0.9"):
        with pytest.raises(ParameterError, match="'confidence' parameter of f"):
            check_confidence(bad, "f")
    with pytest.raises(ParameterError, match="at least 3"):
        check_min_cell_size(2, "f")
    with pytest.raises(ValueError, match="analysis.confidence must be a number between 0.5 and 1"):
        AnalysisOptions(confidence=1.5)
    with pytest.raises(ValueError, match="analysis.min_cell_size must be an integer of at least 3"):
        AnalysisOptions(min_cell_size=2)
