"""The abuse suite (issue 14): evaltool used as an attacker, and as a careless user, would use it.

Each test names the abuse and its expected outcome:

- injection strings (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``, ``@SUM``, ``+1``, ``-1+2``, tab, CR)
  in cohort names and free text → no formula cell in any workbook, no CSV cell that starts a
  formula (from the writers this suite covers);
- hostile names ("Ward A"/"Ward/A", "Ward é"/"Ward è", "../../x") → one report each, inside
  the results folder;
- path tricks (an output that is, or links to, an input; a folder holding the inputs; ``..``;
  a symbolic link as the results folder) → refused with exit code 1, inputs unchanged,
  with or without ``--overwrite``;
- control characters (vertical tab, NUL) → written without error;
- interrupted writes (SIGINT, SIGKILL at several points of an atomic folder write) → the
  previous folder survives, checked against its manifest;
- the differencing attacker on the example → recovers nothing from what the decider shows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from evaltool.cli import app
from evaltool.examples import example_study_path
from evaltool.privacy import FORMULA_START, manifest_files, verify_results_folder

pytestmark = pytest.mark.xdist_group("abuse")

HOSTILE_COHORTS = {"C01": "Ward A", "C02": "Ward/A", "C03": "../../x",
                   "C04": '=HYPERLINK("http://evil.example","x")', "C05": "Ward é", "C07": "Ward è"}
HOSTILE_TEXT = "=cmd|' /C calc'!A0 then a soft\x0bbreak"
runner = CliRunner()


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _hostile_copy(dest: Path) -> Path:
    """The example study with hostile cohort names and injected free text (Qualtrics exports)."""
    shutil.copytree(example_study_path().parent, dest)
    for f in sorted((dest / "qualtrics").glob("*.csv")):
        rows = list(csv.reader(io.StringIO(f.read_text(encoding="utf-8-sig"))))
        head = rows[0]
        text_cols = [j for j, h in enumerate(head) if h in ("Q_USEFUL", "Q_CHANGE", "Q_COACH", "Q_USED")]
        for r in rows[3:]:
            if "Q_COHORT" in head:
                i = head.index("Q_COHORT")
                r[i] = HOSTILE_COHORTS.get(r[i], r[i])
        for r in rows[3:6]:
            for j in text_cols:
                if r[j]:
                    r[j] = HOSTILE_TEXT
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        f.write_text(out.getvalue(), encoding="utf-8-sig")
    return dest / "study.yaml"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(study file, results folder, input hashes): the hostile study analysed once."""
    base = tmp_path_factory.mktemp("abuse")
    study = _hostile_copy(base / "study")
    before = _hashes(study.parent)
    out = base / "results"
    res = runner.invoke(app, ["analyse", str(study), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return study, out, before


def _no_formula_cells(xlsx: Path) -> None:
    wb = load_workbook(xlsx)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert all(c.data_type == "s" for c in cells if isinstance(c.value, str))


def _formula_csv_cells(folder: Path) -> list[tuple[str, str]]:
    bad = []
    for p in sorted(folder.rglob("*.csv")):
        with open(p, encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for c in row:
                    if c.startswith(FORMULA_START[:4]):
                        try:
                            float(c)
                        except ValueError:
                            bad.append((p.name, c[:30]))
    return bad


# --- injection strings and control characters -----------------------------------------------------
def test_workbook_from_hostile_data_has_no_formulas(hostile):
    study, out, before = hostile
    _no_formula_cells(out / "results.xlsx")
    assert _hashes(study.parent) == before


def test_result_tables_from_hostile_data_start_no_formula(hostile):
    _, out, _ = hostile
    assert _formula_csv_cells(out / "tables") == [] and _formula_csv_cells(out / "research" / "tables") == []


def test_validate_writes_safe_tables_into_a_new_folder_only(hostile, tmp_path):
    study, _, before = hostile
    out = tmp_path / "checks"
    res = runner.invoke(app, ["validate", str(study), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert _formula_csv_cells(out) == [] and (out / "participants.csv").exists()
    again = runner.invoke(app, ["validate", str(study), "--out", str(out)])
    assert again.exit_code == 1 and "not empty" in again.output
    assert _hashes(study.parent) == before


def test_theme_codings_are_safe(hostile, tmp_path):
    study, _, before = hostile
    codings = tmp_path / "codings.csv"
    res = runner.invoke(app, ["themes", "code", str(study), "--out", str(codings)])
    assert res.exit_code == 0, res.output
    assert _formula_csv_cells(tmp_path) == []
    assert _hashes(study.parent) == before


def test_review_sheet_from_hostile_text(hostile, tmp_path):
    study, _, _ = hostile
    review = tmp_path / "review.xlsx"
    res = runner.invoke(app, ["themes", "code", str(study), "--review", str(review)])
    assert res.exit_code == 0, res.output
    _no_formula_cells(review)


# --- hostile names --------------------------------------------------------------------------------
def test_cohort_reports_from_hostile_names_stay_apart_and_inside(hostile):
    study, out, before = hostile
    written = []
    for name in ("../../x", "Ward A", "Ward/A", "Ward é", "Ward è"):
        res = runner.invoke(app, ["report", "cohort", str(out), "--cohort", name, "--overwrite"])
        assert res.exit_code == 0, res.output
        written.append(next(line.split(": ", 1)[1] for line in res.output.splitlines()
                            if line.startswith("Cohort report:")))
    paths = [Path(p).resolve() for p in written]
    assert len(set(paths)) == 5
    assert all(p.parent == (out / "cohort_reports").resolve() for p in paths)
    assert not (out.parent / "x.html").exists() and not (out.parent.parent / "x.html").exists()
    assert _hashes(study.parent) == before


def test_analyse_writes_one_report_per_cohort(hostile):
    _, out, _ = hostile
    assert len(list((out / "cohort_reports").glob("*.html"))) == 8


# --- path tricks ----------------------------------------------------------------------------------
def test_outputs_cannot_replace_or_link_to_inputs(hostile, tmp_path):
    study, _, before = hostile
    export = study.parent / "qualtrics" / "T1_baseline.csv"
    link = tmp_path / "innocent.xlsx"
    link.symlink_to(study)
    qlink = tmp_path / "project.qdpx"
    qlink.symlink_to(study)
    attempts = [
        ["themes", "code", str(study), "--review", str(study)],
        ["themes", "code", str(study), "--out", str(export)],
        ["themes", "code", str(study), "--review", str(link)],
        ["themes", "code", str(study), "--out", str(study.parent / "qualtrics" / ".." / "study.yaml")],
        ["themes", "suggest", str(study), "--out", str(export)],
        ["themes", "export", str(study), "--out", str(qlink)],
        ["validate", str(study), "--out", str(study.parent)],
        ["validate", str(study), "--out", str(study.parent / "qualtrics")],
        ["analyse", str(study), "--out", str(study.parent), "--overwrite"],
        ["analyse", str(study), "--out", str(study.parent / "qualtrics"), "--overwrite"],
        ["score", str(export), "-i", "brs", "--out", str(export)],
    ]
    for args in attempts:
        res = runner.invoke(app, args)
        assert res.exit_code == 1, (args, res.output)
        assert "Traceback" not in res.output
    assert _hashes(study.parent) == before


def test_results_folder_tricks(hostile, tmp_path):
    study, out, before = hostile
    results_before = _hashes(out)
    linked = tmp_path / "linked-results"
    linked.symlink_to(out, target_is_directory=True)
    res = runner.invoke(app, ["analyse", str(study), "--out", str(linked), "--overwrite"])
    assert res.exit_code == 1 and "symbolic link" in res.output
    mine = tmp_path / "my-documents"
    mine.mkdir()
    (mine / "thesis.docx").write_text("years of work")
    res = runner.invoke(app, ["analyse", str(study), "--out", str(mine), "--overwrite"])
    assert res.exit_code == 1 and (mine / "thesis.docx").read_text() == "years of work"
    for target in (out / "research" / "study.yaml", out / "research" / "tables" / "participants.csv",
                   out / "manifest.json", study):
        res = runner.invoke(app, ["report", "study", str(out), "--out", str(target)])
        assert res.exit_code == 1 and "overwrite an input" in res.output, res.output
    res = runner.invoke(app, ["report", "cohort", str(out), "--cohort", "Ward A", "--out",
                              str(out / "research" / "tables" / "scores.csv")])
    assert res.exit_code == 1 and "overwrite an input" in res.output
    after = _hashes(out)
    assert all(after[k] == v for k, v in results_before.items() if not k.startswith(("report.", "cohort_reports/")))
    assert _hashes(study.parent) == before


# --- interrupted writes ------------------------------------------------------------------------------
_WRITER = textwrap.dedent("""
    import signal, sys, time
    from pathlib import Path
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from evaltool.privacy import add_to_manifest, atomic_folder
    target, n, pause = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    with atomic_folder(target, overwrite=True) as tmp:
        for i in range(n):
            (tmp / f"t{i}.csv").write_text(f"x\\n{sys.argv[4]}{i}\\n")
            print(f"wrote {i}", flush=True)
            time.sleep(pause)
        add_to_manifest(tmp, [f"t{i}.csv" for i in range(n)], base={"tool": "evaltool"})
        print("ready", flush=True)
        time.sleep(pause)
    print("done", flush=True)
""")


def _writer(tmp_path: Path, target: Path, n: int, pause: float, tag: str) -> subprocess.Popen:
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    return subprocess.Popen([sys.executable, str(script), str(target), str(n), str(pause), tag],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)


def _run_writer(tmp_path: Path, target: Path, n: int, tag: str) -> int:
    with _writer(tmp_path, target, n, 0.0, tag) as proc:
        proc.communicate(timeout=120)
    return proc.returncode


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
@pytest.mark.parametrize("when", ["wrote 0", "wrote 2", "ready"])
def test_interrupted_write_leaves_the_previous_folder(tmp_path, sig, when):
    target = tmp_path / "results"
    assert _run_writer(tmp_path, target, 2, "old") == 0
    before = manifest_files(target)
    with _writer(tmp_path, target, 4, 2.0, "new") as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == when:
                break
        os.kill(proc.pid, sig)
        proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert manifest_files(target) == before
    verify_results_folder(target)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".results.")]
    assert leftovers == [] if sig == signal.SIGINT else len(leftovers) <= 1
    assert _run_writer(tmp_path, target, 1, "next") == 0     # a later run cleans up and replaces
    assert sorted(manifest_files(target)) == ["t0.csv"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".results.")] == []


# --- the differencing attacker ---------------------------------------------------------------------
def test_differencing_attacker_gets_nothing_from_the_example():
    from _report_fixtures import example_results

    from evaltool.privacy import audit_disclosure, decide_cells, summary_cells

    res = example_results()
    cs = summary_cells(res["scores"], res["participants"], scales=["coping_confidence"])
    leaky = audit_disclosure(cs, res["scales"], shown=(cs.cells["n"] >= 5).to_numpy())
    assert leaky["disclosed"].any()
    d = decide_cells(cs, res["scores"], res["scales"])
    assert not audit_disclosure(cs, res["scales"], shown=d["shown"].to_numpy())["disclosed"].any()
