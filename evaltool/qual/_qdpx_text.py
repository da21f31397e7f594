"""The ``Cases`` and ``Sources`` text of ``project.qde``, built column by column (private; see
:mod:`evaltool.qual._qdpx_write`).

Each kind of element is made for a block of sources (or cases) at once from whole columns with
Arrow's string kernels (joins, casts, takes, literal replaces); the text of a block is the data
buffer of the array of its elements, handed to the deflater as it is: no Python string or object
per element, and never more than one block of text in memory. GUIDs are one SHA-1 per name
(UUID 5 needs it; :mod:`hashlib`) with the hex text of all of them formatted at once by numpy:
the same values as :func:`evaltool.qual._qdpx_read._guid`. The text is byte for byte what the
element-by-element writer gave (ElementTree's indented serialisation; tests compare both).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import columns as C
from ._qdpx_read import _GUID_NS, _isna

__all__ = ["BLOCK", "Codings", "arrow_text", "case_blocks", "cases_parts", "escaped", "guids", "interned", "as_text", "evidence_differs",
           "source_blocks", "source_guids", "sources_parts", "value_column"]

BLOCK = 20_000
"""Sources (or cases) per block of text: about 30 MB of XML, built and deflated at a time."""

_US = "\x1f"
_NS_BYTES = _GUID_NS.bytes
_HEX_VARIANT = np.zeros(256, dtype=np.uint8)
for _d in "0123456789ABCDEF":  # the variant digit (bits 10xx) for each hex digit of the hash there
    _HEX_VARIANT[ord(_d)] = ord("89AB"[int(_d, 16) & 3])
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTR_ESCAPES = (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def cat(*parts: Any) -> pa.Array:
    """Element-wise concatenation of string arrays and Python strings (same length arrays)."""
    return pc.binary_join_element_wise(*parts, "")


def escaped(text: pa.Array, attribute: bool = True) -> pa.Array:
    """``text`` escaped as ElementTree escapes attribute values (or element text)."""
    for char, entity in _ESCAPES + (_ATTR_ESCAPES if attribute else ()):
        text = pc.replace_substring(text, char, entity)
    return text


def arrow_text(values: pd.Series | np.ndarray) -> pa.Array:
    """Text values (Arrow-backed or Python ``str``) as an Arrow string array (missing: null)."""
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string())


def as_text(values: pd.Series) -> pd.Series:
    """``values.astype(str)``, without converting values that are all text already."""
    if isinstance(values.dtype, pd.StringDtype) or (
            values.dtype == object and pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty")):
        return values
    return values.astype(str)


def interned(values: pd.Series) -> pd.Series:
    """``values.astype(str)`` as an object column that holds each distinct text once (codes,
    coders: a few texts repeated, not a Python string per row), with a default index."""
    codes, uniques = pd.factorize(as_text(values), use_na_sentinel=False)
    return pd.Series(np.asarray(uniques, dtype=object)[codes], dtype=object)


def _offsets(arr: pa.Array) -> np.ndarray:
    return np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + len(arr) + 1]


def guids(names: pa.Array) -> pa.Array:
    """The UUID 5 (upper case) of each name in the namespace, as a string array: the SHA-1's
    first 16 bytes with the version nibble 5 and the variant bits 10, as hex text."""
    n = len(names)
    if n == 0:
        return pa.array([], pa.string())
    names = names.cast(pa.string())
    raw = names.buffers()[2].to_pybytes() if names.buffers()[2] is not None else b""
    o = _offsets(names).tolist()
    sha1, ns = hashlib.sha1, _NS_BYTES
    digests = b"".join([sha1(ns + raw[a:b]).digest() for a, b in zip(o, o[1:])])  # noqa: B905
    del raw
    x = np.frombuffer(digests.hex().upper().encode("ascii"), dtype=np.uint8).reshape(n, 40)
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, 0:8], out[:, 9:13], out[:, 14] = x[:, 0:8], x[:, 8:12], ord("5")
    out[:, 15:18], out[:, 19], out[:, 20:23] = x[:, 13:16], _HEX_VARIANT[x[:, 16]], x[:, 17:20]
    out[:, 24:36] = x[:, 20:32]
    offsets = np.arange(0, 36 * n + 1, 36, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(out)])


def _text_buffer(arr: pa.Array) -> pa.Buffer:
    """The concatenation of a string array's values (its data buffer, not copied)."""
    o = _offsets(arr)
    data = arr.buffers()[2]
    return pa.py_buffer(b"") if data is None else data.slice(int(o[0]), int(o[-1] - o[0]))


