"""``reproduce.ipynb``: a notebook in every results folder that re-runs the analysis and checks
that it equals the tables **of the folder it sits in**.

The notebook holds no absolute path: it finds its own folder, finds the study file and the
exports by the SHA-256 hashes in ``manifest.json`` (and says which input is missing or
changed), re-runs the analysis through the Python API, reads every table of the folder as a
person would see it (the CSV files) and compares them cell by cell, then checks every other
file against the manifest. The rules live here, as tested library code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from .._files import sha256_file
from ..errors import InputError
from .compare import (
    COMPARE_COLUMNS,
    SUMMARY_COLUMNS,
    assert_reproduced,
    compare_results,
    comparison_summary,
)

__all__ = [
    "COMPARE_COLUMNS",
    "INPUT_COLUMNS",
    "PROVENANCE_COLUMNS",
    "SUMMARY_COLUMNS",
    "assert_reproduced",
    "compare_results",
    "comparison_summary",
    "find_results_folder",
    "locate_inputs",
    "notebook_dict",
    "notebook_json",
    "provenance",
    "read_saved_tables",
    "reproduce_notebook",
    "write_reproduce_notebook",
]

NOTEBOOK_NAME = "reproduce.ipynb"
PROVENANCE_COLUMNS = ("item", "at_analysis", "now", "same")
"""Columns of :func:`provenance`."""
INPUT_COLUMNS = ("input", "recorded_path", "found_path", "status")
"""Columns of :func:`locate_inputs`."""

_FORMULA_PREFIX = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not path.is_file():
        raise InputError("is not an evaltool results folder (no manifest.json).", file=folder,
                         fix="open reproduce.ipynb from inside the results folder, or give that folder.")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def find_results_folder(start: str | Path | None = None) -> Path:
    """The results folder a notebook sits in: ``start`` (default: the working directory, which
    Jupyter sets to the notebook's folder), checked to hold ``manifest.json``."""
    candidates = [Path(start)] if start is not None else []
    session = os.environ.get("JPY_SESSION_NAME")
    if session:
        candidates.append(Path(session).parent)
    candidates.append(Path.cwd())
    for c in candidates:
        if (c / "manifest.json").is_file():
            return c.resolve()
    raise InputError("is not an evaltool results folder (no manifest.json).", file=candidates[0],
                     fix="open reproduce.ipynb from inside its results folder (Jupyter starts there).")


def _find(recorded: str, relative: str | None, folder: Path, sha: str) -> tuple[Path | None, str]:
    tried = [Path(recorded)]
    if relative:
        tried.append((folder / relative).resolve())
    status = "missing"
    for p in tried:
        if p.is_file():
            if sha256_file(p) == sha:
                return p, "found"
            status = "changed"
    return None, status


def locate_inputs(folder: str | Path) -> pd.DataFrame:
    """Find the study file and every export by the hashes recorded in the manifest.

    A file is looked for where it was at analysis time and at the same place relative to the
    results folder (so a project folder that was moved or copied as a whole still works).

    Returns
    -------
    pandas.DataFrame
        :data:`INPUT_COLUMNS`: ``input`` (``study file`` or the export's name), ``recorded_path``,
        ``found_path`` (empty when not found) and ``status`` (``found``; ``changed``: a file is
        there but its content differs; ``missing``).
    """
    folder = Path(folder).resolve()
    prov = _manifest(folder).get("provenance", {})
    rows = []
    sf = prov.get("study_file", {})
    entries = [("study file", sf)] + [(f"export {i.get('source', '')}", i) for i in prov.get("inputs", [])]
    for name, e in entries:
        found, status = _find(str(e.get("path", "")), e.get("relative_to_results"), folder, str(e.get("sha256", "")))
        rows.append({"input": name, "recorded_path": str(e.get("path", "")),
                     "found_path": "" if found is None else str(found), "status": status})
    return pd.DataFrame(rows, columns=list(INPUT_COLUMNS))


def _unescape(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the spreadsheet-safety quote that CSV writing put before formula-like text."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].astype(object).map(lambda v: v[1:] if isinstance(v, str) and v.startswith(_FORMULA_PREFIX) else v)
    return out


def read_saved_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of a results folder as a person sees it: the CSV files in ``tables/`` (and
    ``research/tables/`` when present; the research copy wins where both exist)."""
    folder = Path(folder)
    out: dict[str, pd.DataFrame] = {}
    for sub in ("tables", "research/tables"):
        for p in sorted((folder / sub).glob("*.csv")):
            out[p.stem] = _unescape(pd.read_csv(p, keep_default_na=False, na_values=[""], low_memory=False))
    return out


def provenance(results_folder: str | Path) -> pd.DataFrame:
    """What was used at analysis time (from ``manifest.json``) next to what is used now.

    Returns
    -------
    pandas.DataFrame
        :data:`PROVENANCE_COLUMNS`: ``item`` (``python``, then each package), ``at_analysis``,
        ``now`` and ``same``. A different package version may explain a tiny numeric difference.
    """
    import platform
    from importlib import metadata

    prov = _manifest(Path(results_folder)).get("provenance", {})
    rows = [("python", prov.get("python", ""), platform.python_version())]
    for name, recorded in prov.get("packages", {}).items():
        try:
            now = metadata.version(name)
        except metadata.PackageNotFoundError:
            now = "not installed"
        rows.append((name, recorded, now))
    out = pd.DataFrame(rows, columns=["item", "at_analysis", "now"])
    out["same"] = out["at_analysis"] == out["now"]
    return out[list(PROVENANCE_COLUMNS)]


def _cell(kind: str, text: str, i: int) -> dict[str, Any]:
    """A notebook cell as nbformat v4.5 lays it out (``new_markdown_cell`` / ``new_code_cell``)."""
    if kind == "md":
        return {"cell_type": "markdown", "id": f"md-{i}", "metadata": {}, "source": text.strip("\n")}
    return {"cell_type": "code", "execution_count": None, "id": f"code-{i}", "metadata": {}, "outputs": [],
            "source": text.strip("\n")}


_INTRO = """
# Reproduce: {title}

{banner}Written by `evaltool analyse` (evaltool {version}) into this results folder. It checks
**the folder it sits in**: it finds the study file and the exports by the hashes recorded in
`manifest.json`, re-runs the whole analysis through evaltool's Python API (nothing is written),
reads every table of this folder as you would see it (the CSV files) and compares them cell
by cell — numbers to a relative tolerance of 1e-9, text exactly — then checks every other file
(figures, reports, workbooks) against the manifest.

Run it top to bottom (*Run All*, or `jupyter execute reproduce.ipynb` from this folder). It
stops with an error naming the input, or the table, row and column, that differs.
"""

_CELLS: list[tuple[str, str]] = [
    ("code", """
import pandas as pd
from IPython.display import display

import evaltool
from evaltool.analysis.load import verify_folder
from evaltool.analysis.reproduce import (
    assert_reproduced, compare_results, comparison_summary, find_results_folder, locate_inputs,
    provenance, read_saved_tables,
)

RESULTS_FOLDER = find_results_folder()
print("evaltool", evaltool.__version__, "| results folder:", RESULTS_FOLDER.name)
"""),
    ("md", """
## 1. Find the inputs

The study file and every export, by the SHA-256 hash recorded at analysis time: where they
were then, or at the same place relative to this folder.
"""),
    ("code", """
inputs = locate_inputs(RESULTS_FOLDER)
display(inputs)
bad = inputs[inputs["status"] != "found"]
if len(bad):
    raise RuntimeError("Cannot reproduce: " + "; ".join(
        f"{r.input} is {r.status} (recorded at {r.recorded_path})" for r in bad.itertuples())
        + ". Put the original files back (same content), then run again.")
STUDY_FILE = inputs.loc[inputs["input"] == "study file", "found_path"].iloc[0]
"""),
    ("md", """
## 2. Re-run the analysis

The same function `evaltool analyse` calls; without an output folder nothing is written.
"""),
    ("code", """
fresh = evaltool.analyse(STUDY_FILE)
fresh
"""),
    ("md", """
## 3. Compare every table of this folder

The CSV files of `tables/` (and `research/tables/` when it is here), cell by cell.
"""),
    ("code", """
saved = read_saved_tables(RESULTS_FOLDER)
check = compare_results(fresh, saved, rtol=1e-9)
summary = comparison_summary(check)
missing = sorted(set(fresh.tables) - set(saved))
if missing:
    print("Not in this folder (e.g. research/ left out of a shared copy):", ", ".join(missing))
with pd.option_context("display.max_rows", 500, "display.max_colwidth", 200):
    display(summary)
assert_reproduced(check)
"""),
    ("md", """
## 4. Every other file as written, and the software

Figures, reports and workbooks are checked against their SHA-256 in `manifest.json`; a
different package version may explain a tiny numeric difference above.
"""),
    ("code", """
absent = verify_folder(RESULTS_FOLDER)
prov = provenance(RESULTS_FOLDER)
display(prov[~prov["same"]] if (~prov["same"]).any() else "Same Python and package versions as at analysis time.")
print(f"Reproduced: {len(summary)} tables, {int(summary['columns'].sum())} columns, every value equal; "
      f"every file as written" + (f" ({len(absent)} research-only file(s) not in this copy)." if absent else "."))
"""),
]
"""The notebook's cells after the introduction: (markdown or code, text)."""


def notebook_dict(*, study_name: str = "", synthetic: bool = False) -> dict[str, Any]:
    """The ``reproduce.ipynb`` notebook as a plain dict in the nbformat v4.5 layout (what
    :func:`reproduce_notebook` validates; written without importing nbformat, whose import
    cost more than a second of every run)."""
    from .._version import __version__

    banner = ("> **SYNTHETIC EXAMPLE DATA** — made up to show what evaltool does; not real "
              "participants.\n\n" if synthetic else "")
    intro = _INTRO.format(title=study_name or "evaltool results", banner=banner, version=__version__)
    cells = [_cell("md", intro, 0)] + [_cell(kind, text, i) for i, (kind, text) in enumerate(_CELLS, start=1)]
    return {"cells": cells,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
                         "language_info": {"name": "python"}, "evaltool": {"version": __version__}},
            "nbformat": 4, "nbformat_minor": 5}


def notebook_json(nb: dict[str, Any]) -> str:
    """``nb`` as ``nbformat.write`` stores it: sources split into lines, keys sorted, indent 1,
    non-ASCII kept, a final newline (the same bytes)."""
    cells = [{**c, "source": c["source"].splitlines(True)} for c in nb["cells"]]
    return json.dumps({**nb, "cells": cells}, indent=1, sort_keys=True, separators=(",", ": "),
                      ensure_ascii=False) + "\n"


def reproduce_notebook(*, study_name: str = "", synthetic: bool = False) -> Any:
    """The ``reproduce.ipynb`` notebook as a validated ``nbformat`` node (v4, no outputs, no
    absolute paths): :func:`notebook_dict` for code that works with nbformat.

    Examples
    --------
    >>> nb = reproduce_notebook(study_name="Pilot")
    >>> nb.nbformat, nb.metadata.kernelspec.name, nb.cells[0].source.splitlines()[0]
    (4, 'python3', '# Reproduce: Pilot')
    """
    import nbformat

    nb = nbformat.from_dict(notebook_dict(study_name=study_name, synthetic=synthetic))
    nbformat.validate(nb)
    return nb


def write_reproduce_notebook(out_dir: str | Path, *, study_name: str = "", synthetic: bool = False) -> Path:
    """Write ``reproduce.ipynb`` into a results folder (stored without outputs).

    Examples
    --------
    >>> import tempfile
    >>> p = write_reproduce_notebook(tempfile.mkdtemp(), study_name="Pilot")
    >>> p.name, "find_results_folder()" in p.read_text(encoding="utf-8")
    ('reproduce.ipynb', True)
    """
    path = Path(out_dir) / NOTEBOOK_NAME
    text = notebook_json(notebook_dict(study_name=study_name, synthetic=synthetic))
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return path
