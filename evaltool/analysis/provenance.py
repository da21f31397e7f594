"""Provenance of a run: the inputs by hash, the instruments and codebook used, software, time."""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import sha256_file
from .._version import __version__
from .results import Provenance

if TYPE_CHECKING:
    from .pipeline import Run

__all__ = ["MANIFEST_PACKAGES", "package_versions", "provenance_of"]

MANIFEST_PACKAGES = ("evaltool", "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "scikit-learn",
                     "pydantic", "pyyaml", "jinja2", "openpyxl", "pyreadstat", "pyarrow", "krippendorff",
                     "weasyprint", "python-docx")


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that can change a number or a file."""
    out = {}
    for name in MANIFEST_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[name] = "not installed"
    return out


def _file(path: Path) -> dict[str, str]:
    return {"path": str(path), "sha256": sha256_file(path)}


def _instruments(run: Run) -> list[dict[str, Any]]:
    """One entry per instrument of the study file: packaged, or the user's file with its hash."""
    out: list[dict[str, Any]] = []
    for spec in run.spec.instruments:
        ref = str(spec.id)
        if ref.endswith((".yaml", ".yml")):
            p = Path(run.study.resolve(ref))
            out.append({"ref": ref, "source": "file", **(_file(p) if p.is_file() else {"path": str(p)})})
        else:
            out.append({"ref": ref, "source": "packaged"})
    linked = run.linked
    versions = {i.id: i.version or "" for i in linked.instruments.values()} if linked is not None else {}
    for entry in out:
        entry["version"] = versions.get(Path(entry["ref"]).stem if entry["source"] == "file" else entry["ref"], "")
    return out


def _codebook(run: Run) -> dict[str, Any]:
    book = run.codebook
    if book is None:
        return {}
    ref = run.spec.analysis.codebook
    entry: dict[str, Any] = {"id": getattr(book, "id", str(ref)), "version": str(getattr(book, "version", "") or ""),
                             "source": "packaged"}
    if ref is not None and str(ref).endswith((".yaml", ".yml")):
        entry.update(source="file", **_file(Path(run.study.resolve(ref))))
    return entry


def provenance_of(run: Run) -> Provenance:
    """Everything needed to say where the results came from (no participant data)."""
    inputs = run.tables.get("inputs")
    rows = [] if inputs is None else [
        {"source": r["source"], "path": r["path"], "format": r["format"], "encoding": r["encoding"],
         "rows": int(r["rows"]), "sha256": r["sha256"]} for r in inputs.to_dict("records")]
    return Provenance(
        created=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"), evaltool=__version__,
        python=sys.version.split()[0], platform=platform.platform(), packages=package_versions(),
        study_file=_file(Path(run.study.path)), inputs=tuple(rows), instruments=tuple(_instruments(run)),
        codebook=_codebook(run),
    )