def _joined(pieces: pa.Array, counts: np.ndarray) -> pa.Array:
    """For each group (``counts[i]`` consecutive pieces), its pieces joined ("" for none)."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), pieces), "")


def _xml_safe(text: str) -> str:
    """A piece of text as it is written: characters UTF-8 cannot hold as character references."""
    return text.encode("utf-8", "xmlcharrefreplace").decode("utf-8")


def _value_text(var_guid: str, text: str, pad: str) -> str:
    inner = pad + "  "
    value_el = f"<TextValue>{text}</TextValue>" if text else "<TextValue />"
    return _xml_safe(f'{pad}<VariableValue>{inner}<VariableRef targetGUID="{escape_attr(var_guid)}" />'
                     f"{inner}{value_el}{pad}</VariableValue>")


def escape_attr(text: str) -> str:
    """:func:`escaped` of one Python string."""
    for char, entity in _ESCAPES + _ATTR_ESCAPES:
        if char in text:
            text = text.replace(char, entity)
    return text


def _escape_text(text: str) -> str:
    for char, entity in _ESCAPES:
        if char in text:
            text = text.replace(char, entity)
    return text


def value_column(values: Sequence[Any] | pd.Series | np.ndarray, var_guid: str, pad: str
                 ) -> tuple[pa.Array, np.ndarray]:
    """The ``VariableValue`` text of each distinct value (``str(value)``, escaped) and each
    row's index into it (-1: missing, written as nothing). Distinct by (type, value), so that
    ``1``, ``1.0`` and ``True`` keep their own text."""
    obj = np.asarray(values, dtype=object) if not isinstance(values, pd.Series) else values.to_numpy(dtype=object)
    na = pd.isna(obj)
    if na.any():
        na[na] = [_isna(v) for v in obj[na]]
    if pd.api.types.infer_dtype(obj[~na], skipna=False) in ("string", "empty"):
        keys = obj.copy()
        keys[na] = None
    else:  # mixed or non-text values: distinct by their text
        keys = np.array([None if m else str(v) for v, m in zip(obj, na, strict=True)], dtype=object)
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    texts = [_value_text(var_guid, _escape_text(str(u)), pad) for u in uniques]
    return pa.array(texts, pa.string()), np.asarray(codes, dtype=np.int64)


def _pick(texts: pa.Array, codes: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """``texts[codes]``, "" where a code is -1 (or ``missing``)."""
    mask = codes < 0 if missing is None else (codes < 0) | missing
    return pc.fill_null(pc.take(texts, pa.array(np.where(mask, 0, codes), mask=mask)), "")


def _values(columns: list[tuple[pa.Array, np.ndarray]], rows: slice) -> tuple[list[pa.Array], np.ndarray]:
    """The value pieces of ``rows`` per column ("" where missing) and whether a row has any."""
    pieces, present = [], np.zeros(rows.stop - rows.start, dtype=bool)
    for texts, codes in columns:
        c = codes[rows]
        present |= c >= 0
        pieces.append(_pick(texts, c))
    return pieces, present


class Codings:
    """The codings of a project as columns, sorted in document order (source, start, end,
    coder, code; an exact repeat dropped): ``source`` (row of the source), ``start``, ``end``
    (ints), ``coder`` and ``code`` (indices into :attr:`coders`, :attr:`codes`)."""

    def __init__(self, source: np.ndarray, start: np.ndarray, end: np.ndarray, coder: np.ndarray,
                 code: np.ndarray, users: Mapping[Any, str], code_guid: Mapping[Any, str]) -> None:
        coder_i, coders = pd.factorize(np.asarray(coder, dtype=object))
        code_i, codes = pd.factorize(np.asarray(code, dtype=object))
        rank_coder = np.argsort(np.argsort(np.asarray(coders, dtype=object), kind="stable"), kind="stable")
        rank_code = np.argsort(np.argsort(np.asarray(codes, dtype=object), kind="stable"), kind="stable")
        keep = source >= 0
        cols = [source[keep], start[keep], end[keep], rank_coder[coder_i[keep]], rank_code[code_i[keep]]]
        order = np.lexsort(cols[::-1])
        cols = [c[order] for c in cols]
        repeat = np.zeros(len(order), dtype=bool)
        repeat[1:] = np.logical_and.reduce([c[1:] == c[:-1] for c in cols])
        self.source, self.start, self.end = (c[~repeat] for c in cols[:3])
        self.coder = coder_i[keep][order][~repeat]
        self.code = code_i[keep][order][~repeat]
        span = [self.source, self.start, self.end, self.coder]
        new = np.ones(len(self.source), dtype=bool)
        new[1:] = ~np.logical_and.reduce([c[1:] == c[:-1] for c in span])
        self.first = new
        self.last = np.append(new[1:], True) if len(new) else new
        self.coder_names = pa.array([str(c) for c in coders], pa.string())
        self.code_names = pa.array([str(c) for c in codes], pa.string())
        self.users = pa.array([users[c] for c in coders], pa.string())
        self.code_refs = pa.array([escape_attr(code_guid[c]) for c in codes], pa.string())

    def block(self, rows: slice, source_guid: pa.Array, lo: int, hi: int) -> pa.Array:
        """The ``PlainTextSelection`` elements of sources ``lo`` to ``hi`` (one string each)."""
        src = self.source[rows]
        g = pc.take(source_guid, pa.array(src - lo))
        s = pa.array(self.start[rows]).cast(pa.string())
        e = pa.array(self.end[rows]).cast(pa.string())
        coder = pc.take(self.coder_names, pa.array(self.coder[rows]))
        user = pc.take(self.users, pa.array(self.coder[rows]))
        first = self.first[rows]
        at = pa.array(np.flatnonzero(first))
        sel = guids(pc.binary_join_element_wise("selection", pc.take(g, at), pc.take(s, at), pc.take(e, at),
                                                 pc.take(coder, at), _US))
        opening = cat('\n      <PlainTextSelection guid="', sel, '" startPosition="', pc.take(s, at),
                      '" endPosition="', pc.take(e, at), '" creatingUser="', pc.take(user, at), '">')
        del sel
        opening = _pick(opening, np.cumsum(first) - 1, ~first)
        code = pc.take(self.code_names, pa.array(self.code[rows]))
        coding = guids(pc.binary_join_element_wise("coding", g, s, e, coder, code, _US))
        del g, s, e, coder, code
        pieces = cat(opening, '\n        <Coding guid="', coding, '" creatingUser="', user,
                     '">\n          <CodeRef targetGUID="', pc.take(self.code_refs, pa.array(self.code[rows])),
                     '" />\n        </Coding>', pc.if_else(pa.array(self.last[rows]), "\n      </PlainTextSelection>", ""))
        return _joined(pieces, np.bincount(src - lo, minlength=hi - lo))


def source_blocks(guid: pa.Array, name: pa.Array, codings: Codings, values: list[tuple[pa.Array, np.ndarray]],
                  block: int | None = None) -> Iterator[pa.Buffer]:
    """The ``TextSource`` elements (at depth 2), a block of sources at a time: a
    ``PlainTextSelection`` per span × coder holding a ``Coding`` per code, then the source's
    variable values (``values``: :func:`value_column` of each source variable)."""
    block = block or BLOCK
    bounds = np.searchsorted(codings.source, np.arange(0, len(guid) + block, block))
    for k, lo in enumerate(range(0, len(guid), block)):
        hi = min(lo + block, len(guid))
        g = guid.slice(lo, hi - lo)
        rows = slice(int(bounds[k]), int(bounds[k + 1]))
        selections = codings.block(rows, g, lo, hi)
        vals, present = _values(values, slice(lo, hi))
        kids = pa.array(present | (np.bincount(codings.source[rows] - lo, minlength=hi - lo) > 0))
        text = cat('\n    <TextSource guid="', g, '" name="', escaped(name.slice(lo, hi - lo)),
                   '" plainTextPath="internal://', g, '.txt"', pc.if_else(kids, ">", " />"), selections, *vals,
                   pc.if_else(kids, "\n    </TextSource>", ""))
        del selections, vals
        yield _text_buffer(text)


def case_blocks(participant: pd.Series, source_guid: pa.Array, case_index: Sequence[Any],
                values: list[tuple[pa.Array, np.ndarray]], block: int | None = None) -> Iterator[pa.Buffer]:
    """The ``Case`` elements (at depth 2): one per participant of the sources (in order of
    their first source), with its variable values (``values``: :func:`value_column` of each
    case variable, by row of ``case_index``) and a ``SourceRef`` per source, a block at a time."""
    block = block or BLOCK
    if isinstance(participant.dtype, pd.StringDtype):  # text ids: missing is NaN, factorized in Arrow
        codes, uniques = pd.factorize(participant, use_na_sentinel=True)
        rows = np.flatnonzero(codes >= 0)
        codes, ids = codes[rows], np.asarray(uniques, dtype=object).tolist()
    else:  # any ids: missing as _isna says (None, NaN, pd.NA), distinct as dict keys are
        obj = participant.to_numpy(dtype=object)
        na = pd.isna(obj)
        if na.any():
            na[na] = [_isna(v) for v in obj[na]]
        rows = np.flatnonzero(~na)
        codes, distinct = pd.factorize(obj[rows], use_na_sentinel=False)
        ids = list(distinct)
    order = rows[np.argsort(codes, kind="stable")]
    counts = np.bincount(codes, minlength=len(ids))
    starts = np.concatenate([[0], np.cumsum(counts)])
    where = {k: i for i, k in enumerate(case_index)}
    position = np.array([where.get(u, -1) for u in ids], dtype=np.int64)
    names = pa.array([str(u) for u in ids], pa.string())
    del codes
    for lo in range(0, len(ids), block):
        hi = min(lo + block, len(ids))
        refs = cat('\n      <SourceRef targetGUID="', pc.take(source_guid, pa.array(order[starts[lo]:starts[hi]])),
                   '" />')
        pos = position[lo:hi]
        vals = [_pick(t, c[pos] if len(c) else np.full(len(pos), -1), pos < 0) for t, c in values]
        n = names.slice(lo, hi - lo)
        text = cat('\n    <Case guid="', guids(pc.binary_join_element_wise("case", n, _US)), '" name="', escaped(n),
                   '">', *vals, _joined(refs, counts[lo:hi]), "\n    </Case>")
        yield _text_buffer(text)


def source_guids(keys: pd.Series, unit: str) -> pa.Array:
    """Each source's GUID (UUID 5 of its key)."""
    kind = ("source",) if unit == "answer" else ("source", "pq")
    return guids(pc.binary_join_element_wise(*kind, arrow_text(keys), _US))


