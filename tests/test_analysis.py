"""`analyse()` / `evaltool analyse` on the example study: every table and figure, pinned columns,
manifest, refusal to overwrite, and the numbers equal the statistics functions called directly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from evaltool.analysis import analyse, load_results
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
        on_disk = pd.read_csv(out / "tables" / f"{name}.csv", nrows=0)
        assert tuple(on_disk.columns) == tuple(cols), name
    for name in ("inputs", "match_report", "item_map", "participants", "scales", "reliability",
                 "item_statistics", "descriptives", "band_counts", "descriptives_by_cohort",
                 "prepost_by_cohort", "prepost_by_profession", "administration"):
        assert (out / "tables" / f"{name}.csv").is_file(), name
    import openpyxl

    sheets = openpyxl.load_workbook(out / "results.xlsx", read_only=True).sheetnames
    assert set(res.tables) <= {s for s in sheets} | {n for n in res.tables if len(n) > 31}


def test_figures_written_as_png_and_svg(results):
    res, out = results
    for name in ("flow", "forest_d_av", "trajectories_brs", "distribution_coping_confidence",
                 "reliable_change_coping_confidence"):
        assert name in res.figures
        assert (out / "figures" / f"{name}.png").stat().st_size > 5000
        assert (out / "figures" / f"{name}.svg").read_text().lstrip().startswith("<?xml")


def test_manifest_records_inputs_versions_and_synthetic(results):
    res, out = results
    m = json.loads((out / "manifest.json").read_text())
    assert m["synthetic_data"] is True
    assert len(m["inputs"]) == 4 and all(len(i["sha256"]) == 64 for i in m["inputs"])
    assert m["packages"]["evaltool"] and m["packages"]["numpy"]
    assert (out / "study.yaml").read_text() == example_study_path().read_text()


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
    res, out = results
    back = load_results(out)
    assert set(back.tables) == set(res.tables)
    assert back.synthetic
    a, b = back["flow"], res["flow"]
    assert isinstance(a["timepoint"].dtype, pd.CategoricalDtype)  # study order restored
    pd.testing.assert_frame_equal(a.astype({"timepoint": str}), b.astype({"timepoint": str}),
                                  check_dtype=False)


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
