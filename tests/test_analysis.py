"""`analyse()` / `evaltool analyse` on the example study: every table and figure, pinned columns,
manifest, refusal to overwrite, and the numbers equal the statistics functions called directly."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from evaltool.analysis import analyse, load_results
from evaltool.analysis.names import is_masked, is_shareable
from evaltool.cli import app
from evaltool.errors import OutputError
from evaltool.examples import example_study_path
from evaltool.stats import (
    ATTRITION_COLUMNS,
    CHANGE_COLUMNS,
    FLOW_COLUMNS,
    PREPOST_COLUMNS,
    RELIABLE_CHANGE_COLUMNS,
    RELIABLE_CHANGE_SUMMARY_COLUMNS,
    change_vs_baseline,
    prepost,
)

pytestmark = pytest.mark.xdist_group("example_analysis")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple:
    out = tmp_path_factory.mktemp("res") / "results"
    return analyse(example_study_path(), out=out), out


def test_every_table_is_written_with_pinned_columns(results):
    """Shareable tables in tables/ (CSV + Parquet), participant-level ones only in research/."""
    res, out = results
    expected = {
        "flow": FLOW_COLUMNS, "attrition": ATTRITION_COLUMNS, "prepost": PREPOST_COLUMNS,
        "change_vs_baseline": CHANGE_COLUMNS, "reliable_change": RELIABLE_CHANGE_COLUMNS,
        "reliable_change_summary": RELIABLE_CHANGE_SUMMARY_COLUMNS,
        "scores": ("participant_id", "timepoint", "cohort", "profession", "instrument", "scale", "score",
                   "n_answered", "n_items", "n_invalid", "prorated", "band"),
        "exclusions": ("source", "row", "participant_id", "timepoint", "reason"),
        "problems": ("source", "row", "column", "value", "rule", "message", "fix", "severity"),
    }
    for name, cols in expected.items():
        assert tuple(res[name].columns) == tuple(cols), name
        folder = out / ("tables" if is_shareable(name) and not is_masked(name) else "research/tables")
        on_disk = pd.read_csv(folder / f"{name}.csv", nrows=0)
        assert tuple(on_disk.columns) == tuple(cols), name
    for name in ("scores", "participants", "free_text", "codings", "reliable_change", "exclusions",
                 "problems", "descriptives_by_cohort", "prepost_by_cohort", "exemplar_quotes", "joint_display"):
        assert not (out / "tables" / f"{name}.csv").exists(), name
        assert (out / "research" / "tables" / f"{name}.parquet").is_file(), name
    for name in ("scales", "reliability", "item_statistics", "descriptives", "cohort_scales", "disclosure"):
        assert (out / "tables" / f"{name}.csv").is_file(), name
    assert "min" not in pd.read_csv(out / "tables" / "descriptives.csv", nrows=0).columns
    assert "min" in pd.read_csv(out / "research" / "tables" / "descriptives.csv", nrows=0).columns
    assert (out / "research" / "README.md").read_text().startswith("# Research-only files")


def test_summary_workbook_is_formatted_and_holds_no_participant_data(results):
    import openpyxl

    res, out = results
    wb = openpyxl.load_workbook(out / "results.xlsx")
    assert wb.sheetnames[0] == "index"
    names = set(wb.sheetnames[1:])
    assert names and not names & {"scores", "participants", "free_text", "codings", "exemplar_quotes",
                                  "reliable_change", "exclusions", "problems", "code_matrix", "valence"}
    ws = wb["prepost"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    assert ws.column_dimensions["A"].width >= 8
    formulas = [c.coordinate for s in wb.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    quotes = {"quotes", "cohort_quotes", "quotes_by_change", "theme_suggestions"}  # redacted quotes only
    texts = {str(c.value) for s in wb.worksheets if s.title not in quotes for row in s.iter_rows() for c in row
             if isinstance(c.value, str)}
    answers = {a for a in res["free_text"]["text"].dropna().astype(str) if len(a) > 12}
    assert not answers & texts


def test_large_tables_are_bounded_in_workbooks_and_whole_in_csv_and_parquet(results, tmp_path, monkeypatch):
    """A table over the workbook limit gets a sheet naming its CSV/Parquet copy (the limit is
    lowered so the example's participant tables cross it); small tables keep their rows."""
    import openpyxl

    from evaltool.analysis import workbook
    from evaltool.analysis import write as W
    from evaltool.study import load_study

    res, out = results
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["workbooks"]["max_sheet_cells"] == workbook.MAX_SHEET_CELLS
    assert manifest["workbooks"]["results.xlsx"]["tables_elsewhere"] == []  # the example fits whole
    monkeypatch.setattr(workbook, "MAX_SHEET_CELLS", 2_000)
    scores = res.tables["scores"]
    assert scores.size > 2_000
    W._tables(res, tmp_path)
    bounded = W._research(res, load_study(example_study_path()), tmp_path)
    assert "scores" in bounded and "exclusions" not in bounded
    wb = openpyxl.load_workbook(tmp_path / "research" / "research.xlsx")
    pointer = [c.value for row in wb["scores"].iter_rows() for c in row]
    assert len(pointer) == 3 and "research/tables/scores.csv" in pointer[1] and "scores.parquet" in pointer[1]
    index = {r[1]: r[3] for r in wb["index"].iter_rows(values_only=True) if r[1]}
    assert "too large" in index["scores"]
    assert wb["exclusions"].max_row == len(res.tables["exclusions"]) + 1
    csv = pd.read_csv(tmp_path / "research" / "tables" / "scores.csv")
    assert csv.shape == scores.shape
    # values exact; text comes back as pandas' str dtype (load_results restores object columns)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "research" / "tables" / "scores.parquet"),
                                  scores.reset_index(drop=True), check_dtype=False)
    assert "at most 2,000 cells" in (tmp_path / "research" / "README.md").read_text()


