"""Text encodings of survey exports: detection, decoding and mojibake repair.

Survey platforms and spreadsheet programs write CSV/TSV files in several encodings:

* UTF-8, with or without a byte-order mark (BOM) — Qualtrics, REDCap, Google Forms;
* UTF-16 with a BOM — Qualtrics TSV exports (UTF-16 LE), Excel "Unicode text";
* Windows-1252 (cp1252) — Excel "CSV (comma delimited)" on Western-European Windows;
* double-encoded UTF-8 ("mojibake": ``don’t`` stored as ``donâ€™t``), when a UTF-8 file was
  opened as cp1252 and saved again as UTF-8.

:func:`decode` reads the bytes with the first encoding that fits (a BOM wins; then strict
UTF-8; then cp1252; then latin-1, which never fails) and reports which one it used.
:func:`repair_mojibake` fixes double-encoded cells with ``ftfy.fix_encoding``, only in cells
that contain a byte pattern typical of mojibake, and counts them, so the repair can be
recorded in :attr:`ExportInfo.repairs <evaltool.io.ExportInfo.repairs>`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, ParameterError

__all__ = ["Decoded", "decode", "has_mojibake", "has_mojibake_bytes", "repair_mojibake", "sniff_binary"]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# A UTF-8 lead byte (0xC2-0xF4) read as cp1252/latin-1, followed by a continuation byte
# (0x80-0xBF) read as cp1252/latin-1: the signature of UTF-8 decoded with the wrong codec.
_CONTINUATION = (
    "\u0080-\u00bf"  # latin-1 / C1 range
    "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
MOJIBAKE_PATTERN = "[\u00c2-\u00f4][" + _CONTINUATION + "]"
_MOJIBAKE_RE = re.compile(MOJIBAKE_PATTERN)
# the same pattern on UTF-8 bytes (starts with a literal byte, so the search is fast)
_MOJIBAKE_BYTES_RE = re.compile(
    rb"\xc3[\x82-\xb4](?:\xc2[\x80-\xbf]|\xc5[\x92\x93\xa0\xa1\xb8\xbd\xbe]|\xc6\x92|"
    rb"\xcb[\x86\x9c]|\xe2\x80[\x93\x94\x98-\x9e\xa0-\xa2\xa6\xb0\xb9\xba]|\xe2\x82\xac|\xe2\x84\xa2)"
)
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"$FL2", "sav"),
    (b"$FL3", "sav"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "archive"),
    (b"Rar!", "archive"),
    (b"SQLite format 3", "sqlite"),
    (b"\x7fELF", "binary"),
    (b"MZ", "binary"),
)


@dataclass
class Decoded:
    """The bytes of a text file, as UTF-8 without a BOM (what pyarrow reads).

    ``encoding`` is the encoding the file was written in (``"utf-8"``, ``"utf-8-sig"``,
    ``"utf-16-le"`` …); ``text`` is decoded lazily, only when a caller needs the whole text
    (error messages, blank-line row numbers), so a large export is not held as a Python
    string beside its bytes.
    """

    data: bytes
    encoding: str
    notes: list[str] = field(default_factory=list)
    _text: str | None = None

    def release(self) -> None:
        """Drop the bytes (and text) once the file is parsed: a wave is then held only as its
        parsed table. Only the parse and its error messages need them."""
        self.data = b""
        self._text = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.data.decode("utf-8")
        return self._text

    def head(self, n_chars: int = 262_144) -> tuple[str, bool]:
        """The first ``n_chars`` characters (at most), cut at a line end, and whether that
        is the whole text."""
        if self._text is not None:
            chunk = self._text[:n_chars]
            whole = len(self._text) <= n_chars
        else:
            whole = len(self.data) <= n_chars
            chunk = self.data[: n_chars * 2].decode("utf-8", errors="ignore")[:n_chars]
            whole = whole or len(self.data) <= len(chunk)
        if not whole:
            cut = max(chunk.rfind("\n"), chunk.rfind("\r"))
            if cut > 0:
                chunk = chunk[: cut + 1]
        return chunk, whole


def _is_utf8(data: bytes, start: int = 0) -> bool:
    """Whether ``data[start:]`` is valid UTF-8, checked by pyarrow on the bytes in place: no
    Python string is built and nothing is copied (a 250 MB export takes a fraction of a
    second). pyarrow's rules are Python's strict ``utf-8`` codec's (no surrogates, no overlong
    forms, nothing above U+10FFFF)."""
    import pyarrow as pa

    buf = pa.py_buffer(data)
    if start:
        buf = buf.slice(start)
    offsets = pa.py_buffer(np.array([0, buf.size], dtype=np.int64))
    arr = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buf])
    try:
        arr.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _prefix(data: bytes, n_chars: int) -> str:
    """The first ``n_chars`` characters of valid UTF-8 ``data`` (decodes only a prefix)."""
    return data[: 4 * n_chars].decode("utf-8", errors="ignore")[:n_chars]


def sniff_binary(raw: bytes) -> str | None:
    """The kind of a binary file from its first bytes (``"zip"``, ``"ole"``, ``"sav"`` …).

    Returns None for anything that may be text.
    """
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            return kind
    return None


def _line_of(raw: bytes, offset: int, unit: int = 1) -> int:
    return raw[:offset].count(b"\n" + b"\x00" * (unit - 1)) + 1


def _looks_utf16(raw: bytes) -> str | None:
    """UTF-16 without a BOM: ASCII text has a NUL in every other byte."""
    sample = raw[:4096]
    if len(sample) < 8:
        return None
    even = sample[0::2].count(0) / max(1, len(sample[0::2]))
    odd = sample[1::2].count(0) / max(1, len(sample[1::2]))
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def _check_text(text: str, path: Path) -> None:
    sample = text[:65_536]
    if sample.count("\x00") > max(3, len(sample) // 1000):  # a stray NUL is cleaned later
        raise InputError(
            "is not a text (CSV/TSV) file: it contains binary data.", file=path,
            fix="export the survey again as CSV, TSV or XLSX, or pass the right file.",
        )
    controls = len(_CONTROL_RE.findall(sample))
    if controls > max(3, len(sample) // 100):
        raise InputError(
            "is not a text (CSV/TSV) file: it contains many control characters.", file=path,
            fix="export the survey again as CSV, TSV or XLSX, or pass the right file.",
        )


def decode(raw: bytes, path: str | Path, encoding: str | None = None) -> Decoded:
    """Decode the bytes of a text export and return them as UTF-8 (no BOM).

    Parameters
    ----------
    raw
        The file's bytes (the file itself is never changed).
    path
        Used in error messages only.
    encoding
        Force an encoding (any Python codec name). Default: detect.

    Returns
    -------
    Decoded
        ``data`` (UTF-8 bytes without a BOM), ``encoding`` (what the file was written in:
        ``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``utf-16-be``, ``utf-32-le``, ``cp1252``,
        ``latin-1`` or the forced one) and ``notes`` (sentences for ``ExportInfo.warnings``).

    Notes
    -----
    Order of detection: byte-order mark; UTF-16 without BOM (NUL in every other byte);
    strict UTF-8; strict cp1252; latin-1 (never fails, noted). A file that still contains NUL
    or many control characters is refused as binary. UTF-8 is checked on the bytes (pyarrow),
    so a UTF-8 export is never held as one Python string; other encodings are decoded once.
    """
    path = Path(path)
    if encoding is not None:
        return _decode_as(raw, path, encoding)
    for bom, enc in _BOMS:
        if raw.startswith(bom):
            return _decode_bom(raw[len(bom):], path, enc)
    utf16 = _looks_utf16(raw)
    if utf16 is not None:
        try:
            text16: str | None = raw.decode(utf16)
        except UnicodeDecodeError:
            text16 = None
        if text16 is not None:
            _check_text(text16, path)
            return Decoded(text16.encode("utf-8"), utf16, [
                f"the file is {utf16.upper()} without a byte-order mark; read as {utf16}."
            ])
    return _decode_sniffed(raw, path)


def _decode_as(raw: bytes, path: Path, encoding: str) -> Decoded:
    """The encoding the caller named (any Python codec)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ParameterError(
            f"The 'encoding' parameter of read_export() must be a known text encoding "
            f"such as 'utf-8', 'utf-16' or 'cp1252'. Got {encoding!r} instead."
        ) from None
    try:
        text = raw.decode(name)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"cannot be read as {encoding} (a byte near line {_line_of(raw, exc.start)} is "
            "not valid in that encoding).", file=path,
            fix="leave out encoding= to let evaltool detect it, or save the file as UTF-8.",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    _check_text(text, path)
    return Decoded(text.encode("utf-8"), name)


