"""evaltool.analysis.reproduce: the comparison rules of reproduce.ipynb and the notebook it writes.

The rules are those of issue 7: numbers to a relative tolerance (1e-9), text equal with "" and
missing text the same, timepoint columns compared as text, rows in the same order. Expected
values are worked by hand in each test.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from evaltool.analysis.reproduce import (
    COMPARE_COLUMNS,
    PROVENANCE_COLUMNS,
    SUMMARY_COLUMNS,
    assert_reproduced,
    compare_results,
    comparison_summary,
    provenance,
    reproduce_notebook,
    write_reproduce_notebook,
)
from evaltool.errors import InputError, ParameterError


def _pair(**changes):
    tps = ["T1", "T2"]
    fresh = pd.DataFrame({
        "scale": ["brs", "brs", "cc"],
        "timepoint": pd.Categorical(["T1", "T2", "T2"], categories=tps, ordered=True),
        "n": np.array([65, 62, 62], dtype="int32"),
        "beta": [0.1160750, 2.4201687, -8.7394e-12],
        "p": [4.0955e-02, 1.854334e-47, np.nan],
        "singular": pd.array([False, True, False], dtype="boolean"),
        "note": [None, "", "singular fit"],
    })
    saved = fresh.copy()
    saved["timepoint"] = saved["timepoint"].astype(str)  # as read back from a CSV without categories
    saved["n"] = saved["n"].astype("int64")
    saved["singular"] = saved["singular"].astype(bool)
    saved["note"] = ["", "", "singular fit"]
    for col, value in changes.items():
        saved[col] = value
    return {"t": fresh}, {"t": saved}


def test_columns_pinned():
    assert COMPARE_COLUMNS == ("table", "column", "kind", "rows", "n_different", "max_rel_diff", "equal",
                               "detail")
    assert SUMMARY_COLUMNS == ("table", "rows", "columns", "columns_different", "equal", "status")
    assert PROVENANCE_COLUMNS == ("item", "at_analysis", "now", "same")


def test_equal_tables_with_csv_dtypes_are_equal():
    fresh, saved = _pair()
    check = compare_results(fresh, saved)
    assert tuple(check.columns) == COMPARE_COLUMNS
    assert check["equal"].all()
    assert dict(zip(check["column"], check["kind"], strict=True)) == {
        "scale": "text", "timepoint": "text", "n": "number", "beta": "number", "p": "number",
        "singular": "number", "note": "text"}
    assert check.loc[check["column"] == "beta", "max_rel_diff"].item() == 0.0
    assert_reproduced(check)


def test_relative_tolerance():
    """2.4201687 * (1 + 5e-10) is within 1e-9; * (1 + 2e-9) is not; a tiny p of 1.85e-47
    changed to 1.86e-47 is caught (no absolute tolerance hides it)."""
    for factor, ok in ((1 + 5e-10, True), (1 + 2e-9, False)):
        fresh, saved = _pair(beta=[0.1160750, 2.4201687 * factor, -8.7394e-12])
        row = compare_results(fresh, saved).set_index("column").loc["beta"]
        assert bool(row["equal"]) is ok
        assert row["max_rel_diff"] == pytest.approx(factor - 1, rel=1e-3)
    fresh, saved = _pair(p=[4.0955e-02, 1.86e-47, np.nan])
    check = compare_results(fresh, saved)
    assert not check.set_index("column").loc["p", "equal"]


def test_missing_values_must_match():
    fresh, saved = _pair(p=[4.0955e-02, 1.854334e-47, 0.5])
    row = compare_results(fresh, saved).set_index("column").loc["p"]
    assert not row["equal"] and row["n_different"] == 1
    assert row["detail"] == "1 of 3 row(s) differ; first at data row 3 (file line 4; values not shown)"


def test_text_difference_and_message_names_table_and_column_without_values():
    fresh, saved = _pair(scale=["brs", "brs", "SECRET-ANSWER"])
    check = compare_results(fresh, saved)
    with pytest.raises(AssertionError, match=r"table 't', column 'scale': 1 of 3 row\(s\) differ") as exc:
        assert_reproduced(check)
    assert "SECRET" not in str(exc.value) and "cc" not in str(exc.value)


def test_timepoints_compared_as_text():
    fresh = {"t": pd.DataFrame({"timepoint": pd.Categorical(["1", "2"], categories=["1", "2"])})}
    saved = {"t": pd.DataFrame({"timepoint": [1, 2]})}
    row = compare_results(fresh, saved).iloc[0]
    assert row["kind"] == "text" and row["equal"]


def test_row_order_matters():
    fresh, saved = _pair()
    saved = {"t": saved["t"].iloc[::-1].reset_index(drop=True)}
    assert not compare_results(fresh, saved)["equal"].all()


def test_structure_differences():
    fresh, saved = _pair()
    fewer = {"t": saved["t"].iloc[:2]}
    check = compare_results(fresh, fewer)
    assert check["column"].tolist() == ["(structure)"]
    assert check["detail"].item() == "3 row(s) in the re-run, 2 on disk"
    extra = {"t": saved["t"].assign(extra=1.0).drop(columns="note")}
    check = compare_results(fresh, extra)
    detail = check.loc[check["kind"] == "structure", "detail"].item()
    assert detail == "column(s) only in the re-run: note; column(s) only on disk: extra"
    assert check.loc[check["kind"] != "structure", "equal"].all()
    summary = comparison_summary(check)
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert not summary["equal"].item() and summary["status"].item().startswith("different: column(s)")


def test_only_common_tables_are_compared():
    fresh, saved = _pair()
    check = compare_results({**fresh, "only_here": pd.DataFrame({"x": [1]})}, saved)
    assert set(check["table"]) == {"t"}


def test_inputs_not_modified():
    fresh, saved = _pair(beta=[0.1, 0.2, 0.3])
    before = (fresh["t"].copy(deep=True), saved["t"].copy(deep=True))
    compare_results(fresh, saved)
    pd.testing.assert_frame_equal(fresh["t"], before[0])
    pd.testing.assert_frame_equal(saved["t"], before[1])


def test_parameter_errors():
    fresh, saved = _pair()
    with pytest.raises(ParameterError, match="The 'rtol' parameter of compare_results"):
        compare_results(fresh, saved, rtol=-1)
    with pytest.raises(ParameterError, match="must be Results or a mapping"):
        compare_results([1], saved)


def test_reproduce_notebook_holds_no_paths_and_no_outputs(tmp_path):
    path = write_reproduce_notebook(tmp_path, study_name="Pilot", synthetic=True)
    assert path == tmp_path / "reproduce.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3"
    text = path.read_text(encoding="utf-8")
    assert str(tmp_path) not in text and "/work" not in text and "STUDY_FILE = Path(" not in text
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "find_results_folder()" in code and "locate_inputs(RESULTS_FOLDER)" in code
    assert "read_saved_tables(RESULTS_FOLDER)" in code and "verify_folder(RESULTS_FOLDER)" in code
    assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    assert "SYNTHETIC" in nb.cells[0].source
    assert "SYNTHETIC" not in reproduce_notebook(study_name="x").cells[0].source


def _manifest(folder: Path, study: Path, data: Path, sha: str) -> None:
    import hashlib

    prov = {
        "study_file": {"path": str(study), "sha256": hashlib.sha256(study.read_bytes()).hexdigest(),
                       "relative_to_results": "../study.yaml"},
        "inputs": [{"source": "t1.csv", "path": str(data), "sha256": sha, "relative_to_results": "../t1.csv"}],
        "python": "2.7.0", "packages": {"numpy": np.__version__},
    }
    folder.mkdir(exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"tool": "evaltool", "format": 2, "provenance": prov}))


def test_inputs_found_by_hash_and_reported_when_missing_or_changed(tmp_path):
    import hashlib
    import shutil

    from evaltool.analysis.reproduce import locate_inputs

    project = tmp_path / "project"
    project.mkdir()
    study, data = project / "study.yaml", project / "t1.csv"
    study.write_text("name: x\n")
    data.write_text("a\n1\n")
    _manifest(project / "results", study, data, hashlib.sha256(b"a\n1\n").hexdigest())
    found = locate_inputs(project / "results").set_index("input")
    assert (found["status"] == "found").all()
    moved = tmp_path / "moved"  # the project folder moved as a whole: found relative to the results
    shutil.move(project, moved)
    found = locate_inputs(moved / "results").set_index("input")
    assert (found["status"] == "found").all() and found.loc["export t1.csv", "found_path"] == str(moved / "t1.csv")
    (moved / "t1.csv").write_text("a\n2\n")
    (moved / "study.yaml").unlink()
    found = locate_inputs(moved / "results").set_index("input")
    assert found.loc["export t1.csv", "status"] == "changed" and found.loc["study file", "status"] == "missing"


def test_provenance(tmp_path):
    study, data = tmp_path / "study.yaml", tmp_path / "t1.csv"
    study.write_text("name: x\n")
    data.write_text("a\n1\n")
    _manifest(tmp_path / "res", study, data, "0" * 64)
    prov = provenance(tmp_path / "res").set_index("item")
    assert prov.loc["numpy", "same"] and not prov.loc["python", "same"]
    with pytest.raises(InputError, match="no manifest.json"):
        provenance(tmp_path / "nowhere")


@pytest.mark.parametrize(("name", "synthetic"), [("Pilot", True), ("", False), ('Étude <x> "q" ☃', False)])
def test_reproduce_notebook_is_written_as_nbformat_writes_it(tmp_path, name, synthetic):
    """The notebook is written without nbformat (its import cost a second of every run): the
    file is byte for byte what ``nbformat.write`` gives for the validated notebook."""
    path = write_reproduce_notebook(tmp_path, study_name=name, synthetic=synthetic)
    nb = reproduce_notebook(study_name=name, synthetic=synthetic)
    nbformat.validate(nb)
    assert path.read_bytes() == (nbformat.writes(nb) + "\n").encode("utf-8")
    assert nbformat.reads(path.read_text(encoding="utf-8"), as_version=4) == nb
