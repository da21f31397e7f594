"""Where a command may write: never over, into or through an input; never outside its folder.

Every command that writes builds one :class:`OutputGuard` from its inputs (the study file,
exports, dictionaries, linking tables, instrument and codebook files, review sheets it reads)
and its output folder, and passes every path it is about to write through it:

- a path that is, or resolves (through symlinks, ``..``) to, an input is refused — with or
  without ``--overwrite``; so is a path inside an input folder, a dangling symlink, and a
  folder that contains an input;
- a path made from data (a cohort name) is sanitised by :func:`safe_name` and must stay
  inside the output folder (``--cohort "../../x"`` cannot escape);
- ``--overwrite`` replaces only an evaltool results folder (one with ``manifest.json``) or an
  empty folder, never any other non-empty folder;
- ``validate``-style outputs (:meth:`OutputGuard.folder` with ``empty=True``) go only into a
  new or empty folder.

Names made from data
--------------------
:func:`safe_name` keeps letters and digits of any script (after Unicode NFC normalisation),
``-``, ``_`` and ``.``; every other character becomes ``_``; leading and trailing dots,
underscores and spaces go; Windows' reserved device names get a trailing ``_``; long names
are cut. Two different values can still map to one name ("Ward A" and "Ward/A", or names that
differ only in case on a case-insensitive disk). :func:`unique_names` then gives *each* of the
clashing values a suffix made from a hash of the value itself (``Ward_A-1f3c9e``), so the names
never depend on which cohorts exist or their order, and no report overwrites another.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import OutputError

__all__ = ["OutputGuard", "is_results_folder", "safe_name", "study_inputs", "unique_names"]

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
_MAX = 80


def safe_name(value: object) -> str:
    """A file name (without extension) made from ``value``, safe on every operating system.

    Examples
    --------
    >>> safe_name("Ward A"), safe_name("Ward/A"), safe_name("../../x"), safe_name("Ward é")
    ('Ward_A', 'Ward_A', 'x', 'Ward_é')
    >>> safe_name("CON"), safe_name("..."), safe_name("=cmd|' /C calc'!A0")
    ('CON_', 'unnamed', 'cmd_C_calc_A0')
    """
    text = unicodedata.normalize("NFC", str(value))
    text = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)
    text = re.sub(r"_+", "_", text).strip("._ ")
    if not text:
        return "unnamed"
    if text.split(".")[0].casefold() in _RESERVED:
        text += "_"
    if len(text) > _MAX:
        text = text[: _MAX - 7] + "-" + _digest(value)
    return text


def _digest(value: object) -> str:
    return hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:6]


def unique_names(values: Iterable[object]) -> dict[str, str]:
    """``{value: file name}`` with no two values sharing a name, even on a case-insensitive disk.

    Values whose safe names clash all get a suffix from a hash of the value, so the result
    does not depend on which other values exist or their order.

    Examples
    --------
    >>> unique_names(["Ward A", "Ward/A", "C01"])
    {'Ward A': 'Ward_A-758089', 'Ward/A': 'Ward_A-80ccc1', 'C01': 'C01'}
    """
    keys = [str(v) for v in dict.fromkeys(values)]
    base = {v: safe_name(v) for v in keys}
    seen: dict[str, list[str]] = {}
    for v in keys:
        seen.setdefault(base[v].casefold(), []).append(v)
    out = {v: (base[v] if len(seen[base[v].casefold()]) == 1 else f"{base[v][:_MAX - 7]}-{_digest(v)}")
           for v in keys}
    if len({n.casefold() for n in out.values()}) != len(out):  # pragma: no cover - a 24-bit hash clash
        raise OutputError("two names made from the data map to the same file name even with a suffix.",
                          fix="rename one of the groups in the data.")
    return out


def study_inputs(study: Any) -> list[Path]:
    """Every file a study file makes evaltool read: itself, exports, dictionaries, linking
    table, instrument and codebook YAML files (``study`` is a loaded StudyFile).

    Examples
    --------
    >>> from evaltool.study import load_study
    >>> from evaltool.examples import example_study_path
    >>> sorted(p.name for p in study_inputs(load_study(example_study_path())))[:2]
    ['T1_baseline.csv', 'T2_post_workshop.csv']
    """
    spec = study.spec
    found: list[str] = []
    for e in spec.exports:
        found += list(e.paths)
        if getattr(e, "dictionary", None):
            found.append(e.dictionary)
    ids = getattr(spec, "ids", None) or getattr(spec, "participant_id", None)
    if ids is not None and getattr(ids, "linking_table", None):
        found.append(ids.linking_table)
    for inst in getattr(spec, "instruments", []) or []:
        if str(inst.id).endswith((".yaml", ".yml")):
            found.append(inst.id)
    cb = getattr(getattr(spec, "analysis", None), "codebook", None)
    if cb and str(cb).endswith((".yaml", ".yml")):
        found.append(cb)
    return [Path(study.path)] + [Path(study.resolve(p)) for p in found]


def is_results_folder(path: Path) -> bool:
    """Whether ``path`` holds an evaltool ``manifest.json`` (so ``--overwrite`` may replace it)."""
    try:
        data = json.loads((Path(path) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, Mapping) and data.get("tool") == "evaltool"


def _real(path: Path) -> Path:
    return Path(os.path.realpath(Path(path).expanduser()))


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


class OutputGuard:
    """Checks every path a command writes against its inputs and its output folder.

    Parameters
    ----------
    inputs
        Files (or folders) the command reads. Missing ones are still protected.
    root
        The command's output folder; paths made from data must stay inside it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "study.yaml").write_text("name: x")
    >>> guard = OutputGuard([d / "study.yaml"], root=d / "out")
    >>> guard.file(d / "sub" / ".." / "study.yaml")
    Traceback (most recent call last):
    ...
    evaltool.errors.OutputError: ...study.yaml: the output would overwrite an input file. Fix: ...
    >>> guard.child("../../etc/passwd", ".html").name
    'etc_passwd.html'
    """

    def __init__(self, inputs: Iterable[str | Path] = (), *, root: str | Path | None = None) -> None:
        self.inputs = [_real(Path(p)) for p in inputs]
        self.root = _real(Path(root)) if root is not None else None
        self._claimed: dict[str, Path] = {}

    # --- files ---------------------------------------------------------------------------
    def file(self, path: str | Path) -> Path:
        """``path`` if it may be written (a new or replaceable non-input file); else OutputError."""
        p = Path(path).expanduser()
        if p.is_symlink() and not p.exists():
            raise OutputError("the output is a symbolic link that points nowhere.", file=p,
                              fix="remove the link or choose another output path.")
        real = _real(p)
        for inp in self.inputs:
            if real == inp:
                raise OutputError("the output would overwrite an input file.", file=p,
                                  fix="choose another output path; evaltool never modifies its inputs.")
            if inp != real and _inside(real, inp) and inp.is_dir():
                raise OutputError("the output would be written inside an input folder.", file=p,
                                  fix="choose an output path outside the folders evaltool reads.")
        if real.exists() and real.is_dir():
            raise OutputError("the output path is a folder, not a file.", file=p, fix="give a file name.")
        self._claimed[os.path.normcase(str(real)).casefold()] = real
        return real

    def files(self, *paths: str | Path | None) -> list[Path | None]:
        """Check several outputs of one command at once (None = not asked for); two of them
        going to one file (also on a case-insensitive disk) is refused."""
        got = [None if p is None else self.file(p) for p in paths]
        keys = [os.path.normcase(str(g)).casefold() for g in got if g is not None]
        if len(keys) != len(set(keys)):
            raise OutputError("two outputs of this command would go to the same file.",
                              file=next(g for g in got if g is not None), fix="give each output its own file name.")
        return got

    def child(self, name: object, suffix: str = "", *, folder: str | Path | None = None,
              names: Mapping[str, str] | None = None) -> Path:
        """The path for an output named after data (e.g. a cohort) inside ``folder`` (default
        the root): sanitised (``names``, from :func:`unique_names`, when given), kept inside."""
        base = Path(folder) if folder is not None else self.root
        if base is None:
            raise OutputError("there is no output folder to put a named output in.")
        stem = names[str(name)] if names is not None and str(name) in names else safe_name(name)
        path = _real(base) / f"{stem}{suffix}"
        if self.root is not None and not _inside(path, self.root):
            raise OutputError("the output would be written outside the output folder.", file=path,
                              fix="use a name without folder parts.")
        return self.file(path)

    # --- folders -------------------------------------------------------------------------
    def folder(self, path: str | Path, *, overwrite: bool = False, empty: bool = False) -> Path:
        """Check an output folder before anything is written into (or replaces) it.

        ``empty``: it must be new or empty (``overwrite`` is then ignored). Otherwise a
        non-empty folder needs ``overwrite`` and must be an evaltool results folder.
        """
        p = Path(path).expanduser()
        if p.is_symlink():
            raise OutputError("the output folder is a symbolic link.", file=p,
                              fix="give the real folder, or a new folder name.")
        real = _real(p)
        for inp in self.inputs:
            if real == inp or _inside(inp, real):
                raise OutputError("the output folder is, or holds, a file evaltool reads.", file=p,
                                  fix="choose a separate output folder; evaltool never writes next to or over its inputs.")
            if _inside(real, inp) and inp.is_dir():
                raise OutputError("the output folder would be inside an input folder.", file=p,
                                  fix="choose an output folder outside the folders evaltool reads.")
        if real.exists() and not real.is_dir():
            raise OutputError("the output path is a file, not a folder.", file=p, fix="choose a folder name.")
        busy = real.exists() and any(real.iterdir())
        if busy and empty:
            raise OutputError("the output folder is not empty.", file=p,
                              fix="choose a new or empty folder for these tables.")
        if busy and not overwrite:
            raise OutputError("the output folder is not empty.", file=p,
                              fix="choose a new folder, or pass --overwrite to replace it.")
        if busy and not is_results_folder(real):
            raise OutputError("the output folder is not an evaltool results folder, so --overwrite will not "
                              "replace it.", file=p, fix="choose a new folder (or empty this one yourself).")
        if busy:
            link = next((q for q in real.rglob("*") if q.is_symlink()), None)
            if link is not None:
                raise OutputError("the output folder holds a symbolic link; evaltool will not write through it.",
                                  file=link, fix="remove the link, or choose a new output folder.")
        if self.root is None:
            self.root = real
        return real
