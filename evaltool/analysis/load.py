"""Load a results folder back into the same :class:`Results` ``analyse`` returned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .._files import sha256_file
from ..errors import InputError
from . import names as N
from .results import Figure, Options, Provenance, Results, StudySummary

__all__ = ["load_results", "verify_folder"]

_MANIFEST = "manifest.json"
_RESEARCH = "research"


def _manifest(folder: Path) -> dict[str, Any]:
    if not folder.exists():
        raise InputError("was not found.", file=folder, fix="give the --out folder of 'evaltool analyse'.")
    if not folder.is_dir():
        raise InputError("is a file, not a results folder.", file=folder,
                         fix="give the --out folder of 'evaltool analyse'.")
    path = folder / _MANIFEST
    if not path.is_file():
        raise InputError("is not an evaltool results folder (no manifest.json).", file=folder,
                         fix="give the --out folder of 'evaltool analyse'.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError("has a manifest.json that cannot be read.", file=path,
                         fix="re-run 'evaltool analyse' to write the results again.") from None
    if manifest.get("tool") != "evaltool" or manifest.get("format") != 2:
        raise InputError("was written by another version of evaltool (its layout is not this one's).", file=folder,
                         fix="re-run 'evaltool analyse' with this version to write the results again.")
    return manifest


def verify_folder(folder: str | Path, *, research: bool = False) -> list[str]:
    """Check every file listed in the manifest against its SHA-256.

    Parameters
    ----------
    folder
        A results folder.
    research
        Also require the research-only files (a shared copy usually leaves ``research/`` out).

    Returns
    -------
    list of str
        The research-only files that are absent (allowed when ``research`` is False).

    Raises
    ------
    InputError
        Naming the first file that is missing or altered, or a file that is not in the manifest
        where results belong (a stale report from an earlier run).
    """
    folder = Path(folder)
    manifest = _manifest(folder)
    absent: list[str] = []
    listed = set()
    for f in manifest.get("files", []):
        rel = str(f["path"])
        listed.add(rel)
        p = folder / rel
        if not p.is_file():
            if f.get("kind") == "research" and not research:
                absent.append(rel)
                continue
            raise InputError(f"is incomplete: {rel} is missing.", file=folder,
                             fix="re-run 'evaltool analyse', or copy the whole results folder again.")
        if sha256_file(p) != f["sha256"]:
            raise InputError(f"was changed after the analysis: {rel} differs from the file evaltool wrote.",
                             file=folder, fix="re-run 'evaltool analyse' to write the results again; never edit "
                                              "the files of a results folder (copy a table to edit it).")
    for sub in ("tables", "figures", "cohort_reports"):
        for p in sorted((folder / sub).glob("*")) if (folder / sub).is_dir() else []:
            rel = str(p.relative_to(folder))
            if p.is_file() and rel not in listed:
                raise InputError(f"holds a file the analysis did not write: {rel}.", file=folder,
                                 fix="re-run 'evaltool analyse' into a new folder; never mix files of two runs.")
    return absent


def _table(folder: Path, info: dict[str, Any], name: str) -> pd.DataFrame | None:
    files = [folder / f for f in info.get("files", []) if str(f).endswith(".parquet")]
    research = [p for p in files if p.relative_to(folder).parts[0] == _RESEARCH and p.is_file()]
    pick = research or [p for p in files if p.is_file()]
    if not pick:
        return None
    t = pd.read_parquet(pick[0])
    for c in info.get("object_columns", []):  # Parquet reads text as the string dtype
        if c in t.columns and t[c].dtype != object:
            t[c] = t[c].astype(object).where(t[c].notna(), None)
    return t


def load_results(folder: str | Path, *, verify: bool = True) -> Results:
    """Reload a results folder written by ``evaltool analyse``.

    Parameters
    ----------
    folder
        The results folder (``evaltool analyse --out``).
    verify
        Check every file against the SHA-256 in ``manifest.json`` first (default); an altered
        or incomplete folder is refused. A copy without ``research/`` loads without the
        research-only tables.

    Returns
    -------
    Results
        The same tables (exact types and missing values, from the Parquet copies), figures,
        options, study summary, resolved instruments and codebook, provenance and notes that
        ``analyse`` returned.

    Raises
    ------
    InputError
        When the folder does not exist, is not a results folder, or fails verification.

    Examples
    --------
    >>> import tempfile
    >>> from evaltool import analyse
    >>> from evaltool.examples import example_study_path
    >>> out = tempfile.mkdtemp() + "/results"
    >>> res = analyse(example_study_path(), out=out)
    >>> again = load_results(out)
    >>> again["prepost"].equals(res["prepost"]), again.options == res.options
    (True, True)
    """
    folder = Path(folder)
    manifest = _manifest(folder)
    if verify:
        verify_folder(folder)
    tables: dict[str, pd.DataFrame] = {}
    for name, info in manifest.get("tables", {}).items():
        t = _table(folder, info, name)
        if t is not None:
            tables[name] = t
    figures = {}
    for meta in manifest.get("figures", []):
        shareable = bool(meta.get("shareable", True))
        stem = folder / ("figures" if shareable else f"{_RESEARCH}/figures") / str(meta["name"])
        svg, png = Path(f"{stem}.svg"), Path(f"{stem}.png")
        if svg.is_file() and png.is_file():
            figures[meta["name"]] = Figure(name=meta["name"], caption=meta.get("caption", ""), alt=meta.get("alt", ""),
                                           svg=svg.read_text(encoding="utf-8"), png=png.read_bytes(),
                                           scale=meta.get("scale"), shareable=shareable)
    instruments, codebook = _definitions(folder)
    redaction: dict[str, tuple[str, ...]] = {}
    red = folder / _RESEARCH / "redaction.json"
    if red.is_file():
        redaction = {k: tuple(v) for k, v in json.loads(red.read_text(encoding="utf-8")).items()}
    return Results(
        tables=tables, figures=figures, options=Options.from_dict(manifest.get("options", {})),
        study=StudySummary.from_dict(manifest.get("study", {})), instruments=instruments, codebook=codebook,
        provenance=Provenance.from_dict(manifest.get("provenance", {})), notes=tuple(manifest.get("notes", [])),
        redaction=redaction, out_dir=folder,
    )


def _definitions(folder: Path) -> tuple[dict[str, Any], Any]:
    import yaml

    d = folder / "definitions"
    instruments: dict[str, Any] = {}
    codebook = None
    if not d.is_dir():
        return instruments, codebook
    from ..instruments.schema import Instrument

    for p in sorted(d.glob("instrument_*.yaml")):
        inst = Instrument.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
        instruments[inst.id] = inst
    cb = d / "codebook.yaml"
    if cb.is_file():
        from ..qual.codebook import Codebook

        codebook = Codebook.model_validate(yaml.safe_load(cb.read_text(encoding="utf-8")))
    return instruments, codebook


def research_tables(results: Results) -> list[str]:
    """Names of the research-only tables present in ``results``."""
    return [n for n in results.tables if not N.is_shareable(n)]


def record_files(folder: str | Path, paths: list[Path]) -> None:
    """Add (or update) files written into a results folder by a report command in its manifest.

    Only shareable report files may be recorded this way; the folder was verified before.
    """
    folder = Path(folder)
    path = folder / _MANIFEST
    manifest = _manifest(folder)
    files = {f["path"]: f for f in manifest.get("files", [])}
    for p in paths:
        rel = str(Path(p).resolve().relative_to(folder.resolve()))
        files[rel] = {"path": rel, "sha256": sha256_file(Path(p)), "kind": "shareable"}
    manifest["files"] = [files[k] for k in sorted(files)]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)