def test_shareable_outputs_hold_no_planted_pii_and_no_participant_ids(results):
    """Every file outside research/ is scanned (text of HTML, CSV, SVG, JSON, XLSX, DOCX)."""
    import zipfile

    from _report_fixtures import pii_fragments

    res, out = results
    ids = set(map(str, res["participants"]["participant_id"]))
    frags = pii_fragments()
    assert frags
    scanned = 0
    for p in out.rglob("*"):
        if not p.is_file() or "research" in p.relative_to(out).parts or p.suffix == ".parquet":
            continue
        if p.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(p) as z:
                text = " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml"))
        elif p.suffix == ".png":
            continue
        else:
            text = p.read_text(encoding="utf-8")
        scanned += 1
        assert [f for f in frags if f in text] == [], p
        found = [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)]
        assert found == [], (p, found[:3])
    assert scanned > 40


def test_figures_written_as_png_and_svg(results):
    """Group-level figures in figures/; figures showing individual scores only in research/."""
    res, out = results
    for name, folder in (("flow", "figures"), ("forest_d_av", "figures"), ("trajectories_brs", "figures"),
                         ("trajectories_brs_individual", "research/figures"),
                         ("distribution_coping_confidence", "research/figures"),
                         ("reliable_change_coping_confidence", "research/figures")):
        assert name in res.figures
        assert (out / folder / f"{name}.png").stat().st_size > 5000
        assert (out / folder / f"{name}.svg").read_text().lstrip().startswith("<svg")
        assert (out / folder / f"{name}.png").read_bytes() == res.figures[name].png
        assert res.figures[name].shareable == (folder == "figures")
    assert not list((out / "figures").glob("reliable_change_*")) and not list((out / "figures").glob("distribution_*"))


def test_manifest_records_inputs_options_versions_and_every_file(results):
    res, out = results
    m = json.loads((out / "manifest.json").read_text())
    assert m["synthetic_data"] is True and m["options"]["confidence"] == 0.95
    prov = m["provenance"]
    assert len(prov["inputs"]) == 4 and all(len(i["sha256"]) == 64 for i in prov["inputs"])
    assert prov["packages"]["evaltool"] and prov["packages"]["numpy"]
    files = m["files"]
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert set(files) == on_disk and all(len(h) == 64 for h in files.values())
    assert "research/study.yaml" in files and "report.html" in files
    assert (out / "research" / "study.yaml").read_text() == example_study_path().read_text()
    assert "redact_names" not in json.dumps(m) and len(m["redaction_sha256"]) == 64


def test_numbers_equal_direct_calls(results):
    """The pipeline adds nothing of its own: its tables equal the library functions' output."""
    res, _ = results
    scores = res["scores"]
    direct = prepost(scores, baseline="T1", family=["brs", "coping_confidence", "resilience_knowledge"])
    mine = res["prepost"].set_index(["scale", "contrast"])
    d = direct.set_index(["scale", "contrast"]).loc[mine.index]
    np.testing.assert_allclose(mine["d_av"], d["d_av"], rtol=0, atol=0)
    np.testing.assert_allclose(mine["p_t_adj"].astype(float), d["p_t_adj"].astype(float), rtol=0, atol=0)
    ch = change_vs_baseline(scores, baseline="T1").set_index(["scale", "timepoint"])
    pipe = res["change_vs_baseline"].set_index(["scale", "timepoint"])
    np.testing.assert_allclose(pipe["beta"], ch.loc[pipe.index, "beta"], rtol=0, atol=0)