def cases_parts(src: pd.DataFrame, guid: pa.Array, case_vars: pd.DataFrame | None, var_guid: Mapping[str, str]
                ) -> Iterator[str | pa.Buffer] | None:
    """The ``Cases`` element's pieces (None when there are no cases)."""
    if case_vars is None or not src["participant"].notna().any():
        return None
    values = [value_column(case_vars.iloc[:, j], var_guid[str(v)], "\n      ")
              for j, v in enumerate(case_vars.columns)]
    blocks = case_blocks(src["participant"], guid, case_vars.index.to_numpy(dtype=object).tolist(), values)
    return itertools.chain(["<Cases>"], blocks, ["\n  </Cases>"])


def sources_parts(frame: pd.DataFrame, cod: pd.DataFrame, src: pd.DataFrame, guid: pa.Array,
                  code_guid: Mapping[Any, str], users: Mapping[Any, str], var_guid: Mapping[str, str],
                  source_cols: list[str]) -> Iterator[str | pa.Buffer]:
    """The ``Sources`` element's pieces (``frame``: the table of the sources' variables)."""
    if not len(src):
        yield "<Sources />"
        return
    codings = Codings(cod["source"].to_numpy(dtype="int64"), (cod[C.START] + cod["shift"]).to_numpy(dtype="int64"),
                      (cod[C.END] + cod["shift"]).to_numpy(dtype="int64"), cod[C.CODER].to_numpy(dtype=object),
                      cod[C.CODE].to_numpy(dtype=object), users, code_guid)
    values = [value_column(frame[c], var_guid[c], "\n      ") for c in source_cols]
    yield "<Sources>"
    yield from source_blocks(guid, arrow_text(src["name"]), codings, values)
    yield "\n  </Sources>"


def evidence_differs(texts: pa.Array, source: np.ndarray, start: np.ndarray, end: np.ndarray,
                     evidence: np.ndarray, block: int = 50_000) -> int:
    """How many codings' ``evidence`` differs from the text of their source at their offsets
    (a block of codings at a time: no Python copy of every text at once)."""
    differs = 0
    for lo in range(0, len(source), block):
        hi = min(lo + block, len(source))
        spans = [t[a:b] for t, a, b in zip(pc.take(texts, pa.array(source[lo:hi])).to_pylist(),
                                           start[lo:hi].tolist(), end[lo:hi].tolist(), strict=True)]
        differs += int((evidence[lo:hi] != np.array(spans + [None], dtype=object)[:-1]).sum())
    return differs
