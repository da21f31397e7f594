"""``reproduce.ipynb``: a notebook in every results folder that re-runs the analysis from the
same study file through the Python API and checks that it equals the tables on disk.

The comparison itself is library code (:func:`compare_results`), so the notebook stays short
and the rules are tested: numbers must agree to a tight relative tolerance, text exactly, rows
in the same order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._files import sha256_file
from ..errors import InputError, ParameterError

__all__ = [
    "COMPARE_COLUMNS",
    "PROVENANCE_COLUMNS",
    "SUMMARY_COLUMNS",
    "assert_reproduced",
    "compare_results",
    "comparison_summary",
    "provenance",
    "reproduce_notebook",
    "write_reproduce_notebook",
]

COMPARE_COLUMNS = ("table", "column", "kind", "rows", "n_different", "max_rel_diff", "equal", "detail")
"""Columns of :func:`compare_results`."""

SUMMARY_COLUMNS = ("table", "rows", "columns", "columns_different", "equal", "status")
"""Columns of :func:`comparison_summary`."""

PROVENANCE_COLUMNS = ("item", "at_analysis", "now", "same")
"""Columns of :func:`provenance`."""

NOTEBOOK_NAME = "reproduce.ipynb"
TIMEPOINT_COLUMNS = ("timepoint", "time_from", "time_to")
"""Compared as text: timepoint ids are labels, even when they look like numbers."""

_STRUCTURE = "(structure)"


# ------------------------------------------------------------------------------------------
# comparison
def _tables(results: Any) -> Mapping[str, pd.DataFrame]:
    tables = getattr(results, "tables", results)
    if not isinstance(tables, Mapping):
        raise ParameterError(
            "The 'fresh' and 'saved' parameters of compare_results() must be Results or a "
            f"mapping of table name to DataFrame. Got {type(results).__name__} instead."
        )
    return tables


def _is_missing(values: np.ndarray) -> np.ndarray:
    """Missing or empty text (a CSV file cannot tell ``""`` from missing)."""
    miss = pd.isna(values)
    empty = np.fromiter((isinstance(v, str) and v == "" for v in values), bool, len(values))
    return np.asarray(miss, bool) | empty


def _as_numbers(col: pd.Series) -> np.ndarray | None:
    """The column as float64 (missing → NaN), or None when it is not all numbers."""
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return None
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return col.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    values = col.astype(object).to_numpy()
    missing = _is_missing(values)
    out = np.full(len(values), np.nan)
    present = values[~missing]
    if not len(present):
        return out
    if any(isinstance(v, (bool, np.bool_)) for v in present):
        if not all(isinstance(v, (bool, np.bool_)) for v in present):
            return None
        out[~missing] = np.asarray(present, dtype=float)
        return out
    conv = pd.to_numeric(pd.Series(present, dtype=object), errors="coerce")
    if conv.isna().any():
        return None
    out[~missing] = conv.to_numpy(dtype="float64")
    return out


def _as_text(col: pd.Series) -> np.ndarray:
    """The column as text; missing → ``""``; booleans as ``True``/``False``."""
    values = col.astype(object).to_numpy()
    missing = _is_missing(values)
    return np.array(["" if m else str(bool(v)) if isinstance(v, (bool, np.bool_)) else str(v)
                     for v, m in zip(values, missing, strict=True)], dtype=object)


def _where(diff: np.ndarray, n: int) -> str:
    k = int(diff.sum())
    first = int(np.flatnonzero(diff)[0])
    return f"{k} of {n} row(s) differ; first at row {first + 1} (values not shown)"


def _compare_column(table: str, name: str, a: pd.Series, b: pd.Series, rtol: float, atol: float) -> dict:
    n = len(a)
    row: dict[str, Any] = {"table": table, "column": name, "rows": n, "n_different": 0,
                           "max_rel_diff": np.nan, "equal": True, "detail": ""}
    x = None if name in TIMEPOINT_COLUMNS else _as_numbers(a)
    y = None if x is None else _as_numbers(b)
    if x is not None and y is not None:
        row["kind"] = "number"
        nan_x, nan_y = np.isnan(x), np.isnan(y)
        finite = np.isfinite(x) & np.isfinite(y)
        diff = nan_x != nan_y
        inf = ~finite & ~nan_x & ~nan_y
        diff |= inf & (x != y)
        with np.errstate(invalid="ignore"):
            gap = np.where(finite, np.abs(x - y), 0.0)
            scale = np.where(finite, np.maximum(np.abs(x), np.abs(y)), 0.0)
        diff |= finite & (gap > atol + rtol * scale)
        if finite.any():
            rel = np.divide(gap, scale, out=np.zeros_like(gap), where=scale > 0)
            row["max_rel_diff"] = float(rel[finite].max())
    else:
        row["kind"] = "text"
        diff = _as_text(a) != _as_text(b)
    if diff.any():
        row.update(n_different=int(diff.sum()), equal=False, detail=_where(diff, n))
    return row


def compare_results(fresh: Any, saved: Any, *, rtol: float = 1e-9, atol: float = 0.0) -> pd.DataFrame:
    """Compare two sets of results table by table, column by column.

    Parameters
    ----------
    fresh, saved
        :class:`~evaltool.analysis.Results` (or mappings of table name → DataFrame), e.g. a
        re-run through ``evaltool.analyse(study)`` and the tables reloaded with
        ``evaltool.load_results(folder)``. Only tables present in both are compared. Not
        modified.
    rtol, atol
        Numbers are equal when ``|a - b| <= atol + rtol * max(|a|, |b|)``; missing values
        must be missing on both sides and infinities equal.

    Returns
    -------
    pandas.DataFrame
        One row per table × column (:data:`COMPARE_COLUMNS`): ``table``, ``column``,
        ``kind`` (``number``, ``text`` or ``structure`` for a difference in rows or columns,
        reported under the column ``"(structure)"``), ``rows``, ``n_different`` (rows that
        differ), ``max_rel_diff`` (largest relative difference among numbers present on both
        sides), ``equal`` and ``detail`` (how many rows differ and the first one; never the
        values, which may be participant data).

    Notes
    -----
    Rules: rows are compared in order (a table written by ``evaltool analyse`` has a fixed
    order); a column is compared as numbers when every value on both sides is a number
    (booleans count as 0/1), otherwise as text; missing text and ``""`` are equal (a CSV file
    cannot tell them apart); timepoint columns (``timepoint``, ``time_from``, ``time_to``) are
    always compared as text. CSV files written by pandas keep every double exactly (shortest
    round-trip repr), so on the same machine every difference is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> a = {"t": pd.DataFrame({"scale": ["brs", "cc"], "beta": [0.1161, 2.4202], "note": [None, "x"]})}
    >>> b = {"t": pd.DataFrame({"scale": ["brs", "cc"], "beta": [0.1161, 2.4203], "note": ["", "x"]})}
    >>> compare_results(a, b)[["column", "kind", "n_different", "equal"]]
      column    kind  n_different  equal
    0  scale    text            0   True
    1   beta  number            1  False
    2   note    text            0   True
    """
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(value, (int, float)) and value >= 0):
            raise ParameterError(
                f"The '{name}' parameter of compare_results() must be a number >= 0. Got {value!r} instead."
            )
    fa, fb = _tables(fresh), _tables(saved)
    rows: list[dict] = []
    for table in [t for t in fa if t in fb]:
        a, b = fa[table].reset_index(drop=True), fb[table].reset_index(drop=True)
        problems = []
        if len(a) != len(b):
            problems.append(f"{len(a)} row(s) in the re-run, {len(b)} on disk")
        only_a = [c for c in a.columns if c not in b.columns]
        only_b = [c for c in b.columns if c not in a.columns]
        if only_a:
            problems.append(f"column(s) only in the re-run: {', '.join(map(str, only_a))}")
        if only_b:
            problems.append(f"column(s) only on disk: {', '.join(map(str, only_b))}")
        common = [c for c in a.columns if c in b.columns]
        if not only_a and not only_b and list(a.columns) != list(b.columns):
            problems.append("the columns are in a different order")
        if problems:
            rows.append({"table": table, "column": _STRUCTURE, "kind": "structure", "rows": len(a),
                         "n_different": abs(len(a) - len(b)), "max_rel_diff": np.nan,
                         "equal": False, "detail": "; ".join(problems)})
        if len(a) != len(b):
            continue
        for col in common:
            rows.append(_compare_column(table, str(col), a[col], b[col], float(rtol), float(atol)))
    out = pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
    return out.astype({"rows": "int64", "n_different": "int64", "max_rel_diff": "float64", "equal": bool})


def comparison_summary(check: pd.DataFrame) -> pd.DataFrame:
    """One line per table from :func:`compare_results`.

    Parameters
    ----------
    check
        The output of :func:`compare_results`. Not modified.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`: ``table``, ``rows``, ``columns`` (compared),
        ``columns_different``, ``equal`` and ``status`` (``"equal"`` or which columns
        differ), in the order of ``check``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = {"t": pd.DataFrame({"x": [1.0, 2.0]}), "u": pd.DataFrame({"y": ["a"]})}
    >>> b = {"t": pd.DataFrame({"x": [1.0, 2.5]}), "u": pd.DataFrame({"y": ["a"]})}
    >>> comparison_summary(compare_results(a, b))
      table  rows  columns  columns_different  equal             status
    0     t     2        1                  1  False  different: x (1 row(s))
    1     u     1        1                  0   True              equal
    """
    out = []
    for table, g in check.groupby("table", sort=False):
        bad = g[~g["equal"]]
        cols = g[g["kind"] != "structure"]
        status = "equal" if bad.empty else "different: " + "; ".join(
            (str(r.detail) if r.kind == "structure" else f"{r.column} ({r.n_different} row(s))")
            for r in bad.itertuples())
        out.append({"table": table, "rows": int(g["rows"].iloc[0]), "columns": len(cols),
                    "columns_different": int((~cols["equal"]).sum()), "equal": bad.empty,
                    "status": status})
    return pd.DataFrame(out, columns=list(SUMMARY_COLUMNS))


def assert_reproduced(check: pd.DataFrame) -> None:
    """Raise AssertionError naming every table and column that differs.

    Parameters
    ----------
    check
        The output of :func:`compare_results`.

    Raises
    ------
    AssertionError
        When any row of ``check`` is not equal (the message names table, column and how many
        rows differ, never the values).

    Examples
    --------
    >>> import pandas as pd
    >>> a = {"prepost": pd.DataFrame({"d_av": [0.2045, 1.744]})}
    >>> assert_reproduced(compare_results(a, a))
    >>> b = {"prepost": pd.DataFrame({"d_av": [0.2045, 1.745]})}
    >>> assert_reproduced(compare_results(a, b))
    Traceback (most recent call last):
    ...
    AssertionError: The re-run differs from the tables on disk in 1 place(s): table 'prepost', column 'd_av': 1 of 2 row(s) differ; first at row 2 (values not shown)
    """
    bad = check[~check["equal"].astype(bool)]
    if bad.empty:
        return
    parts = [f"table '{r.table}', column '{r.column}': {r.detail}" for r in bad.head(10).itertuples()]
    more = f"; and {len(bad) - 10} more" if len(bad) > 10 else ""
    raise AssertionError(
        f"The re-run differs from the tables on disk in {len(bad)} place(s): " + "; ".join(parts) + more
    )


# ------------------------------------------------------------------------------------------
# provenance


def provenance(results_folder: str | Path, study_file: str | Path | None = None) -> pd.DataFrame:
    """What was used at analysis time (from ``manifest.json``) next to what is used now.

    Parameters
    ----------
    results_folder
        A results folder written by ``evaltool analyse``.
    study_file
        The study file to check (default: the path recorded in the manifest).

    Returns
    -------
    pandas.DataFrame
        :data:`PROVENANCE_COLUMNS`: ``item`` (``study file``, ``input <source>``, then
        ``python`` and each package), ``at_analysis``, ``now`` and ``same``. Files are
        compared by SHA-256 (shown shortened); a file that no longer exists is ``"missing"``.
        A changed input explains a failed check; a changed package version may explain a tiny
        numeric difference.

    Raises
    ------
    InputError
        When the folder has no ``manifest.json``.

    Examples
    --------
    >>> import tempfile, pathlib, json, hashlib, platform
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "study.yaml").write_text("name: x\\n")
    >>> sha = hashlib.sha256(b"name: x\\n").hexdigest()
    >>> manifest = {"study_file": {"path": str(d / "study.yaml"), "sha256": sha}, "inputs": [],
    ...             "python": platform.python_version(), "packages": {}}
    >>> _ = (d / "manifest.json").write_text(json.dumps(manifest))
    >>> provenance(d)[["item", "same"]]
             item  same
    0  study file  True
    1      python  True
    """
    folder = Path(results_folder)
    path = folder / "manifest.json"
    if not path.is_file():
        raise InputError("is not an evaltool results folder (no manifest.json).", file=folder,
                         fix="give the --out folder of 'evaltool analyse'.")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    rows: list[tuple[str, str, str]] = []

    def file_row(item: str, recorded: str, where: str | Path | None) -> None:
        p = Path(where) if where else None
        now = sha256_file(p) if p is not None and p.is_file() else "missing"
        rows.append((item, recorded, now))

    sf = manifest.get("study_file", {})
    file_row("study file", sf.get("sha256", ""), study_file or sf.get("path"))
    for inp in manifest.get("inputs", []):
        file_row(f"input {inp.get('source', '')}", inp.get("sha256", ""), inp.get("path"))
    import platform
    from importlib import metadata

    rows.append(("python", manifest.get("python", ""), platform.python_version()))
    for name, recorded in manifest.get("packages", {}).items():
        try:
            now = metadata.version(name)
        except metadata.PackageNotFoundError:
            now = "not installed"
        rows.append((name, recorded, now))
    out = pd.DataFrame(rows, columns=["item", "at_analysis", "now"])
    out["same"] = out["at_analysis"] == out["now"]
    for c in ("at_analysis", "now"):  # shorten hashes for display; equality used the full hash
        out[c] = [v[:12] + "…" if len(v) == 64 else v for v in out[c]]
    return out[list(PROVENANCE_COLUMNS)]


# ------------------------------------------------------------------------------------------
# the notebook
def _md(text: str, i: int) -> Any:
    import nbformat

    cell = nbformat.v4.new_markdown_cell(text.strip("\n"))
    cell["id"] = f"md-{i}"
    return cell


def _code(text: str, i: int) -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(text.strip("\n"))
    cell["id"] = f"code-{i}"
    return cell


def reproduce_notebook(study_path: str | Path, results_dir: str | Path, *, study_name: str = "",
                       synthetic: bool = False) -> Any:
    """Build the ``reproduce.ipynb`` notebook (nbformat v4, no outputs) without writing it.

    Parameters
    ----------
    study_path, results_dir
        The study file and the results folder; written into the notebook as absolute paths.
    study_name
        Shown in the title.
    synthetic
        Whether the data are synthetic (the notebook then says so first).

    Returns
    -------
    nbformat.NotebookNode
        Cells: what the notebook does; paths; ``evaltool.analyse(STUDY_FILE)``;
        ``evaltool.load_results(RESULTS_FOLDER)``; provenance; :func:`compare_results` with
        its summary; :func:`assert_reproduced`.

    Examples
    --------
    >>> nb = reproduce_notebook("/data/study.yaml", "/data/results", study_name="Pilot")
    >>> nb.nbformat, nb.metadata.kernelspec.name, nb.cells[0].source.splitlines()[0]
    (4, 'python3', '# Reproduce: Pilot')
    """
    import nbformat

    from .._version import __version__

    study = Path(study_path).resolve()
    results = Path(results_dir).resolve()
    banner = ("> **SYNTHETIC EXAMPLE DATA** — made up to show what evaltool does; not real "
              "participants.\n\n" if synthetic else "")
    cells = [
        _md(f"""
# Reproduce: {study_name or study.stem}

{banner}Written by `evaltool analyse` (evaltool {__version__}) into this results folder. It
re-runs the whole analysis from the same study file through evaltool's Python API (nothing is
written), reloads the tables saved here, and checks that every table both have is the same:
numbers to a relative tolerance of 1e-9, text exactly, rows in the same order.

Run it top to bottom (*Run All* in Jupyter, or `jupyter execute reproduce.ipynb`). The last
cell stops with an `AssertionError` naming the table and column if anything differs.

- Study file: `{study}`
- Results folder: `{results}`

If you moved the study or this folder, change the two paths in the next cell.
""", 1),
        _code(f"""
from pathlib import Path

import pandas as pd
from IPython.display import display

import evaltool
from evaltool.analysis.reproduce import (
    assert_reproduced,
    compare_results,
    comparison_summary,
    provenance,
)

STUDY_FILE = Path({str(study)!r})
RESULTS_FOLDER = Path({str(results)!r})
print("evaltool", evaltool.__version__)
""", 1),
        _md("""
## 1. Re-run the analysis

The same function `evaltool analyse` calls, on the same study file; without an output folder
nothing is written.
""", 2),
        _code("""
fresh = evaltool.analyse(STUDY_FILE)
fresh
""", 2),
        _md("""
## 2. Load the tables on disk

`load_results` reads `tables/*.csv` (timepoints come back in the study's order; missing text as
`""`).
""", 3),
        _code("""
saved = evaltool.load_results(RESULTS_FOLDER)
saved
""", 3),
        _md("""
## 3. Same inputs, same software?

The study file and every export are compared with the SHA-256 hashes recorded in
`manifest.json`, and the package versions with those installed now. A changed input explains a
difference below; a different package version may explain a tiny numeric one.
""", 4),
        _code("""
prov = provenance(RESULTS_FOLDER, STUDY_FILE)
changed = prov[~prov["same"]]
print("Everything is as it was at analysis time." if changed.empty else
      f"{len(changed)} item(s) differ from analysis time (see the table).")
prov
""", 4),
        _md("""
## 4. Compare every table

One line per table; `compare_results` gives the column-by-column detail (`check`).
""", 5),
        _code("""
check = compare_results(fresh, saved, rtol=1e-9)
summary = comparison_summary(check)
only_rerun = sorted(set(fresh.tables) - set(saved.tables))
only_disk = sorted(set(saved.tables) - set(fresh.tables))
if only_rerun or only_disk:
    print("Not compared (in one of the two only):", ", ".join(only_rerun + only_disk))
with pd.option_context("display.max_rows", 500, "display.max_colwidth", 200):
    display(summary)
""", 5),
        _code("""
assert_reproduced(check)
print(f"Reproduced: {len(summary)} tables, {int(summary['columns'].sum())} columns, "
      f"{int(check['rows'].groupby(check['table']).first().sum())} rows; every value equal "
      f"(largest relative difference {check['max_rel_diff'].max(skipna=True):.1e}).")
""", 6),
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = nbformat.from_dict({
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
        "evaltool": {"study_file": str(study), "results_folder": str(results), "version": __version__},
    })
    nbformat.validate(nb)
    return nb


def write_reproduce_notebook(out_dir: str | Path, study_path: str | Path) -> Path:
    """Write ``reproduce.ipynb`` into a results folder.

    Parameters
    ----------
    out_dir
        The results folder (``evaltool analyse --out``).
    study_path
        The study file the results were made from.

    Returns
    -------
    pathlib.Path
        ``out_dir / "reproduce.ipynb"``: re-runs ``evaltool.analyse(<study file>)``, loads the
        tables with ``evaltool.load_results(<results folder>)`` and checks them with
        :func:`compare_results` (absolute paths, as at analysis time). Stored without outputs.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evaltool.examples import example_study_path
    >>> p = write_reproduce_notebook(tempfile.mkdtemp(), example_study_path())
    >>> p.name, "evaltool.analyse(STUDY_FILE)" in p.read_text(encoding="utf-8")
    ('reproduce.ipynb', True)
    """
    import nbformat

    from ..study import load_study

    spec = load_study(study_path).spec
    out = Path(out_dir)
    nb = reproduce_notebook(study_path, out, study_name=spec.name, synthetic=bool(spec.synthetic))
    path = out / NOTEBOOK_NAME
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        nbformat.write(nb, fh)
    return path
