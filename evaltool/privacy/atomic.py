"""Results folders written all at once, and checked against their manifest before use.

:func:`atomic_folder` hands out a hidden temporary folder beside the target; everything is
written there, and only when the block ends without error is it moved into place. An error,
Ctrl-C (SIGINT) or a kill at any moment therefore leaves either the previous folder, intact,
or (for a first run) nothing. ``overwrite`` swaps the whole folder: stale files of the old run
never survive next to new ones.

On Linux the swap is one atomic ``renameat2(RENAME_EXCHANGE)``; elsewhere the old folder is
first renamed aside and removed after the new one is in place (a kill in that instant leaves
the old folder under its hidden name, which the next run puts back). SIGINT and SIGTERM are
held back during the swap itself.

:func:`manifest_files` lists every file of a folder with its SHA-256 (for ``manifest.json``);
:func:`verify_results_folder` refuses a folder in which a listed file is missing or changed,
or an unlisted file appeared, naming the file.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import os
import secrets
import shutil
import signal
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError, OutputError
from .paths import is_results_folder

__all__ = ["MANIFEST", "add_to_manifest", "atomic_folder", "atomic_write", "manifest_files",
           "verify_results_folder"]

MANIFEST = "manifest.json"
_TMP = ".{name}.tmp-{pid}-{tag}"
_OLD = ".{name}.old-{pid}-{tag}"
_LIVE: set[Path] = set()  # temporary folders being written by this process


def track_temporary(path: Path, live: bool = True) -> None:
    """Count ``path`` among this process's temporary folders (removed by the Ctrl-C hard stop
    like the results' own), or stop counting it (``live=False``)."""
    if live:
        _LIVE.add(path)
    else:
        _LIVE.discard(path)
_SWAPPING: list[bool] = [False]


def in_progress() -> tuple[bool, list[Path]]:
    """Whether a folder is being swapped into place right now, and the temporary folders this
    process is writing (for an interrupt that must stop at once: it removes those, and waits
    for a swap to finish)."""
    return _SWAPPING[0], sorted(_LIVE)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process
        return True
    return True


