"""Write a :class:`Results` to a folder, completely or not at all.

Layout (``research/`` is for the research team only; everything else may be shared)::

    report.html, report.docx          the study report (views of the results)
    cohort_reports/<cohort>.html      one facilitator report per cohort
    results.xlsx                      shareable summary tables, formatted, index sheet first
    tables/<name>.csv, .parquet       shareable tables (CSV for people, Parquet exact)
    figures/<name>.png, .svg          figures (300 dpi PNG, SVG)
    definitions/                      the instruments and codebook used (resolved copies)
    research/                         participant-level tables, raw free text, .qdpx, study file
    manifest.json                     options, study summary, provenance, every file's SHA-256
    reproduce.ipynb                   re-runs the analysis and checks every table here

The folder is first written next to the target under a temporary name and renamed when
complete, so an interrupted or failed run leaves the previous results (or nothing).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from .._files import sha256_file
from ..errors import OutputError
from ..output import write_csv
from ..study import StudyFile
from . import names as N
from .results import Results

__all__ = ["MANIFEST", "RESEARCH_DIR", "check_destination", "write_results"]

MANIFEST = "manifest.json"
RESEARCH_DIR = "research"
FORMAT_VERSION = 2
"""Version of the results-folder layout (``load_results`` refuses other versions)."""

RESEARCH_README = """# Research-only files — do not share

This folder holds what the research team needs and nobody else may see: one row per
participant or answer (scores, reliable change per person, codings), the raw free-text answers
(which may contain names, phone numbers or other identifying details), the exclusions and
problems tables (with row numbers of the exports), the study file (with the redaction lists)
and the REFI-QDA project (`free_text.qdpx`) for CAQDAS software.

Keep it where the study's data-protection rules allow participant data. Everything outside
this folder (reports, `results.xlsx`, `tables/`, `figures/`) holds cohort- or study-level
numbers that passed disclosure control and redacted quotes only, and may be shared as the
study's governance allows.
"""


def _inputs(sf: StudyFile) -> list[Path]:
    paths = [Path(sf.path)]
    for e in sf.spec.exports:
        paths += [sf.resolve(p) for p in e.paths]
        if e.dictionary:
            paths.append(sf.resolve(e.dictionary))
    for i in sf.spec.instruments:
        if str(i.id).endswith((".yaml", ".yml")):
            paths.append(sf.resolve(i.id))
    cb = sf.spec.analysis.codebook
    if cb and str(cb).endswith((".yaml", ".yml")):
        paths.append(sf.resolve(cb))
    if sf.spec.participant_id.linking_table:
        paths.append(sf.resolve(sf.spec.participant_id.linking_table))
    return paths


def check_destination(sf: StudyFile, out: str | Path, *, overwrite: bool) -> Path:
    """The results folder to write, after every safety check (nothing is created yet).

    Refuses: a symlink; a file; a folder that holds (or is) an input of the study; a non-empty
    folder without ``overwrite``; with ``overwrite``, a non-empty folder that is not an evaltool
    results folder (it would be replaced as a whole).
    """
    given = Path(out).expanduser()
    if given.is_symlink():
        raise OutputError("the results folder is a symbolic link.", file=given,
                          fix="give the real folder, or a new folder name for --out.")
    target = given.absolute()
    if target.exists() and not target.is_dir():
        raise OutputError("the output path is a file, not a folder.", file=given, fix="choose a folder name for --out.")
    real = Path(os.path.realpath(target))
    for p in _inputs(sf):
        rp = Path(os.path.realpath(p))
        if rp == real or real in rp.parents:
            raise OutputError("the results folder holds an input of the study (it would be replaced).",
                              file=given, fix="choose a separate --out folder; evaltool never writes over its inputs.")
    if target.exists() and any(target.iterdir()):
        if not overwrite:
            raise OutputError("the output folder is not empty.", file=given,
                              fix="choose a new --out folder, or pass --overwrite to replace the previous results.")
        if not (target / MANIFEST).is_file():
            raise OutputError("--overwrite would replace a folder that is not an evaltool results folder.",
                              file=given, fix="choose a new --out folder; evaltool only replaces its own results.")
    return target


@contextmanager
def _atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target`` as a whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "previous")
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_table(name: str, frame: pd.DataFrame, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    csv = write_csv(frame, folder / f"{name}.csv")
    pq = folder / f"{name}.parquet"
    _to_parquet(frame, pq)
    return [csv, pq]


def _to_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Exact copy for :func:`load_results` (types, missing values, categories kept)."""
    out = frame.copy()
    for c in out.columns:  # mixed-type object columns (e.g. labels and numbers) as text
        if out[c].dtype == object:
            kinds = {type(v) for v in out[c].dropna().head(10_000)}
            if len(kinds) > 1:
                out[c] = out[c].map(lambda v: v if v is None or (isinstance(v, float) and v != v) else str(v))
    out.to_parquet(path, index=False)


def _tables(results: Results, root: Path) -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    shareable = results.shareable_tables()
    for name, frame in results.tables.items():
        kind = N.table_kind(name)
        files: list[Path] = []
        if kind == N.SHAREABLE:
            files += _write_table(name, shareable[name], root / "tables")
            if N.private_columns(name):
                files += _write_table(name, frame, root / RESEARCH_DIR / "tables")
        else:
            files += _write_table(name, frame, root / RESEARCH_DIR / "tables")
        index[name] = {"kind": kind, "rows": int(len(frame)), "columns": [str(c) for c in frame.columns],
                       "object_columns": [str(c) for c in frame.columns if frame[c].dtype == object],
                       "files": [str(p.relative_to(root)) for p in files]}
    return index


