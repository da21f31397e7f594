"""Writing a REFI-QDA project's ``project.qde`` and ``.qdpx`` ZIP in one linear pass (private;
see :func:`evaltool.qual.qdpx.to_qdpx`).

The XML is written as text in exactly the form ElementTree gives after
``ET.indent(root, space="  ")`` and ``ET.tostring(root, encoding="utf-8", xml_declaration=True)``
(same escaping, ``<a />`` for empty elements, two-space indentation): building a tree of half a
million elements and serialising it in Python was most of the time of a large export. The small
head (users, codebook, variables) is written element by element here; the cases and sources
(one element per participant, answer, selection and coding) column by column, a block at a time
(:mod:`._qdpx_text`), and deflated as they come. The ZIP's records are built for all entries at
once (:mod:`._qdpx_zip`). GUIDs are the same UUID 5 values as
:func:`evaltool.qual._qdpx_read._guid`, computed without ``uuid.UUID`` objects.
"""

from __future__ import annotations

import hashlib
import itertools
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from xml.etree import ElementTree as ET

from ..errors import OutputError
from . import _qdpx_zip as Z
from ._qdpx_read import _GUID_NS, NS_PROJECT

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = ["Deflated", "SourceFiles", "deflate_text", "element_text", "fast_guid", "project_parts",
           "source_files", "write_project"]

_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_NS_BYTES = _GUID_NS.bytes
_STORE_BELOW = 1024
PROJECT_LEVEL = 1
"""zlib level of ``project.qde``: level 1 deflates the XML (mostly repeated markup and GUIDs) at
twice the speed of the default 6 into a file about a fifth larger (10,000 participants: 7.6
instead of 6.4 MB; 2.4 instead of 5 s of CPU at 100,000). The content is the same either way."""
_US = "\x1f"


_NS_SHA1 = hashlib.sha1(_NS_BYTES)


def fast_guid(kind: str, *parts: object) -> str:
    """``_guid(kind, *parts)`` (UUID 5, upper case) without building a ``uuid.UUID``."""
    return _guid_of("\x1f".join([kind, *map(str, parts)]))


_VARIANT = "89AB" * 4
"""The UUID variant digit (bits 10xx) for each hex digit of the hash at that place."""


def _guid_of(name: str) -> str:
    """The UUID 5 of ``name`` (already joined) in the namespace: the SHA-1's first 16 bytes
    with the version nibble set to 5 and the variant bits to 10, as hex text."""
    h = _NS_SHA1.copy()
    h.update(name.encode("utf-8"))
    x = h.hexdigest().upper()
    return f"{x[:8]}-{x[8:12]}-5{x[13:16]}-{_VARIANT[int(x[16], 16)]}{x[17:20]}-{x[20:32]}"


