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
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..output import write_csv
from ..study import StudyFile
from . import names as N
from .results import Results

__all__ = ["MANIFEST", "RESEARCH_DIR", "EarlyQdpx", "check_destination", "start_qdpx", "write_results"]

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

`research.xlsx` holds each table as a formatted sheet while it is small (at most {cells} cells,
rows × columns); a larger table has a sheet that names its full copy in `tables/` here (CSV,
opens in Excel; Parquet, exact types). `manifest.json` (`workbooks`) lists those tables.
"""


def check_destination(sf: StudyFile, out: str | Path, *, overwrite: bool) -> Path:
    """The results folder to write, after every safety check (nothing is created yet): never a
    link, a file, a folder that is or holds an input of the study, or a folder inside one; a
    non-empty folder only with ``overwrite``, and then only an evaltool results folder (it is
    replaced as a whole)."""
    from ..privacy.paths import OutputGuard, study_inputs

    return OutputGuard(study_inputs(sf)).folder(out, overwrite=overwrite)


def _write_table(name: str, frame: pd.DataFrame, folder: Path) -> list[Path]:
    """``<name>.csv`` and ``<name>.parquet``: the frame is converted to Arrow once and both
    files are written from that (pyarrow kernels, no per-cell Python); the Arrow copy is
    dropped (and its memory handed back) before the next table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..privacy._safe_arrow import arrow_table, mixed_columns

    folder.mkdir(parents=True, exist_ok=True)
    mixed = mixed_columns(frame)
    table = arrow_table(frame, mixed)  # exact copy for load_results (types, missing values, categories)
    csv = write_csv(frame, folder / f"{name}.csv", table, mixed)
    pq.write_table(table, folder / f"{name}.parquet", compression="snappy")
    del table
    pa.default_memory_pool().release_unused()
    return [csv, folder / f"{name}.parquet"]


