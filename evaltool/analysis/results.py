"""The results of an analysis: named tables, figures and run metadata, saved and reloaded."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = ["PARTICIPANT_LEVEL_TABLES", "Results", "load_results"]

PARTICIPANT_LEVEL_TABLES = frozenset({
    "participants", "match_report", "exclusions", "problems", "scores", "reliable_change",
    "free_text", "codings", "valence", "code_matrix",
})
"""Tables with one row per participant (or answer): for the research team only, never shown
in shareable reports."""


@dataclass(frozen=True)
class Results:
    """Everything ``evaltool analyse`` produced.

    Attributes
    ----------
    tables
        Name → DataFrame (full precision). ``results["prepost"]`` is a shortcut.
    figures
        Name → matplotlib Figure (empty when the results were loaded from disk).
    meta
        Study name, timepoints, baseline, whether the data are synthetic, counts, versions.
    out_dir
        Where the results were written (None if not saved).

    In Jupyter a Results shows the list of its tables (and says when the data are synthetic).

    Examples
    --------
    >>> import pandas as pd
    >>> res = Results(tables={"prepost": pd.DataFrame({"scale": ["brs"], "d_av": [0.2]})},
    ...               meta={"synthetic": True, "timepoints": ["T1", "T2"]})
    >>> res["prepost"]["d_av"].tolist(), "prepost" in res, list(res)
    ([0.2], True, ['prepost'])
    >>> res.synthetic, res.timepoints
    (True, ['T1', 'T2'])
    """

    tables: Mapping[str, pd.DataFrame]
    figures: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"no table {name!r}; tables: {sorted(self.tables)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __contains__(self, name: object) -> bool:
        return name in self.tables

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    @property
    def timepoints(self) -> list[str]:
        return list(self.meta.get("timepoints", []))

    def __repr__(self) -> str:
        synth = ", SYNTHETIC data" if self.synthetic else ""
        return (f"<Results {self.meta.get('study_name', '')!r}{synth}: {len(self.tables)} tables, "
                f"{len(self.figures)} figures; results['prepost'], list(results) for names>")

    def _repr_html_(self) -> str:  # pragma: no cover - display only
        from html import escape

        banner = ("<p><b>SYNTHETIC EXAMPLE DATA</b> — not real participants.</p>" if self.synthetic else "")
        rows = "".join(
            f"<tr><td>{escape(n)}</td><td>{len(t)}</td><td>{escape(', '.join(map(str, t.columns[:8])))}"
            f"{' …' if t.shape[1] > 8 else ''}</td></tr>" for n, t in self.tables.items()
        )
        return (f"<div><h4>evaltool results: {escape(str(self.meta.get('study_name', '')))}</h4>{banner}"
                f"<table><tr><th>table</th><th>rows</th><th>columns</th></tr>{rows}</table></div>")


_TP_TABLE_COLUMNS = ("timepoint", "time_from", "time_to")


def load_results(folder: str | Path) -> Results:
    """Reload results written by ``evaltool analyse`` (tables from ``tables/*.csv``).

    Timepoint columns come back as ordered categoricals in the study's order; missing text
    comes back as ``""`` (a CSV file cannot tell the two apart).

    Parameters
    ----------
    folder
        The results folder (``evaltool analyse --out``; it holds ``manifest.json``).

    Returns
    -------
    Results
        Every table of ``tables/``, the run metadata from the manifest, no figures.

    Raises
    ------
    InputError
        When the folder has no ``manifest.json``.

    Examples
    --------
    A minimal folder as ``evaltool analyse`` writes it (``manifest.json`` and one table):

    >>> import json, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "tables").mkdir()
    >>> _ = (folder / "tables" / "flow.csv").write_text(
    ...     "timepoint,stage,detail,n\\nT2,responded,,62\\nT1,responded,,66\\n")
    >>> _ = (folder / "manifest.json").write_text(
    ...     json.dumps({"results": {"timepoints": ["T1", "T2"], "synthetic": True}}))
    >>> saved = load_results(folder)
    >>> saved.synthetic, saved["flow"]["timepoint"].cat.categories.tolist()
    (True, ['T1', 'T2'])
    """
    folder = Path(folder)
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        raise InputError(
            "is not an evaltool results folder (no manifest.json).", file=folder,
            fix="give the --out folder of 'evaltool analyse'.",
        )
    meta = json.loads(manifest.read_text(encoding="utf-8"))
    info = meta.get("results", {})
    tps = info.get("timepoints", [])
    tables: dict[str, pd.DataFrame] = {}
    for p in sorted((folder / "tables").glob("*.csv")):
        t = pd.read_csv(p, keep_default_na=False, na_values=[""])  # "N/A" in an answer is text
        for c in t.columns:  # CSV cannot tell "" from missing text: text columns use ""
            if t[c].dtype == object or pd.api.types.is_string_dtype(t[c].dtype):
                t[c] = t[c].fillna("")
        for c in _TP_TABLE_COLUMNS:
            if c in t.columns and tps:
                t[c] = pd.Categorical(t[c], categories=tps, ordered=True)
        tables[p.stem] = t
    return Results(tables=tables, meta=info, out_dir=folder)
