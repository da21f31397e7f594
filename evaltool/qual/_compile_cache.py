"""A disk cache of compiled codebooks (private; used by :func:`evaltool.qual._compile.compile_codebook`).

Compiling the default codebook costs about 3 s of CPU, almost all of it in Python's regular
expression compiler parsing a few hundred large expressions (tries of phrases). A pickled
``re.Pattern`` is compiled again when it is loaded, so pickling the compiled codebook alone
would save nothing: here each pattern is stored with the *program* the compiler produced for
it (``re._compiler._code``), and loading hands that program straight to ``_sre.compile`` (what
``re.compile`` does as its last step). Loading takes a few hundredths of a second.

What is stored: the codebook's rules compiled (phrases, negation cues, lexicons), and
codebook files that passed every check on load (:func:`load_validated`, keyed by the file's
bytes) — never answers or any participant data. Where: ``$EVALTOOL_CACHE_DIR``, else
``$XDG_CACHE_HOME/evaltool``, else ``~/.cache/evaltool``; ``EVALTOOL_CACHE_DIR=off`` switches
the cache off. The file name is a SHA-256 of the codebook's content, the evaltool version,
the compiler's source files, the Python version and the regular expression engine's version,
so a changed codebook, an upgrade, an edited installation or another Python never reads a
stale entry. The cache is best effort: an unwritable
folder, a missing or corrupt file, or a Python whose regular expression internals differ
means the codebook is compiled as before (and the problem is not an error). Entries are
written atomically (a temporary file, then a rename).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import re
import secrets
import sys
from array import array
from functools import lru_cache
from pathlib import Path
from typing import Any

try:  # CPython's regular expression internals; without them the cache is off
    import _sre
    from re import _compiler as _re_compiler  # type: ignore[attr-defined]
    from re import _parser as _re_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another Python implementation
    _sre = None  # type: ignore[assignment]

FORMAT = 1
"""Version of the file layout (bumped when the stored objects change shape)."""


def cache_dir() -> Path | None:
    """The folder of the cache, or None when it is switched off."""
    env = os.environ.get("EVALTOOL_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "0", "off", "false", "no") else Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "evaltool"


def cache_path(content_key: str, kind: str = "codebook") -> Path | None:
    """The file of a codebook's entry (None: cache off or unusable on this Python).

    ``kind``: ``"codebook"`` (a compiled codebook) or ``"validated"`` (a codebook file
    validated on load, see :func:`load_validated`)."""
    folder = cache_dir()
    if folder is None or _sre is None:
        return None
    from .._version import __version__

    salt = (f"{FORMAT}|{kind}|{__version__}|{_source_digest()}|{sys.version}|{_sre.MAGIC}|{_sre.CODESIZE}|"
            f"{_pydantic_version()}|{content_key}")
    return folder / f"{kind}-{hashlib.sha256(salt.encode('utf-8')).hexdigest()[:32]}.pickle"


def _pydantic_version() -> str:
    try:
        import pydantic

        return str(pydantic.VERSION)
    except Exception:  # noqa: BLE001 # pragma: no cover - pydantic is a dependency
        return "?"


_PROGRAMS: dict[tuple[str, int], tuple[Any, ...]] = {}
"""Programs of the patterns compiled by :func:`compile_re` since the last :func:`save`."""


def _compile_program(src: str, flags: int) -> tuple[Any, ...]:
    """What ``_sre.compile`` needs to build the pattern (``re._compiler.compile``'s steps)."""
    p = _re_parser.parse(src, flags)
    code = _re_compiler._code(p, flags)
    groupindex = p.state.groupdict
    indexgroup: list[str | None] = [None] * p.state.groups
    for k, i in groupindex.items():
        indexgroup[i] = k
    kind = "I" if _sre.CODESIZE == 4 else "H"
    return (src, flags | p.state.flags, kind, array(kind, code).tobytes(), p.state.groups - 1,
            dict(groupindex), tuple(indexgroup))


def compile_re(src: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(src, flags)``, keeping the compiled program for :func:`save`."""
    if _sre is None or cache_dir() is None:
        return re.compile(src, flags)
    prog = _compile_program(src, int(flags))
    pattern = _rebuild(*prog)
    _PROGRAMS[(pattern.pattern, pattern.flags)] = prog
    return pattern


_COMPILER_MODULES = ("_compile.py", "_compile_cache.py", "_patterns.py", "_trie.py", "_prefilter.py",
                     "codebook.py", "_codebook_parts.py")


@lru_cache(maxsize=1)
def _source_digest() -> str:
    """SHA-256 of the compiler's own source files: an edited (development) installation never
    reads an entry written by other code under the same version number."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _COMPILER_MODULES:
        try:
            h.update((here / name).read_bytes())
        except OSError:  # pragma: no cover - e.g. a zipped installation: the version alone
            h.update(name.encode("utf-8"))
    return h.hexdigest()


def _program(pattern: re.Pattern[str]) -> tuple[Any, ...]:
    """What ``_sre.compile`` needs to rebuild ``pattern`` (kept by :func:`compile_re`, else
    the compiler is run again)."""
    got = _PROGRAMS.get((pattern.pattern, pattern.flags))
    if got is None:
        got = _compile_program(pattern.pattern, pattern.flags & ~re.UNICODE)
        if got[1] != pattern.flags:  # pragma: no cover - defensive
            raise ValueError("flags differ")
    return got


def _rebuild(src: str, flags: int, kind: str, code: bytes, groups: int, groupindex: dict[str, int],
             indexgroup: tuple[str | None, ...]) -> re.Pattern[str]:
    prog = array(kind)
    prog.frombytes(code)
    return _sre.compile(src, flags, prog.tolist(), groups, groupindex, indexgroup)  # type: ignore[no-any-return]


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, re.Pattern) and isinstance(obj.pattern, str):
            return _rebuild, _program(obj)
        return NotImplemented


def load(content_key: str, kind: str = "codebook") -> Any | None:
    """The cached compiled codebook, or None (no entry, unreadable, corrupt)."""
    path = cache_path(content_key, kind)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            got = pickle.load(fh)  # noqa: S301 - the user's own cache folder, written by evaltool
    except Exception:  # noqa: BLE001 - missing or corrupt: compile as usual
        return None
    if not (isinstance(got, tuple) and len(got) == 2 and got[0] == content_key):
        return None
    return got[1]


def save(content_key: str, compiled: Any, kind: str = "codebook") -> bool:
    """Store a compiled codebook (best effort: False when it could not be written)."""
    path = cache_path(content_key, kind)
    if path is None:
        return False
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        buf = io.BytesIO()
        _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump((content_key, compiled))
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, path)
    except Exception:  # noqa: BLE001 - unwritable folder, full disk, odd Python: no cache
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    finally:
        _PROGRAMS.clear()
    return True


# ------------------------------------------------------------------------------------------
# validated codebook files
# ------------------------------------------------------------------------------------------
def validated_key(raw: bytes) -> str:
    """The key of a codebook file's validated form: SHA-256 of its bytes (the checker's
    source, evaltool's, Python's and pydantic's versions are in the file name, see
    :func:`cache_path`)."""
    return hashlib.sha256(raw).hexdigest()


def load_validated(raw: bytes) -> Any | None:
    """The codebook validated from a file with exactly these bytes, or None.

    Checking a codebook (the phrase grammar of about 1,800 phrases, the regexes, the cross
    references) costs about a second of CPU on every load; only files that passed every check
    are stored, so a file with a problem is always checked again and reports its problems as
    before."""
    from .codebook import Codebook

    got = load(validated_key(raw), "validated")
    return got if isinstance(got, Codebook) else None


def save_validated(raw: bytes, book: Any) -> bool:
    """Store the codebook validated from a file with these bytes (best effort)."""
    return save(validated_key(raw), book, "validated")