def figure_folder(shareable: bool) -> str:
    """Where a figure is written: ``figures/``, or ``research/figures/`` when it shows
    individual people's scores."""
    return "figures" if shareable else f"{RESEARCH_DIR}/figures"


def _figures(results: Results, root: Path) -> None:
    for name, fig in results.figures.items():
        d = root / figure_folder(fig.shareable)
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.svg").write_text(fig.svg, encoding="utf-8")
        (d / f"{name}.png").write_bytes(fig.png)


def _definitions(results: Results, root: Path) -> None:
    import yaml

    d = root / "definitions"
    d.mkdir()
    for inst in results.instruments.values():
        text = yaml.safe_dump(inst.model_dump(mode="json", exclude_none=True), sort_keys=False, allow_unicode=True)
        (d / f"instrument_{inst.id}.yaml").write_text(text, encoding="utf-8")
    if results.codebook is not None:
        text = yaml.safe_dump(results.codebook.model_dump(mode="json", exclude_none=True), sort_keys=False,
                              allow_unicode=True)
        (d / "codebook.yaml").write_text(text, encoding="utf-8")


def _research(results: Results, sf: StudyFile, root: Path) -> None:
    from .workbook import write_formatted_workbook

    r = root / RESEARCH_DIR
    r.mkdir(exist_ok=True)
    (r / "README.md").write_text(RESEARCH_README, encoding="utf-8")
    shutil.copyfile(sf.path, r / "study.yaml")
    (r / "redaction.json").write_text(json.dumps({k: list(v) for k, v in results.redaction.items()}, indent=1),
                                      encoding="utf-8")
    research = {n: t for n, t in results.tables.items() if not N.is_shareable(n) or N.private_columns(n)}
    write_formatted_workbook(research, r / "research.xlsx", title=f"{results.study.name}: research-only tables",
                             banner="RESEARCH ONLY — participant-level data; do not share.")
    if N.CODINGS in results.tables and results.codebook is not None:
        import warnings

        from ..errors import EvaltoolWarning
        from ..qual import to_qdpx

        groups = list(results.study.groups)
        participants = results.tables[N.PARTICIPANTS][["participant_id", *groups]]
        with warnings.catch_warnings():  # the data-loss notes are in the manifest instead
            warnings.simplefilter("ignore", EvaltoolWarning)
            to_qdpx(results.tables[N.FREE_TEXT], results.tables[N.CODINGS], results.codebook,
                    r / "free_text.qdpx", participants=participants, name=results.study.name)


def _summary_workbook(results: Results, root: Path) -> None:
    from .workbook import write_formatted_workbook

    banner = "SYNTHETIC EXAMPLE DATA — not real participants." if results.synthetic else ""
    write_formatted_workbook(results.shareable_tables(), root / "results.xlsx",
                             title=f"{results.study.name}: summary tables", banner=banner)


def _provenance(results: Results, target: Path) -> dict[str, Any]:
    """Provenance with each input's path also relative to the results folder (to find inputs
    again when a project folder is moved as a whole)."""
    prov = results.provenance.to_dict()
    for entry in [prov.get("study_file", {}), *prov.get("inputs", [])]:
        if entry.get("path"):
            try:
                entry["relative_to_results"] = os.path.relpath(entry["path"], target)
            except ValueError:  # another drive (Windows)
                pass
    return prov


def manifest_of(results: Results, root: Path, index: dict[str, Any], target: Path) -> dict[str, Any]:
    """The manifest: what the results are and every file with its SHA-256."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST)
    redaction = json.dumps({k: sorted(v) for k, v in results.redaction.items()}, sort_keys=True)
    import hashlib

    return {
        "tool": "evaltool", "format": FORMAT_VERSION, "synthetic_data": results.synthetic,
        "study": results.study.to_dict(), "options": results.options.to_dict(),
        "notes": list(results.notes),
        "figures": [f.meta() for f in results.figures.values()],
        "tables": index,
        "provenance": _provenance(results, target),
        "redaction_sha256": hashlib.sha256(redaction.encode("utf-8")).hexdigest(),
        "files": [{"path": str(p.relative_to(root)), "sha256": sha256_file(p),
                   "kind": "research" if p.relative_to(root).parts[0] == RESEARCH_DIR else "shareable"}
                  for p in files],
    }


def write_results(results: Results, sf: StudyFile, target: Path, *, overwrite: bool = False) -> Results:
    """Write every output of ``results`` into ``target`` (see the module docstring); return the
    results with ``out_dir`` set. ``target`` has passed :func:`check_destination`."""
    from ..report import write_reports
    from .reproduce import write_reproduce_notebook

    with _atomic_folder(target) as root:
        index = _tables(results, root)
        _figures(results, root)
        _definitions(results, root)
        _research(results, sf, root)
        _summary_workbook(results, root)
        saved = replace(results, out_dir=target)
        write_reports(saved, root)
        write_reproduce_notebook(root, study_name=results.study.name, synthetic=results.synthetic)
        manifest = manifest_of(results, root, index, target)
        (root / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
    return saved
