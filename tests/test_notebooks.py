"""The notebooks run (issue 7): every notebook in ``analyses/`` and the ``reproduce.ipynb`` that
``evaltool analyse`` writes, executed top to bottom with nbclient on the ``python3`` kernel
(``make`` installs it into .venv) in a temporary folder. Any cell error fails the test, and
changing one number in a results CSV must make ``reproduce.ipynb`` fail.

Run times: ``pytest tests/test_notebooks.py --durations=0``.
"""

from __future__ import annotations

import csv
import io
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from evaltool.analysis import analyse
from evaltool.analysis.reproduce import NOTEBOOK_NAME
from evaltool.examples import example_study_path

ROOT = Path(__file__).resolve().parents[1]
ANALYSES = ROOT / "analyses"
NOTEBOOKS = sorted(ANALYSES.glob("*.ipynb"))
EXPECTED = ("01_scoring_and_reliability.ipynb", "02_prepost_and_longitudinal.ipynb",
            "03_qualitative_coding.ipynb", "04_integration_and_report.ipynb")

def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 600) -> float:
    """Run every cell in a fresh ``python3`` kernel with ``cwd`` as its folder; return seconds.

    Raises nbclient's CellExecutionError (cell source and traceback) on the first error.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    if "python3" not in KernelSpecManager().find_kernel_specs():  # pragma: no cover
        pytest.fail("no 'python3' Jupyter kernel: run 'make test' (it installs one into .venv).")
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                            resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def text_of(nb: nbformat.NotebookNode) -> str:
    parts = []
    for o in outputs(nb):
        if o.get("output_type") == "stream":
            parts.append(o["text"])
        for mime in ("text/plain", "text/html"):
            if mime in o.get("data", {}):
                parts.append(o["data"][mime])
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------
# the notebooks as stored
def test_the_four_notebooks_exist():
    assert tuple(p.name for p in NOTEBOOKS) == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs stored"
    intro = nb.cells[0]
    assert intro.cell_type == "markdown" and intro.source.startswith("# ")
    assert "synthetic" in intro.source.lower(), f"{path.name} must say that the data are synthetic"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_uses_the_same_functions_as_the_cli(path):
    """Numbers come from ``evaltool.analyse`` (what ``evaltool analyse`` calls) on the example."""
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert "example_study_path()" in code and "evaltool.analyse(STUDY)" in code


# ------------------------------------------------------------------------------------------
# running them
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_notebook_runs(path, tmp_path, monkeypatch, record_property):
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # files the notebooks save go here
    before = sorted(p.name for p in ANALYSES.iterdir())
    nb = nbformat.read(path, as_version=4)
    seconds = execute(nb, tmp_path)
    record_property("seconds", round(seconds, 1))
    assert sorted(p.name for p in ANALYSES.iterdir()) == before  # nothing written next to them
    assert not [o for o in outputs(nb) if o.get("output_type") == "error"]
    text = text_of(nb)
    if path.name.startswith(("01", "02")):  # figures display inline
        assert any("image/png" in o.get("data", {}) for o in outputs(nb))
    if path.name.startswith("04"):  # the reports show themselves, with the synthetic banner
        html = [o["data"]["text/html"] for o in outputs(nb) if "text/html" in o.get("data", {})]
        assert sum("SYNTHETIC" in h for h in html) >= 2
        assert "cohort_C03.html" in text and "report.html" in text
    assert "Traceback" not in text


@pytest.fixture(scope="module")
def fresh_results(tmp_path_factory) -> Path:
    """A fresh analysis of the example study, written by analyse() into a temporary folder."""
    out = tmp_path_factory.mktemp("reproduce") / "results"
    analyse(example_study_path(), out=out)
    return out


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_analyse_writes_reproduce_notebook(fresh_results):
    import json

    assert (fresh_results / NOTEBOOK_NAME).is_file()
    manifest = json.loads((fresh_results / "manifest.json").read_text(encoding="utf-8"))
    assert NOTEBOOK_NAME in {f["path"] for f in manifest["files"]}


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_reproduce_notebook_passes_on_a_fresh_analysis(fresh_results, tmp_path, record_property):
    copy = tmp_path / "copy"  # a copy elsewhere: the notebook checks the folder it sits in
    shutil.copytree(fresh_results, copy)
    nb = nbformat.read(copy / NOTEBOOK_NAME, as_version=4)
    seconds = execute(nb, copy)
    record_property("seconds", round(seconds, 1))
    text = text_of(nb)
    assert "Reproduced:" in text and "every value equal" in text and "every file as written" in text
    assert "Same Python and package versions" in text
    assert "change_vs_baseline" in text and "SYNTHETIC" in nb.cells[0].source


def _corrupt_one_number(csv_path: Path, column: str, where: dict[str, str], factor: float) -> tuple[str, str]:
    """Multiply one cell of a CSV written by pandas, leaving every other byte as it was."""
    lines = csv_path.read_text(encoding="utf-8").split("\n")
    header = next(csv.reader([lines[0]]))
    col = header.index(column)
    for i, line in enumerate(lines[1:], start=1):
        if not line:
            continue
        row = next(csv.reader([line]))
        if all(row[header.index(k)] == v for k, v in where.items()):
            old = row[col]
            row[col] = repr(float(old) * factor)
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow(row)
            lines[i] = buf.getvalue()
            csv_path.write_text("\n".join(lines), encoding="utf-8")
            return old, row[col]
    raise AssertionError(f"no row {where} in {csv_path}")


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_reproduce_notebook_fails_when_one_number_is_changed(fresh_results, tmp_path):
    """β of coping confidence at T2 multiplied by 1 + 1e-6 (2.42017 → 2.42017242…) on disk."""
    from nbclient.exceptions import CellExecutionError

    copy = tmp_path / "results"
    shutil.copytree(fresh_results, copy)
    table = copy / "tables" / "change_vs_baseline.csv"
    before = table.read_text(encoding="utf-8").split("\n")
    old, new = _corrupt_one_number(table, "beta", {"scale": "coping_confidence", "timepoint": "T2"}, 1 + 1e-6)
    after = table.read_text(encoding="utf-8").split("\n")
    assert old != new and sum(a != b for a, b in zip(before, after, strict=True)) == 1
    nb = nbformat.read(copy / NOTEBOOK_NAME, as_version=4)
    with pytest.raises(CellExecutionError) as exc:
        execute(nb, copy)
    message = str(exc.value)
    assert "AssertionError" in message
    assert ("table 'change_vs_baseline', column 'beta': 1 of 11 row(s) differ; first at data row 4 "
            "(file line 5" in message)
