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
