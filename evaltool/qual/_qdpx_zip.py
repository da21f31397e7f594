"""The ``.qdpx`` ZIP's records built for all entries at once (private; see
:func:`evaltool.qual._qdpx_write.write_project`).

A project holds one small text file per answer (hundreds of thousands at national scale): the
local and central headers of all of them are numpy record arrays, and headers, names and
contents are interleaved by Arrow's binary join, so that the archive is a few large writes. The
bytes are those ``zipfile.ZipFile.writestr`` gives for each entry with a fixed date and mode
644 (PKWARE APPNOTE 4.3.7, 4.3.12, 4.3.14-16).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from typing import BinaryIO, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Entries", "ZipDate", "entries_of", "file_entries", "one_entry", "write_entries"]

_LOCAL = np.dtype([("sig", "S4"), ("version", "u1"), ("zero", "u1"), ("flag", "<u2"), ("method", "<u2"),
                   ("time", "<u2"), ("date", "<u2"), ("crc", "<u4"), ("csize", "<u4"), ("size", "<u4"),
                   ("nlen", "<u2"), ("xlen", "<u2")])
_CENTRAL = np.dtype([("sig", "S4"), ("version", "u1"), ("system", "u1"), ("extract", "u1"), ("zero", "u1"),
                     ("flag", "<u2"), ("method", "<u2"), ("time", "<u2"), ("date", "<u2"), ("crc", "<u4"),
                     ("csize", "<u4"), ("size", "<u4"), ("nlen", "<u2"), ("xlen", "<u2"), ("clen", "<u2"),
                     ("disk", "<u2"), ("iattr", "<u2"), ("eattr", "<u4"), ("offset", "<u4")])


class Entries(NamedTuple):
    """ZIP entries as columns: ASCII ``names`` and ``bodies`` (stored or raw-deflated content)
    as Arrow binary arrays, ``crc`` and uncompressed ``size`` of the content, ``method``."""

    names: pa.Array
    bodies: pa.Array
    crc: np.ndarray
    size: np.ndarray
    method: np.ndarray


class ZipDate(NamedTuple):
    """The fixed DOS date and time of every entry, with ``zipfile``'s version and system."""

    date: int
    time: int
    version: int
    system: int


def _binary(arr: pa.Array) -> pa.Array:
    return arr.cast(pa.large_binary())


def _offsets(arr: pa.Array) -> np.ndarray:
    return np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]


def one_entry(name: str, body: bytes, crc: int, size: int, method: int) -> Entries:
    """One entry whose ``body`` (e.g. a deflated ``project.qde``) is not copied."""
    bodies = pa.Array.from_buffers(pa.large_binary(), 1, [None, pa.py_buffer(np.array([0, len(body)], np.int64)),
                                                          pa.py_buffer(body)])
    return Entries(pa.array([name.encode("ascii")], pa.large_binary()), bodies, np.array([crc], np.uint32),
                   np.array([size], np.int64), np.array([method], np.uint16))


def entries_of(names: Sequence[str], contents: Sequence[bytes | tuple[bytes, int, int]], methods: Sequence[int]
               ) -> Entries:
    """Entries from Python values: each content as bytes (deflated here when its method says
    so) or as (raw deflate body, CRC-32, size)."""
    bodies, crc, size = [], [], []
    for data, method in zip(contents, methods, strict=True):
        if isinstance(data, tuple):
            body, c, n = data
        else:
            c, n = zlib.crc32(data), len(data)
            body = zlib.compress(data, zlib.Z_DEFAULT_COMPRESSION, -15) if method == zipfile.ZIP_DEFLATED else data
        bodies.append(body)
        crc.append(c)
        size.append(n)
    return Entries(pa.array([n.encode("ascii") for n in names], pa.large_binary()), pa.array(bodies, pa.large_binary()),
                   np.array(crc, dtype=np.uint32), np.array(size, dtype=np.int64), np.array(methods, dtype=np.uint16))