def _leftovers(target: Path) -> None:
    """Remove temporaries of runs that died; put back an old folder a dead swap left aside."""
    for p in target.parent.glob(f".{target.name}.*-*-*"):
        parts = p.name.rsplit("-", 2)
        if len(parts) != 3 or not parts[1].isdigit() or _alive(int(parts[1])):
            continue
        if ".old-" in p.name and not target.exists():
            os.rename(p, target)
        else:
            shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def _held_signals() -> Iterator[None]:
    if sys.platform == "win32" or not hasattr(signal, "pthread_sigmask"):  # pragma: no cover
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextlib.contextmanager
def _swapping() -> Iterator[None]:
    _SWAPPING[0] = True
    try:
        yield
    finally:
        _SWAPPING[0] = False


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False when unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):  # pragma: no cover - old libc
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def _swap_in(tmp: Path, target: Path) -> None:
    tag = secrets.token_hex(4)
    with _held_signals(), _swapping():
        if not target.exists():
            os.rename(tmp, target)
            return
        if _exchange(tmp, target):
            shutil.rmtree(tmp, ignore_errors=True)    # tmp now holds the old folder
            return
        old = target.parent / _OLD.format(name=target.name, pid=os.getpid(), tag=tag)
        os.rename(target, old)
        os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(target: str | Path, *, overwrite: bool = False) -> Iterator[Path]:
    """Write a folder all at once: yield a temporary folder, move it into place on success.

    Parameters
    ----------
    target
        The folder to create or replace.
    overwrite
        Replace an existing non-empty folder. Only an evaltool results folder (one with an
        evaltool ``manifest.json``) is replaced; anything else is refused. Check the path
        against the inputs first (:class:`OutputGuard.folder`).

    Yields
    ------
    Path
        An empty hidden folder beside ``target`` (same disk) to write everything into.

    Raises
    ------
    OutputError
        When ``target`` is a non-empty folder and ``overwrite`` is not given (or it is not an
        evaltool results folder), or a file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> with atomic_folder(target) as tmp:
    ...     _ = (tmp / "a.csv").write_text("x\\n1\\n")
    ...     _ = (tmp / "manifest.json").write_text('{"tool": "evaltool", "files": {}}')
    >>> sorted(p.name for p in target.iterdir())
    ['a.csv', 'manifest.json']
    >>> try:
    ...     with atomic_folder(target, overwrite=True) as tmp:
    ...         _ = (tmp / "b.csv").write_text("half")
    ...         raise RuntimeError("the analysis failed")
    ... except RuntimeError:
    ...     pass
    >>> sorted(p.name for p in target.parent.iterdir())   # the previous folder, untouched
    ['results']
    """
    target = Path(os.path.abspath(Path(target).expanduser()))
    if target.exists() and not target.is_dir():
        raise OutputError("the output path is a file, not a folder.", file=target, fix="choose a folder name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    _leftovers(target)
    if target.exists() and any(target.iterdir()):
        if not overwrite:
            raise OutputError("the output folder is not empty.", file=target,
                              fix="choose a new folder, or pass --overwrite to replace it.")
        if not is_results_folder(target):
            raise OutputError("the output folder is not an evaltool results folder, so it will not be "
                              "replaced.", file=target, fix="choose a new folder (or empty this one yourself).")
    tmp = target.parent / _TMP.format(name=target.name, pid=os.getpid(), tag=secrets.token_hex(4))
    tmp.mkdir()
    _LIVE.add(tmp)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _LIVE.discard(tmp)
        raise
    _swap_in(tmp, target)
    _LIVE.discard(tmp)


def atomic_write(path: str | Path, data: bytes | str) -> Path:
    """Write one file all at once (a temporary file beside it, then an atomic rename).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> atomic_write(p, "<p>hi</p>").read_text()
    '<p>hi</p>'
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        with open(tmp, "xb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def manifest_files(folder: str | Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every file in ``folder`` except ``manifest.json``.

    Paths use ``/``; symbolic links are refused (a results folder holds only its own files).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "tables").mkdir(); _ = (d / "tables" / "a.csv").write_bytes(b"abc")
    >>> manifest_files(d)
    {'tables/a.csv': 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'}
    """
    root = Path(folder)
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_symlink():
            raise OutputError("a results folder must not hold symbolic links.", file=p,
                              fix="remove the link; evaltool writes only real files.")
        if p.is_file() and rel != MANIFEST:
            out[rel] = _sha256(p)
    return out


def _read_manifest(root: Path) -> dict[str, Any]:
    path = root / MANIFEST
    if not path.is_file():
        raise InputError("this is not a complete evaltool results folder: manifest.json is missing.", file=root,
                         fix="run 'evaltool analyse' again; a run that was interrupted leaves no manifest.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise InputError("manifest.json cannot be read.", file=path, fix="run 'evaltool analyse' again.") from None
    files = data.get("files") if isinstance(data, Mapping) else None
    if not isinstance(files, Mapping):
        raise InputError("manifest.json does not list the files with their SHA-256 (written by an older "
                         "evaltool).", file=path, fix="run 'evaltool analyse' again.")
    return dict(data)


def verify_results_folder(folder: str | Path, *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check a results folder against its manifest; return the manifest.

    ``optional``: path prefixes whose files may be absent (a shared copy without
    ``research/``); the files there that are present are still checked.

    Raises
    ------
    InputError
        Naming the first file that is missing, changed (SHA-256 differs) or not in the
        manifest, or when the manifest itself is missing or from an older evaltool.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("x\\n1\\n")
    >>> _ = add_to_manifest(d, ["a.csv"], base={"tool": "evaltool"})
    >>> sorted(verify_results_folder(d)["files"])
    ['a.csv']
    >>> _ = (d / "a.csv").write_text("x\\n2\\n")
    >>> verify_results_folder(d)
    Traceback (most recent call last):
    ...
    evaltool.errors.InputError: ...a.csv: has changed since evaltool wrote it (its SHA-256 differs from manifest.json). Fix: ...
    """
    root = Path(folder)
    data = _read_manifest(root)
    listed: Mapping[str, str] = data["files"]
    present = manifest_files(root)
    for rel, digest in sorted(listed.items()):
        if rel not in present and rel.startswith(optional) and optional:
            continue
        if rel not in present:
            raise InputError("is missing from the results folder (manifest.json lists it).", file=root / rel,
                             fix="run 'evaltool analyse' again; do not edit a results folder by hand.")
        if present[rel] != digest:
            raise InputError("has changed since evaltool wrote it (its SHA-256 differs from manifest.json).",
                             file=root / rel,
                             fix="run 'evaltool analyse' again; do not edit a results folder by hand.")
    extra = sorted(set(present) - set(listed))
    if extra:
        raise InputError("is in the results folder but not in manifest.json.", file=root / extra[0],
                         fix="remove it, or run 'evaltool analyse' again into a new folder.")
    return data


def add_to_manifest(folder: str | Path, paths: list[str | Path], *, base: Mapping[str, Any] | None = None
                    ) -> dict[str, Any]:
    """Record files (relative to ``folder``, or absolute inside it) in ``manifest.json`` with
    their SHA-256, writing the manifest atomically; ``base`` starts a new manifest."""
    root = Path(folder)
    data = dict(base) if base is not None else _read_manifest(root)
    files = dict(data.get("files") or {})
    for p in paths:
        q = Path(p)
        rel = (q.resolve().relative_to(root.resolve()) if q.is_absolute() else q).as_posix()
        files[rel] = _sha256(root / rel)
    data["files"] = dict(sorted(files.items()))
    atomic_write(root / MANIFEST, json.dumps(data, indent=2))
    return data