_CDATA = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTR = (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for char, entity in table:
        if char in text:  # most texts hold none: a test is cheaper than a replace
            text = text.replace(char, entity)
    return text


def _attr(text: str) -> str:
    return _escape(_escape(text, _CDATA), _ATTR)


def _cdata(text: str) -> str:
    return _escape(text, _CDATA)


def _open(tag: str, attrs: dict[str, str]) -> str:
    return "<" + tag + "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())


def element_text(el: ET.Element, depth: int, out: list[str]) -> None:
    """Append ``el`` (tags in the project namespace, written without prefix) as indented text."""
    tag = el.tag.rsplit("}", 1)[-1]
    out.append(_open(tag, dict(el.attrib)))
    if len(el):
        pad = "\n" + "  " * (depth + 1)
        out.append(">")
        for child in el:
            out.append(pad)
            element_text(child, depth + 1, out)
        out.append("\n" + "  " * depth + f"</{tag}>")
    elif el.text:
        out.append(f">{_cdata(el.text)}</{tag}>")
    else:
        out.append(" />")


def project_parts(root: ET.Element, cases: Iterable[str | Buffer] | None, sources: Iterable[str | Buffer]
                  ) -> Iterator[str | Buffer]:
    """The text of ``project.qde`` piece by piece: ``root`` (the Project element with Users,
    CodeBook and Variables) with the ``Cases`` and ``Sources`` text (pieces of each element,
    :mod:`._qdpx_text`) after its children."""
    out = ["<?xml version='1.0' encoding='utf-8'?>\n", _open("Project", {"xmlns": NS_PROJECT, **root.attrib}), ">"]
    for child in root:
        out.append("\n  ")
        element_text(child, 1, out)
    yield "".join(out)
    if cases is not None:
        yield "\n  "
        yield from cases
    yield "\n  "
    yield from sources
    yield "\n</Project>"


class Deflated(NamedTuple):
    """A ZIP entry's content already deflated: raw deflate ``body``, CRC-32 and size of the data."""

    body: bytes
    crc: int
    size: int


def deflate_text(parts: Iterable[str | Buffer], chunk: int = 1 << 22, level: int = PROJECT_LEVEL) -> Deflated:
    """``parts`` (text, or UTF-8 bytes-like pieces) joined, as UTF-8 (characters it cannot hold
    as XML character references), deflated as they come: the same bytes as deflating the whole
    text at once at ``level`` (zlib's output does not depend on how the input is fed), without
    ever holding it whole (half a gigabyte of XML for 100,000 participants)."""
    comp = zlib.compressobj(level, zlib.DEFLATED, -15)
    body: list[bytes] = []
    buf: list[bytes] = []
    n = crc = size = 0
    for part in itertools.chain(parts, [None]):
        if isinstance(part, str):
            buf.append(part.encode("utf-8", "xmlcharrefreplace"))
            n += len(buf[-1])
        if buf and (n >= chunk or not isinstance(part, str)):  # text gathered into chunks
            data = b"".join(buf)
            crc, size = zlib.crc32(data, crc), size + n
            body.append(comp.compress(data))
            buf, n = [], 0
        if part is not None and not isinstance(part, str):  # a large block of UTF-8: as it is
            crc, size = zlib.crc32(part, crc), size + memoryview(part).nbytes
            body.append(comp.compress(part))
    body.append(comp.flush())
    return Deflated(b"".join(body), crc, size)


class SourceFiles(NamedTuple):
    """The ``sources/<guid>.txt`` files of a project: GUIDs and texts as Arrow string arrays."""

    guid: Any
    text: Any


def source_files(records: Iterable[Mapping[str, Any]]) -> SourceFiles:
    """:class:`SourceFiles` of records (``guid``, ``text``)."""
    import pyarrow as pa

    rows = list(records)
    return SourceFiles(pa.array([str(r["guid"]) for r in rows], pa.string()),
                       pa.array([str(r["text"]) for r in rows], pa.string()))


def write_project(path: Path, project: bytes | Deflated, records: Iterable[Mapping[str, Any]] | SourceFiles) -> Path:
    """The ``.qdpx`` ZIP: ``project.qde`` (deflated) and ``sources/<guid>.txt`` (fixed dates:
    reproducible). A source shorter than :data:`_STORE_BELOW` bytes is stored uncompressed:
    deflate saves next to nothing on a sentence and was most of the time of writing many
    thousands of answers; any ZIP reader reads both. ``records``: the sources as
    :class:`SourceFiles` or as records (``guid``, ``text``)."""
    import pyarrow.compute as pc

    files = records if isinstance(records, SourceFiles) else source_files(records)
    names = pc.binary_join_element_wise("sources/", files.guid, ".txt", "")
    try:
        size = project.size if isinstance(project, Deflated) else len(project)
        if size + int(pc.sum(pc.binary_length(files.text)).as_py() or 0) < _SMALL_ZIP_LIMIT:
            deflated = project if isinstance(project, Deflated) else Deflated(
                zlib.compress(project, zlib.Z_DEFAULT_COMPRESSION, -15), zlib.crc32(project), len(project))
            head = Z.one_entry("project.qde", *deflated, zipfile.ZIP_DEFLATED)
            _write_zip(path, [head, Z.file_entries(names, files.text, _STORE_BELOW)])
        else:  # ZIP64 sizes and offsets: the standard library's writer
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                _write(zf, "project.qde", project)
                for name, text in zip(names.to_pylist(), files.text.to_pylist(), strict=True):
                    data = text.encode("utf-8")
                    _write(zf, name, data, zipfile.ZIP_STORED if len(data) < _STORE_BELOW else zipfile.ZIP_DEFLATED)
    except OSError as exc:
        raise OutputError(f"cannot write the project ({exc.strerror}).", file=path,
                          fix="choose a folder you can write to.") from None
    return path


# ZIP end records (PKWARE APPNOTE 4.3.14-16), as zipfile packs them
_END = ("<4s4H2LH", b"PK\x05\x06")
_END64 = ("<4sQ2H2L4Q", b"PK\x06\x06")
_END64_LOCATOR = ("<4sLQL", b"PK\x06\x07")
_SMALL_ZIP_LIMIT = 3_500_000_000
"""Below this total size no entry or offset needs ZIP64 fields (limit 4 GiB, with room for the
headers), so :func:`_write_zip` writes the archive."""


def _fast_zip(path: Path, entries: list[tuple[str, bytes | Deflated, int]]) -> None:
    """The same bytes as ``zipfile.ZipFile.writestr`` of each entry with a fixed date and mode
    644 would give (ASCII names; a ZIP64 end record past 65,535 entries, as ``zipfile``
    writes), without its per-entry bookkeeping and seeks."""
    contents: list[bytes | tuple[bytes, int, int]] = [(d.body, d.crc, d.size) if isinstance(d, Deflated) else d
                                                      for _, d, _ in entries]
    _write_zip(path, [Z.entries_of([n for n, _, _ in entries], contents, [m for _, _, m in entries])])


def _write_zip(path: Path, parts: list[Z.Entries]) -> None:
    """The archive of ``parts`` (entries in order) with the end records."""
    import struct

    info = zipfile.ZipInfo("x", date_time=_ZIP_DATE)
    when = Z.ZipDate(date=(_ZIP_DATE[0] - 1980) << 9 | _ZIP_DATE[1] << 5 | _ZIP_DATE[2],
                     time=_ZIP_DATE[3] << 11 | _ZIP_DATE[4] << 5 | (_ZIP_DATE[5] // 2),
                     version=info.create_version, system=info.create_system)
    with open(path, "wb") as fh:
        count, cd_size, offset = Z.write_entries(fh, parts, when)
        tail = b""
        if count > 0xFFFF:
            tail = struct.pack(*_END64, 44, 45, 45, 0, 0, count, count, cd_size, offset)
            tail += struct.pack(*_END64_LOCATOR, 0, offset + cd_size, 1)
        tail += struct.pack(*_END, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF), cd_size, offset, 0)
        fh.write(tail)


def _write(zf: zipfile.ZipFile, name: str, data: bytes | Deflated, method: int = zipfile.ZIP_DEFLATED) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    if not isinstance(data, Deflated):
        zf.writestr(info, data)
        return
    inflate = zlib.decompressobj(-15)  # an entry deflated beforehand, past the ZIP64 limit: streamed
    with zf.open(info, "w", force_zip64=True) as fh:
        for i in range(0, len(data.body), 1 << 24):
            fh.write(inflate.decompress(data.body[i:i + (1 << 24)]))
        fh.write(inflate.flush())