def file_entries(names: pa.Array, texts: pa.Array, store_below: int) -> Entries:
    """Entries of text files (UTF-8): stored when shorter than ``store_below`` bytes, else
    deflated at zlib's default level."""
    if not pc.all(pc.string_is_ascii(names)).as_py():
        raise UnicodeEncodeError("ascii", "", 0, 1, "a ZIP entry name is not ASCII")
    data = _binary(texts)
    o = _offsets(data).tolist()
    buf = data.buffers()[2]
    mv = memoryview(buf) if buf is not None else memoryview(b"")
    crc = np.fromiter((zlib.crc32(mv[a:b]) for a, b in zip(o, o[1:])), dtype=np.uint32, count=len(data))  # noqa: B905
    size = np.diff(np.asarray(o, dtype=np.int64))
    method = np.where(size < store_below, zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED).astype(np.uint16)
    big = np.flatnonzero(size >= store_below)
    if big.size:
        packed = pa.array([zlib.compress(mv[o[i]:o[i + 1]], zlib.Z_DEFAULT_COMPRESSION, -15) for i in big.tolist()],
                          pa.large_binary())
        index = np.arange(len(data))
        index[big] = len(data) + np.arange(big.size)
        data = pc.take(pa.concat_arrays([data, packed]), pa.array(index))
    return Entries(_binary(names), data, crc, size, method)


def write_entries(fh: BinaryIO, parts: Sequence[Entries], when: ZipDate) -> tuple[int, int, int]:
    """Write the local records of ``parts`` (in order) and the central directory; return
    (entries, central directory size, its offset) for the end records."""
    central, offset = [], 0
    for e in parts:
        n = len(e.names)
        nlen = np.diff(_offsets(e.names))
        csize = np.diff(_offsets(e.bodies))
        local = np.zeros(n, dtype=_LOCAL)
        local["sig"], local["version"], local["method"] = b"PK\x03\x04", when.version, e.method
        local["time"], local["date"], local["crc"] = when.time, when.date, e.crc
        local["csize"], local["size"], local["nlen"] = csize, e.size, nlen
        starts = offset + np.concatenate([[0], np.cumsum(_LOCAL.itemsize + nlen + csize)])
        cen = np.zeros(n, dtype=_CENTRAL)
        cen["sig"], cen["version"], cen["system"], cen["extract"] = b"PK\x01\x02", when.version, when.system, when.version
        for field in ("method", "time", "date", "crc", "csize", "size", "nlen"):
            cen[field] = local[field]
        cen["eattr"], cen["offset"] = 0o644 << 16, starts[:-1]
        if n == 1:  # one large body (project.qde): written as it is, not copied into a join
            fh.write(_joined(_fixed(local), e.names))
            fh.write(e.bodies.buffers()[2].slice(int(_offsets(e.bodies)[0]), int(csize[0])))
        else:
            fh.write(_joined(_fixed(local), e.names, e.bodies))
        central.append(_joined(_fixed(cen), e.names))
        offset = int(starts[-1])
    size = 0
    for c in central:
        fh.write(c)
        size += c.size
    return sum(len(e.names) for e in parts), size, offset


def _fixed(records: np.ndarray) -> pa.Array:
    """Each record's bytes as an element of a binary array (no copy)."""
    width = records.dtype.itemsize
    offsets = np.arange(0, width * len(records) + 1, width, dtype=np.int64)
    return pa.Array.from_buffers(pa.large_binary(), len(records),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(records.tobytes())])


def _joined(*columns: pa.Array) -> pa.Buffer:
    """The concatenation of the rows of ``columns`` side by side (one buffer)."""
    if not len(columns[0]):
        return pa.py_buffer(b"")
    rows = pc.binary_join_element_wise(*columns, pa.scalar(b"", pa.large_binary()))
    o = _offsets(rows)
    return rows.buffers()[2].slice(int(o[0]), int(o[-1] - o[0]))