def _decode_bom(body: bytes, path: Path, enc: str) -> Decoded:
    """A file that starts with a byte-order mark (``body`` is what follows it)."""
    if enc == "utf-8":
        try:
            if not _is_utf8(body):  # only an invalid file is decoded, to find the byte
                body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"starts with a UTF-8 byte-order mark but is not valid UTF-8 (near line "
                f"{_line_of(body, exc.start)}).", file=path,
                fix="open the file in a text editor and save it again as UTF-8.",
            ) from None
        dec = Decoded(body, "utf-8-sig")
        _check_text(dec.head(65_536)[0], path)
        return dec
    try:
        text = body.decode(enc)
    except UnicodeDecodeError as exc:
        unit = 4 if "32" in enc else 2
        raise InputError(
            f"starts with a {enc.upper()} byte-order mark but is not valid {enc.upper()} "
            f"(near line {_line_of(body, exc.start, unit)}).", file=path,
            fix="export the file again, or save it as UTF-8.",
        ) from None
    _check_text(text, path)
    return Decoded(text.encode("utf-8"), enc)


def _decode_sniffed(raw: bytes, path: Path) -> Decoded:
    """No byte-order mark: ASCII, strict UTF-8, cp1252, or latin-1 (noted)."""
    if raw.isascii():
        dec = Decoded(raw, "utf-8")
        _check_text(dec.head(65_536)[0], path)
        return dec
    if _is_utf8(raw):  # checked on the bytes: the file is never turned into one big string
        _check_text(_prefix(raw, 65_536), path)
        return Decoded(raw, "utf-8")
    try:
        text = raw.decode("cp1252")
        enc = "cp1252"
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
        enc = "latin-1"
    notes = [
        f"the file is not UTF-8; it was read as {enc} (Windows Western European). If accented "
        "letters look wrong, pass the right encoding= or save the file as UTF-8."
    ]
    _check_text(text, path)
    return Decoded(text.encode("utf-8"), enc, notes)


