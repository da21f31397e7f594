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
    assert (rel["confidence"] == 0.9).all()
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
    # the field error names the field and states the shared validator's rule (the loader adds
    # the 'analysis.' path when it reports the study file)
    with pytest.raises(ValueError, match=r"\bconfidence\n\s+must be a number between 0.5 and 1"):
        AnalysisOptions(confidence=1.5)
    with pytest.raises(ValueError, match=r"\bmin_cell_size\n\s+must be an integer of at least 3"):
        AnalysisOptions(min_cell_size=2)


def test_one_name_per_concept_across_the_api() -> None:
    """Every public function says ``confidence`` and ``min_cell_size``: none of the names the
    same two concepts had before (issue 12 item 7), and all validate through evaltool.options."""
    import inspect

    import evaltool
    from evaltool import integrate, privacy, scoring, stats
    from evaltool.errors import ParameterError

    old = {"ci_level", "conf_level", "level", "min_n", "min_group_size", "suppression_threshold"}
    assert "k" not in inspect.signature(privacy.suppress_counts).parameters  # 'k' is a number of items elsewhere
    # plots/ is being split on branch layout15; its 'min_n' is renamed after that merge
    pending = {"plot_trajectories", "plot_distribution"}
    for mod in (evaltool, stats, scoring, integrate, privacy):
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if callable(obj) and not inspect.isclass(obj) and name not in pending:
                assert not old & set(inspect.signature(obj).parameters), f"{mod.__name__}.{name}"
    import pandas as pd

    scores = pd.DataFrame({"participant_id": ["a", "a"], "timepoint": ["T1", "T2"], "scale": "s", "score": [1.0, 2.0]})
    for func, data in ((stats.describe, scores), (stats.prepost, scores), (privacy.suppress_counts, pd.DataFrame([[4]])),
                       (integrate.joint_display, None), (integrate.themes_by_timepoint, None),
                       (integrate.quotes_by_change, None), (privacy.cohort_summaries, None)):
        with pytest.raises(ParameterError, match=f"'min_cell_size' parameter of {func.__name__}.*at least 3"):
            func(data, *([None] if func in (integrate.joint_display, integrate.quotes_by_change,
                                            integrate.themes_by_timepoint) else []), min_cell_size=2,
                 **({"bounds": None} if func is privacy.cohort_summaries else {}))
    with pytest.raises(ParameterError, match="'confidence' parameter of reliability.*between 0.5 and 1"):
        scoring.reliability(None, confidence=0.3)


def test_study_file_reads_the_old_name_of_min_cell_size(tmp_path: Path) -> None:
    """``analysis.suppression_threshold`` (release 0.1) is read as ``min_cell_size``, with a
    warning saying what to write; giving both names is a problem of the file."""
    from evaltool.errors import EvaltoolWarning
    from evaltool.study.model import AnalysisOptions

    with pytest.warns(EvaltoolWarning, match=r"analysis.suppression_threshold is the old name of "
                                             r"analysis.min_cell_size.*Write 'min_cell_size: 7'"):
        assert AnalysisOptions.model_validate({"suppression_threshold": 7}).min_cell_size == 7
    with pytest.raises(ValueError, match="both 'suppression_threshold'.*keep only 'min_cell_size'"):
        AnalysisOptions.model_validate({"suppression_threshold": 7, "min_cell_size": 5})
    with pytest.warns(EvaltoolWarning), pytest.raises(ValueError, match="at least 3"):
        AnalysisOptions.model_validate({"suppression_threshold": 2})
