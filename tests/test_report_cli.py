"""``evaltool report cohort | study`` (tested in-process on the Typer sub-app)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _report_fixtures import example_results
from typer.testing import CliRunner

from evaltool.cli.report import app

runner = CliRunner()

pytestmark = pytest.mark.xdist_group("report")  # share one analysed example per worker


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from evaltool.analysis.write import write_results
    from evaltool.examples import example_study_path
    from evaltool.study import load_study

    out = tmp_path_factory.mktemp("results") / "results"
    write_results(example_results(), load_study(example_study_path()), out)
    return out


def test_help_has_examples() -> None:
    for args in ([], ["cohort", "--help"], ["study", "--help"]):
        r = runner.invoke(app, [*args, "--help"] if args == [] else args)
        assert r.exit_code == 0
        assert "Examples" in r.output and "evaltool report" in r.output


def test_cohort_html_and_pdf_replace_with_overwrite_and_stay_verified(results_dir: Path) -> None:
    from evaltool.analysis import load_results

    r = runner.invoke(app, ["cohort", str(results_dir), "--cohort", "C03", "--pdf"])
    assert r.exit_code == 1 and "already exists" in r.output and "--overwrite" in r.output
    r = runner.invoke(app, ["cohort", str(results_dir), "--cohort", "c03", "--pdf", "--overwrite"])
    assert r.exit_code == 0, r.output
    html = results_dir / "cohort_reports" / "C03.html"
    pdf = results_dir / "cohort_reports" / "C03.pdf"
    assert html.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    assert str(html) in r.output and "SYNTHETIC" in r.output
    text = html.read_text(encoding="utf-8")
    assert "Cohort C03: feedback report" in text and "What they suggested" in text
    load_results(results_dir)  # the manifest records the new files: the folder still verifies


def test_cohort_out_elsewhere(results_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "c03.html"
    r = runner.invoke(app, ["cohort", str(results_dir), "-c", "C03", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "Cohort C03" in out.read_text(encoding="utf-8")
    r = runner.invoke(app, ["cohort", str(results_dir), "-c", "C03", "--threshold", "10"])
    assert r.exit_code == 2  # the smallest group is the analysis's decision, not the report's


def test_unknown_cohort_is_one_line_error(results_dir: Path) -> None:
    r = runner.invoke(app, ["cohort", str(results_dir), "--cohort", "C99"])
    assert r.exit_code == 1
    assert "no cohort 'C99'" in r.output and "C01, C02" in r.output and "Traceback" not in r.output


def test_not_a_results_folder(tmp_path: Path) -> None:
    r = runner.invoke(app, ["study", str(tmp_path)])
    assert r.exit_code == 1 and "manifest.json" in r.output
    r = runner.invoke(app, ["study", str(tmp_path / "nowhere")])
    assert r.exit_code == 1 and "was not found" in r.output


def test_study_html_docx(results_dir: Path) -> None:
    r = runner.invoke(app, ["study", str(results_dir), "--docx", "--overwrite"])
    assert r.exit_code == 0, r.output
    assert (results_dir / "report.html").is_file() and (results_dir / "report.docx").is_file()
    text = (results_dir / "report.html").read_text(encoding="utf-8")
    assert "Figure 1. Participant flow" in text and "<svg" in text


def test_pooled_cohort_report(results_dir: Path) -> None:
    from evaltool.analysis import load_results

    r = runner.invoke(app, ["cohort", str(results_dir), "--cohort", "c06", "--with", "C04"])
    assert r.exit_code == 0, r.output
    html = results_dir / "cohort_reports" / "pooled_C04_C06.html"
    assert str(html) in r.output and "Pooled cohort report" in r.output
    assert "Cohorts C04 and C06 (pooled): feedback report" in html.read_text(encoding="utf-8")
    load_results(results_dir)  # recorded in the manifest


def test_pooled_report_without_research_folder_says_so(results_dir: Path, tmp_path: Path) -> None:
    import shutil

    shared = tmp_path / "shared"
    shutil.copytree(results_dir, shared, ignore=shutil.ignore_patterns("research"))
    r = runner.invoke(app, ["cohort", str(shared), "--cohort", "C06", "--with", "C04", "--out",
                            str(tmp_path / "p.html")])
    assert r.exit_code == 1
    assert "research/" in r.output and "participant-level" in r.output


def test_index_links_every_report_table_and_figure_and_says_what_may_be_shared(results_dir: Path) -> None:
    """results/index.html (written with the reports): the headline, errors and warnings apart, a
    link that resolves for every report, table and figure, and what may not be shared."""
    import html as _html
    import re

    res = example_results()
    page = (results_dir / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"#]+)"', page))
    for href in links:
        assert (results_dir / _html.unescape(href)).exists(), href
    assert {"report.html", "report.docx", "reproduce.ipynb"} <= links
    assert {f"cohort_reports/{c}.html" for c in res["cohorts"]["file"]} <= links
    for name in res.tables:
        assert f"tables/{name}.csv" in links or f"research/tables/{name}.csv" in links, name
    # each figure where analyse writes it: figures/, or research/figures/ when it shows individual scores
    assert {f"{'figures' if f.shareable else 'research/figures'}/{n}.png" for n, f in res.figures.items()} <= links
    assert any(not f.shareable for f in res.figures.values())  # the example has both kinds
    text = re.sub(r"<sub>", "_", page)
    text = re.sub(r"</?(sub|span|code)[^>]*>", "", text)  # inline tags: no space in the text
    text = re.sub(r"\s+", " ", _html.unescape(re.sub(r"<[^>]+>", " ", text)))
    assert "0 errors and 4 warnings" in text
    assert "Must not be shared: research/" in text
    for line in res.headline()[1:3]:
        assert line in text


def test_analyse_console_summary_counts_errors_and_warnings_apart(results_dir: Path, capsys) -> None:
    from evaltool.cli.analyse import summarise

    summarise(example_results(), results_dir)
    out = capsys.readouterr().out
    assert "Checks of the data: 0 errors, 4 warnings" in out
    assert "Headline findings:" in out and "Resilience (BRS): +0.20" in out
    assert f"{results_dir / 'index.html'}" in out and "research/tables/exclusions.csv" in out


def test_results_repr_has_the_headline_with_errors_and_warnings_apart() -> None:
    text = repr(example_results())
    assert "Checks of the data: 0 errors, 4 warnings" in text and "Resilience (BRS): +0.20" in text