def _tables(results: Results, root: Path) -> dict[str, dict[str, Any]]:
    """Each table's CSV and Parquet files (one table at a time: the shareable view of a table
    is made just before it is written and dropped after); returns the manifest's index."""
    from .masks import shareable_view

    index: dict[str, dict[str, Any]] = {}
    for name, frame in results.tables.items():
        kind = N.table_kind(name)
        files: list[Path] = []
        if kind == N.SHAREABLE:
            files += _write_table(name, shareable_view(name, frame, results.tables), root / "tables")
            if N.private_columns(name) or N.is_masked(name):
                files += _write_table(name, frame, root / RESEARCH_DIR / "tables")
        else:
            files += _write_table(name, frame, root / RESEARCH_DIR / "tables")
        index[name] = {"kind": kind, "rows": int(len(frame)), "columns": [str(c) for c in frame.columns],
                       "object_columns": [str(c) for c, t in frame.dtypes.items() if pd.api.types.is_object_dtype(t)],
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


def _research(results: Results, sf: StudyFile, root: Path, with_qdpx: bool = True) -> list[str]:
    """The research-only folder (its ``.qdpx`` only ``with_qdpx``: else it was started early,
    :func:`start_qdpx`); returns the tables too large for ``research.xlsx``."""
    from .workbook import MAX_SHEET_CELLS, write_formatted_workbook

    r = root / RESEARCH_DIR
    r.mkdir(exist_ok=True)
    (r / "README.md").write_text(RESEARCH_README.format(cells=f"{MAX_SHEET_CELLS:,}"), encoding="utf-8")
    shutil.copyfile(sf.path, r / "study.yaml")
    (r / "redaction.json").write_text(json.dumps({k: list(v) for k, v in results.redaction.items()}, indent=1),
                                      encoding="utf-8")
    research = {n: t for n, t in results.tables.items()
                if not N.is_shareable(n) or N.private_columns(n) or N.is_masked(n)}
    _, bounded = write_formatted_workbook(
        research, r / "research.xlsx", title=f"{results.study.name}: research-only tables",
        banner="RESEARCH ONLY — participant-level data; do not share.",
        elsewhere={n: f"{RESEARCH_DIR}/tables/{n}.csv" for n in research})
    if with_qdpx:
        _qdpx(results.tables, results.codebook, results.study.name, results.study.groups, r)
    return bounded


QDPX = "free_text.qdpx"


def _qdpx(tables: Mapping[str, pd.DataFrame], codebook: Any, name: str, groups: Any, r: Path) -> None:
    """``free_text.qdpx`` in ``r`` (REFI-QDA: the free text, codings, codebook and each
    participant's groups), when the study has codings."""
    if N.CODINGS in tables and codebook is not None:
        import warnings

        from ..errors import EvaltoolWarning
        from ..qual import to_qdpx

        participants = tables[N.PARTICIPANTS][["participant_id", *groups]]
        with warnings.catch_warnings():  # the data-loss notes are in the manifest instead
            warnings.simplefilter("ignore", EvaltoolWarning)
            to_qdpx(tables[N.FREE_TEXT], tables[N.CODINGS], codebook, r / QDPX, participants=participants,
                    name=name)


class EarlyQdpx:
    """The ``.qdpx`` of ``research/``, written ahead (:func:`start_qdpx`) into a private staging
    folder beside the results folder; :meth:`move_into` waits for it and moves it into place."""

    def __init__(self, staging: Path, job: Any) -> None:
        self.staging = staging
        self.job = job

    def move_into(self, research: Path) -> None:
        """Wait for the file (written again here if its process failed) and move it into
        ``research`` (same disk: a rename)."""
        self.job.result()
        if (self.staging / QDPX).exists():
            os.replace(self.staging / QDPX, research / QDPX)


def _staging(stack: Any, target: Path) -> Path | None:
    """A hidden empty folder beside ``target``, named like the results folder's own temporary
    folder (so that one left by a killed run is removed by the next run), removed when
    ``stack`` closes (also on an error or Ctrl-C; a hard stop removes it as one of this
    process's temporary folders). None when it cannot be made (the writing reports why)."""
    import secrets

    from ..privacy import atomic

    staging = target.parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        staging.mkdir()
    except OSError:
        return None
    atomic.track_temporary(staging)  # removed by the Ctrl-C hard stop with the results' temporaries

    def remove() -> None:
        shutil.rmtree(staging, ignore_errors=True)
        atomic.track_temporary(staging, live=False)

    stack.callback(remove)
    return staging


def start_qdpx(run: Any) -> None:
    """Start writing ``research/free_text.qdpx`` (the longest single writer: about 7 s of CPU and
    0.4 GB beside the inherited results at 100,000 participants) right after "qualitative coding", when its inputs (free text,
    codings, codebook, participants' groups) are final — no later step changes them — and the
    analysis writes a folder whose parent exists. It runs in a forked process that starts
    once the figures' process (:func:`~.steps.figures.start_figures`) has ended, which is when
    the "figures" step has collected its value (a list of figures larger than a pipe's buffer:
    the child ends once it is read): the two run one after the other instead of three
    processes competing for two CPUs (measured at 100,000 participants on 2 CPUs: a process
    of lower priority instead starved on a busy machine; starting both at once peaked above
    4 GB). :func:`write_results` moves
    it into ``research/``. ``run.stack`` stops the process and removes the staging folder on an
    error or Ctrl-C."""
    from ._background import Background

    target = run.target
    if target is None or not target.parent.is_dir() or N.CODINGS not in run.tables or run.codebook is None:
        return
    staging = _staging(run.stack, target)
    if staging is None:
        return
    tables = {n: run.tables[n] for n in (N.FREE_TEXT, N.CODINGS, N.PARTICIPANTS)}
    codebook, name, groups = run.codebook, run.spec.name, tuple(run.groups)
    figures = run.early.get("figures")  # (queue, drawn, Background) of start_figures
    job = run.stack.enter_context(Background(lambda: _qdpx(tables, codebook, name, groups, staging),
                                             after=figures[2] if figures else None))
    run.early["qdpx"] = EarlyQdpx(staging, job)


def _summary_workbook(results: Results, root: Path) -> list[str]:
    """``results.xlsx``; returns the tables too large for it (see :data:`~.workbook.MAX_SHEET_CELLS`)."""
    from .workbook import write_formatted_workbook

    banner = "SYNTHETIC EXAMPLE DATA — not real participants." if results.synthetic else ""
    shareable = results.shareable_tables()
    _, bounded = write_formatted_workbook(shareable, root / "results.xlsx",
                                          title=f"{results.study.name}: summary tables", banner=banner,
                                          elsewhere={n: f"tables/{n}.csv" for n in shareable})
    return bounded


def _workbooks_note(summary: list[str], research: list[str]) -> dict[str, Any]:
    """The manifest's record of which tables the workbooks hold only as a pointer sheet."""
    from .workbook import MAX_SHEET_CELLS

    return {"max_sheet_cells": MAX_SHEET_CELLS,
            "rule": "a table of more cells (rows x columns) than max_sheet_cells has a sheet naming "
                    "its CSV and Parquet files instead of its rows",
            "results.xlsx": {"tables_elsewhere": summary},
            f"{RESEARCH_DIR}/research.xlsx": {"tables_elsewhere": research}}


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


def manifest_of(results: Results, root: Path, index: dict[str, Any], target: Path,
                workbooks: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest: what the results are and every file with its SHA-256."""
    from ..privacy.atomic import manifest_files

    redaction = json.dumps({k: sorted(v) for k, v in results.redaction.items()}, sort_keys=True)
    import hashlib

    return {
        "tool": "evaltool", "format": FORMAT_VERSION, "synthetic_data": results.synthetic,
        "study": results.study.to_dict(), "options": results.options.to_dict(),
        "notes": list(results.notes),
        "figures": [f.meta() for f in results.figures.values()],
        "tables": index,
        **({"workbooks": workbooks} if workbooks is not None else {}),
        "provenance": _provenance(results, target),
        "redaction_sha256": hashlib.sha256(redaction.encode("utf-8")).hexdigest(),
        "files": manifest_files(root),
    }


def write_results(results: Results, sf: StudyFile, target: Path, *, overwrite: bool = False,
                  early: EarlyQdpx | None = None) -> Results:
    """Write every output of ``results`` into ``target`` (see the module docstring); return the
    results with ``out_dir`` set. ``target`` has passed :func:`check_destination`. ``early``:
    the ``.qdpx`` started ahead by :func:`start_qdpx` (moved in here instead of written)."""
    from ..privacy.atomic import atomic_folder
    from ..report import write_reports
    from ._background import Background
    from .reproduce import write_reproduce_notebook

    with atomic_folder(target, overwrite=overwrite) as root:
        # research/ (its workbook and the .qdpx: the longest single writer) in a forked process
        # while this one writes the rest; it is stopped before the folder is removed on an error
        with Background(lambda: _research(results, sf, root, early is None)) as research:
            index = _tables(results, root)
            _figures(results, root)
            _definitions(results, root)
            summary_bounded = _summary_workbook(results, root)
            saved = replace(results, out_dir=target)
            write_reports(saved, root)
            write_reproduce_notebook(root, study_name=results.study.name, synthetic=results.synthetic)
            workbooks = _workbooks_note(summary_bounded, research.result())
        if early is not None:
            early.move_into(root / RESEARCH_DIR)
        manifest = manifest_of(results, root, index, target, workbooks)
        (root / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
    return saved