def test_not_administered_contrasts_are_not_rows(results):
    res, _ = results
    pp = res["prepost"]
    assert set(pp.loc[pp["scale"] == "cbi_personal", "time_to"].astype(str)) == {"T4"}
    assert set(pp.loc[pp["scale"] == "resilience_knowledge", "time_to"].astype(str)) == {"T2", "T4"}


def test_example_reproduces_the_published_pattern(results):
    """Synthetic data built to resemble the published study: confidence β at T2 ≈ 2.4, d ≈ 1.6."""
    res, _ = results
    ch = res["change_vs_baseline"].set_index(["scale", "timepoint"])
    beta = ch.loc[("coping_confidence", "T2"), "beta"]
    assert 2.0 < beta < 2.9
    assert ch.loc[("coping_confidence", "T2"), "ci_low"] > 0


def test_load_results_roundtrip(results):
    """load_results gives back the same Results: every table equal (types and missing values),
    figures byte for byte, options, study summary, instruments and codebook."""
    res, out = results
    back = load_results(out)
    assert set(back.tables) == set(res.tables)
    for name in res.tables:
        pd.testing.assert_frame_equal(back[name], res[name], check_exact=True, obj=name)
    assert back.options == res.options and back.study == res.study and back.notes == res.notes
    assert {k: (f.svg, f.png, f.caption) for k, f in back.figures.items()} == \
        {k: (f.svg, f.png, f.caption) for k, f in res.figures.items()}
    assert back.instruments == res.instruments and back.codebook == res.codebook
    assert isinstance(back["scores"]["timepoint"].dtype, pd.CategoricalDtype)


def test_load_results_refuses_an_altered_or_incomplete_folder(results, tmp_path):
    import shutil

    from evaltool.errors import InputError

    _, out = results
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    csv = copy / "tables" / "prepost.csv"
    csv.write_text(csv.read_text().replace("0.", "9.", 1))
    with pytest.raises(InputError, match="tables/prepost.csv: has changed since evaltool wrote it"):
        load_results(copy)
    shutil.rmtree(copy)
    shutil.copytree(out, copy)
    (copy / "figures" / "flow.svg").unlink()
    with pytest.raises(InputError, match="figures/flow.svg: is missing from the results folder"):
        load_results(copy)
    shutil.rmtree(copy)
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "research")  # a shared copy: research-only tables are simply absent
    shared = load_results(copy)
    assert "scores" not in shared and "prepost" in shared
    with pytest.raises(InputError, match="was not found"):
        load_results(tmp_path / "nowhere")


def test_report_rebuilt_from_the_folder_equals_the_one_analyse_wrote(results, tmp_path):
    res, out = results
    again = tmp_path / "again.html"
    r = CliRunner().invoke(app, ["report", "study", str(out), "--out", str(again)])
    assert r.exit_code == 0, r.output
    assert again.read_text(encoding="utf-8") == (out / "report.html").read_text(encoding="utf-8")
    c03 = tmp_path / "c03.html"
    r = CliRunner().invoke(app, ["report", "cohort", str(out), "--cohort", "c03", "--out", str(c03)])
    assert r.exit_code == 0, r.output
    assert c03.read_text(encoding="utf-8") == (out / "cohort_reports" / "C03.html").read_text(encoding="utf-8")
    r = CliRunner().invoke(app, ["report", "study", str(out)])
    assert r.exit_code == 1 and "--overwrite" in r.output


def test_refuses_non_empty_output_folder(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(OutputError, match="not empty"):
        analyse(example_study_path(), out=tmp_path)
    res = CliRunner().invoke(app, ["analyse", str(example_study_path()), "--out", str(tmp_path)])
    assert res.exit_code == 1 and "--overwrite" in res.output and "Traceback" not in res.output
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_data_errors_stop_with_problems_table(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "t1.csv").write_text("pid,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6\nP1,1,2,3,4,5,7\n")
    (folder / "study.yaml").write_text(
        "name: x\nexports: [{file: t1.csv, timepoint: T1}]\ntimepoints: [{id: T1}]\n"
        "participant_id: {column: pid}\ninstruments: [{id: brs}]\n")
    res = CliRunner().invoke(app, ["analyse", str(folder / "study.yaml"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert "out_of_range" in res.output and "Traceback" not in res.output
    assert "7" not in res.output.split("out_of_range")[1].split("\n")[0].replace("t1.csv", "")


def test_output_folder_has_no_files_next_to_inputs(results):
    _, out = results
    inputs = example_study_path().parent
    assert not any(p.name in ("manifest.json", "results.xlsx") for p in inputs.rglob("*"))
    assert Path(out).is_dir()