def has_mojibake_bytes(data: bytes) -> bool:
    """:func:`has_mojibake` on UTF-8 bytes, without decoding them."""
    return _MOJIBAKE_BYTES_RE.search(data) is not None


def has_mojibake(text: str) -> bool:
    """Whether ``text`` contains a character pair typical of double-encoded UTF-8.

    A cheap pre-check over a whole file; :func:`repair_mojibake` decides cell by cell.

    Examples
    --------
    >>> has_mojibake("donâ€™t"), has_mojibake("don’t"), has_mojibake("São Paulo")
    (True, False, False)
    """
    return _MOJIBAKE_RE.search(text) is not None


def fix_text(value: str) -> str:
    """``ftfy.fix_encoding`` on one string: only real mojibake is changed."""
    import ftfy

    return ftfy.fix_encoding(value)


def repair_mojibake(frame: pd.DataFrame, columns: list[str] | None = None) -> tuple[pd.DataFrame, int]:
    """Fix double-encoded UTF-8 in the text cells of ``frame``.

    Parameters
    ----------
    frame
        Not modified.
    columns
        Columns to look at (default: all text columns).

    Returns
    -------
    (DataFrame, int)
        A repaired copy (the same object when nothing changed) and the number of cells
        changed.

    Examples
    --------
    >>> df = pd.DataFrame({"q": ["donâ€™t", "fine", None]})
    >>> fixed, n = repair_mojibake(df)
    >>> fixed["q"].tolist()[:2], n
    (['don’t', 'fine'], 1)
    """
    cols = columns if columns is not None else [
        c for c in frame.columns
        if pd.api.types.is_string_dtype(frame[c].dtype) or frame[c].dtype == object
    ]
    out = frame
    total = 0
    for col in cols:
        s = frame[col]
        if s.dtype == object:
            hits = s.map(lambda v: isinstance(v, str) and _MOJIBAKE_RE.search(v) is not None)
        else:
            hits = s.str.contains(MOJIBAKE_PATTERN, regex=True, na=False)
        mask = hits.to_numpy(dtype=bool)
        if not mask.any():
            continue
        before = s[mask].tolist()
        after = [fix_text(v) for v in before]
        changed = np.array([a != b for a, b in zip(after, before, strict=True)])
        if not changed.any():
            continue
        if out is frame:
            out = frame.copy()
        new = s.copy()
        new.loc[mask] = after
        out[col] = new
        total += int(changed.sum())
    return out, total
