"""Write results to a folder: tables, workbook, figures, manifest (and reports, notebook)."""

from __future__ import annotations

import datetime as _dt
import json
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from .._files import sha256_file
from ..output import write_workbook
from ..study import StudyFile
from .reproduce import write_reproduce_notebook
from .results import Results

__all__ = ["MANIFEST_PACKAGES", "write_results"]

MANIFEST_PACKAGES = ("evaltool", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "scikit-learn",
                     "pydantic", "pyyaml", "jinja2", "openpyxl", "pyreadstat", "krippendorff", "weasyprint")


def _versions() -> dict[str, str]:
    out = {}
    for name in MANIFEST_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[name] = "not installed"
    return out




def write_results(results: Results, study: StudyFile, out_dir: Path) -> dict[str, Any]:
    """Write every table, the workbook, figures and ``manifest.json``; return the manifest."""
    from ..plots import save_figure

    tables_dir = out_dir / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    for name, frame in results.tables.items():
        path = tables_dir / f"{name}.csv"
        frame.to_csv(path, index=False)
        written.append(str(path.relative_to(out_dir)))
    wb = write_workbook(dict(results.tables), out_dir / "results.xlsx")
    written.append(wb.name)
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(exist_ok=True)
    for name, fig in results.figures.items():
        for p in save_figure(fig, fig_dir / name):
            written.append(str(p.relative_to(out_dir)))
    (out_dir / "study.yaml").write_text(study.path.read_text(encoding="utf-8"), encoding="utf-8")
    written.append("study.yaml")
    if "codings" in results.tables and study.spec.analysis.codebook:
        import warnings

        from ..errors import EvaltoolWarning
        from ..qual import to_qdpx
        from .pipeline import study_codebook

        groups = [g.name for g in study.spec.groups]
        participants = results.tables["participants"][["participant_id", *groups]]
        with warnings.catch_warnings():  # the data-loss notes are in the manifest instead
            warnings.simplefilter("ignore", EvaltoolWarning)
            to_qdpx(results.tables["free_text"], results.tables["codings"], study_codebook(study),
                    out_dir / "free_text.qdpx", participants=participants, name=study.spec.name)
        written.append("free_text.qdpx")
    from ..report import write_reports

    for p in write_reports(results, out_dir).values():
        written.append(str(Path(p).relative_to(out_dir)))
    written.append(write_reproduce_notebook(out_dir, study.path).name)
    inputs = results.tables.get("inputs")
    manifest: dict[str, Any] = {
        "tool": "evaltool",
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "synthetic_data": results.synthetic,
        "study_file": {"path": str(study.path), "sha256": sha256_file(study.path), "copy": "study.yaml"},
        "inputs": [] if inputs is None else [
            {"source": r["source"], "path": r["path"], "format": r["format"], "encoding": r["encoding"],
             "rows": int(r["rows"]), "sha256": r["sha256"]} for r in inputs.to_dict("records")
        ],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": _versions(),
        "seed": study.spec.analysis.seed,
        "results": json.loads(json.dumps(dict(results.meta), default=str)),
        "files": sorted(written),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest
