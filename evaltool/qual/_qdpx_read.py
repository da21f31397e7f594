"""Reading REFI-QDA projects (.qdpx) and codebooks (.qdc), including those written by other tools.

Tolerant of what tools do in the wild: the sources folder is found case-insensitively
(``sources/`` or ``Sources/``), GUIDs may be upper or lower case and wrapped in braces, text
may sit in ``PlainTextContent`` or in an internal file (a UTF-8 BOM is dropped), and the XML
namespace prefix may vary. Also the codebook table shared by reading and writing. Public names are re-exported by
:mod:`evaltool.qual.qdpx`.
"""

from __future__ import annotations

import uuid
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import InputError, ParameterError

__all__ = ["CODEBOOK_TABLE_COLUMNS", "NS_CODEBOOK", "NS_PROJECT", "QdaProject", "codebook_table",
           "read_qdc", "read_qdpx"]

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
CODEBOOK_TABLE_COLUMNS = (C.CODE, "description", "parent", "is_codable", "color", "guid")
_GUID_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/evaltool/refi-qda")
# Dark2 + Set2 (ColorBrewer), cycled: distinguishable colours for code highlights
_PALETTE = ("#1B9E77", "#D95F02", "#7570B3", "#E7298A", "#66A61E", "#E6AB02", "#A6761D",
            "#666666", "#66C2A5", "#FC8D62", "#8DA0CB", "#E78AC3", "#A6D854", "#FFD92F")
CodeNames = Literal["id", "label"]


def _guid(kind: str, *parts: object) -> str:
    return str(uuid.uuid5(_GUID_NS, "\x1f".join([kind, *map(str, parts)]))).upper()


# --------------------------------------------------------------------------------------
# codebook as a table
# --------------------------------------------------------------------------------------
def codebook_table(codebook: Any, *, code_names: CodeNames = "id") -> pd.DataFrame:
    """The codebook as a flat table with the columns REFI-QDA can carry.

    Parameters
    ----------
    codebook
        A :class:`~evaltool.qual.codebook.Codebook` (codes with ``id``, ``label``,
        ``definition`` and, when present, ``parent``/``color``), a table with a ``code``
        column (as returned by :func:`read_qdc`), or a list of code ids.
    code_names
        ``"id"`` (default: stable, survives relabelling, round-trips) or ``"label"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``code, description, parent, is_codable, color, guid``
        (``CODEBOOK_TABLE_COLUMNS``); ``parent`` is missing for top-level codes.

    Examples
    --------
    >>> codebook_table(["workload", "culture"])[["code", "is_codable", "color"]]
           code  is_codable    color
    0  workload        True  #1B9E77
    1   culture        True  #D95F02
    """
    rows = _table_rows(codebook) if isinstance(codebook, pd.DataFrame) else _code_rows(codebook, code_names)
    table = pd.DataFrame(rows)
    for col in CODEBOOK_TABLE_COLUMNS:
        if col not in table.columns:
            table[col] = None
    table[C.CODE] = pd.Series([str(v) for v in table[C.CODE]], dtype=object)
    for col in ("description", "parent", "color", "guid"):
        table[col] = pd.Series([None if _isna(v) else str(v) for v in table[col]], dtype=object)
    dup = table[C.CODE][table[C.CODE].duplicated()].tolist()
    if dup:
        raise ParameterError(f"the codebook lists code(s) {sorted(set(dup))} more than once.",
                             fix="give every code a unique name.")
    table["is_codable"] = [True if _isna(v) else bool(v) for v in table["is_codable"]]
    table["color"] = [c if isinstance(c, str) and c.startswith("#") else _PALETTE[i % len(_PALETTE)]
                      for i, c in enumerate(table["color"])]
    table["guid"] = [g if isinstance(g, str) and g else _guid("code", c)
                     for g, c in zip(table["guid"], table[C.CODE], strict=True)]
    unknown = set(table["parent"].dropna()) - set(table[C.CODE])
    if unknown:
        raise ParameterError(f"codebook parent(s) {sorted(unknown)} are not codes of the codebook.",
                             fix="add the parent codes or remove the parent references.")
    table = table.loc[:, list(CODEBOOK_TABLE_COLUMNS)]
    return table.astype({c: object for c in CODEBOOK_TABLE_COLUMNS if c != "is_codable"})


def _table_rows(codebook: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of a codebook given as a table with a ``code`` column."""
    if C.CODE not in codebook.columns:
        raise ParameterError(
            "The codebook table lacks a 'code' column.",
            fix=f"pass a Codebook, a list of code ids or a table with 'code'; columns present: "
                f"{list(codebook.columns)}.",
        )
    return [{str(k): (None if _isna(v) else v) for k, v in r.items()}
            for r in codebook.to_dict("records")]


def _code_rows(codebook: Any, code_names: CodeNames) -> list[dict[str, Any]]:
    """Rows of a Codebook (or of a list of code ids)."""
    items = (codebook.flat_codes() if hasattr(codebook, "flat_codes")
             else getattr(codebook, "codes", codebook))
    if isinstance(items, Mapping):
        items = list(items.values())
    if isinstance(items, str) or not hasattr(items, "__iter__"):
        raise ParameterError(
            "The 'codebook' parameter must be a Codebook, a table with a 'code' column or a "
            f"list of code ids. Got {type(codebook).__name__} instead."
        )
    rows: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            rows.append({C.CODE: item})
            continue
        code = getattr(item, "label" if code_names == "label" else "id", None) or item.id
        parent = getattr(item, "parent", None)
        rows.append({
            C.CODE: str(code),
            "description": getattr(item, "definition", None) or getattr(item, "description", None),
            "parent": None if parent is None else str(parent),
            "color": getattr(item, "color", None),
            "is_codable": getattr(item, "codable", getattr(item, "is_codable", True)),
            "_id": str(getattr(item, "id", code)),
        })
    if code_names == "label":  # parents refer to ids; translate to labels
        by_id = {r["_id"]: r[C.CODE] for r in rows if "_id" in r}
        for r in rows:
            if r.get("parent") is not None:
                r["parent"] = by_id.get(r["parent"], r["parent"])
    return rows


def _isna(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA


class QdaProject(NamedTuple):
    """What :func:`read_qdpx` returns: tidy ``answers``, ``codings`` and the ``codebook`` table.

    Examples
    --------
    >>> import pandas as pd
    >>> project = QdaProject(answers=pd.DataFrame({"response_id": ["r1"], "text": ["Fine."]}),
    ...                      codings=pd.DataFrame(columns=["response_id", "code"]),
    ...                      codebook=pd.DataFrame({"code": ["workload"]}))
    >>> answers, codings, codebook = project
    >>> len(answers), len(codings), codebook["code"].tolist()
    (1, 0, ['workload'])
    """

    answers: pd.DataFrame
    codings: pd.DataFrame
    codebook: pd.DataFrame


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(el: ET.Element, name: str) -> Iterator[ET.Element]:
    return (k for k in el if _local(k.tag) == name)


def _kid(el: ET.Element, name: str) -> ET.Element | None:
    return next(_kids(el, name), None)


def _norm(guid: str | None) -> str:
    return "" if guid is None else guid.strip().strip("{}").lower()


def _parse_xml(data: bytes, where: Path) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"is not well-formed XML ({exc}).", file=where,
                         fix="export the file again from the tool that made it.") from None


def _codebook_rows(codes_parent: ET.Element | None) -> list[dict]:
    rows: list[dict] = []

    def walk(el: ET.Element, parent: str | None, path: tuple[str, ...]) -> None:
        for code in _kids(el, "Code"):
            name = code.get("name") or code.get("guid") or ""
            desc = _kid(code, "Description")
            rows.append({C.CODE: name, "description": None if desc is None else (desc.text or ""),
                         "parent": parent, "is_codable": (code.get("isCodable", "true").strip().lower()
                                                          in ("true", "1")),
                         "color": code.get("color"), "guid": code.get("guid"),
                         "_path": "/".join((*path, name))})
            walk(code, name, (*path, name))

    if codes_parent is not None:
        walk(codes_parent, None, ())
    names = pd.Series([r[C.CODE] for r in rows], dtype=object)
    dup = set(names[names.duplicated(keep=False)])
    if dup:  # the same name under different parents: qualify by path
        for r in rows:
            if r[C.CODE] in dup:
                r[C.CODE] = r["_path"]
            if r["parent"] in dup:
                r["parent"] = "/".join(r["_path"].split("/")[:-1])
    return rows


def _codebook_frame(rows: list[dict]) -> pd.DataFrame:
    data = {col: pd.Series([r[col] for r in rows], dtype=object)
            for col in CODEBOOK_TABLE_COLUMNS if col != "is_codable"}
    data["is_codable"] = pd.Series([r["is_codable"] for r in rows], dtype=bool)
    return pd.DataFrame(data).loc[:, list(CODEBOOK_TABLE_COLUMNS)]


def read_qdc(path: str | Path) -> pd.DataFrame:
    """Read a REFI-QDA codebook (``.qdc``) into a codebook table.

    Parameters
    ----------
    path
        The ``.qdc`` file (XML; namespace ``urn:QDA-XML:codebook:1.0``).

    Returns
    -------
    pandas.DataFrame
        One row per code, depth first: ``code`` (the code's name), ``description``,
        ``parent`` (name of the enclosing code, missing at top level), ``is_codable``,
        ``color``, ``guid`` (``CODEBOOK_TABLE_COLUMNS``). Codes with the same name under
        different parents are named by their path (``parent/child``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evaltool.qual.qdpx import to_qdc
    >>> p = to_qdc(["a", "b"], pathlib.Path(tempfile.mkdtemp()) / "book.qdc")
    >>> read_qdc(p)["code"].tolist()
    ['a', 'b']
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the codebook ({exc.strerror}).", file=path,
                         fix="check the path.") from None
    root = _parse_xml(data, path)
    if _local(root.tag) != "CodeBook":
        raise InputError(f"is not a REFI-QDA codebook (root element '{_local(root.tag)}').",
                         file=path, fix="give a .qdc file exported by a QDA program.")
    return _codebook_frame(_codebook_rows(_kid(root, "Codes")))


def _value(vv: ET.Element) -> tuple[str, Any]:
    ref = _kid(vv, "VariableRef")
    guid = _norm(None if ref is None else ref.get("targetGUID"))
    for k in vv:
        kind = _local(k.tag)
        text = k.text
        if kind == "VariableRef" or text is None:
            continue
        if kind == "IntegerValue":
            return guid, int(text)
        if kind == "FloatValue":
            return guid, float(text)
        if kind == "BooleanValue":
            return guid, text.strip().lower() in ("true", "1")
        return guid, text
    return guid, None


class _Zip:
    """Members of a .qdpx found case-insensitively."""

    def __init__(self, zf: zipfile.ZipFile, path: Path) -> None:
        self.zf, self.path = zf, path
        self.by_lower = {n.lower(): n for n in zf.namelist()}
        self.by_base: dict[str, str] = {}
        for n in zf.namelist():
            parts = n.lower().split("/")
            if len(parts) >= 2 and parts[-2] == "sources" or n.lower().startswith("sources/"):
                self.by_base.setdefault(parts[-1], n)
        for n in zf.namelist():
            self.by_base.setdefault(n.lower().split("/")[-1], n)

    def project(self) -> bytes:
        name = self.by_lower.get("project.qde") or next(
            (n for lo, n in self.by_lower.items() if lo.endswith(".qde")), None)
        if name is None:
            raise InputError("has no project.qde inside.", file=self.path,
                             fix="give a .qdpx project exported by a QDA program.")
        return self.zf.read(name)

    def source(self, file_name: str) -> bytes | None:
        name = self.by_base.get(file_name.lower().split("/")[-1])
        return None if name is None else self.zf.read(name)


def _read_text(ref: str, store: _Zip, base_path: str | None) -> str | None:
    scheme, _, rest = ref.partition("://")
    data: bytes | None = None
    if scheme.lower() == "internal":
        data = store.source(rest)
    else:
        candidate = Path(rest) if scheme.lower() == "absolute" else Path(base_path or "") / rest
        if candidate.is_file():
            data = candidate.read_bytes()
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"the source file '{ref}' is not UTF-8 text.", file=store.path,
                         fix="REFI-QDA plain-text sources must be UTF-8; re-export the project.") from None


def read_qdpx(path: str | Path, *, codebook: Any = None) -> QdaProject:
    """Read a REFI-QDA project (``.qdpx``): text sources as answers, and every text coding.

    Parameters
    ----------
    path
        The ``.qdpx`` file (from evaltool or another QDA program).
    codebook
        Optional evaltool Codebook: code names equal to a code's label (case-insensitive)
        are mapped back to its id, so codes renamed to labels still match.

    Returns
    -------
    QdaProject
        A named tuple ``(answers, codings, codebook)``:

        - ``answers``: one row per text source: ``response_id`` (the source's name, made
          unique), ``participant_id`` (the name of the case that holds the source),
          ``timepoint``, ``question`` (from variables of those names when present),
          ``text``, then every other case or source variable as a column.
        - ``codings``: ``response_id, code, start, end, evidence, coder``
          (``CODINGS_COLUMNS``); ``evidence = text[start:end]``; ``coder`` = the name of the
          coding's ``creatingUser`` (falling back to the selection's, the source's, then
          ``"unknown"``). A coding of a whole source gets ``start = 0, end = len(text)``.
        - ``codebook``: as :func:`read_qdc`.

    Notes
    -----
    Non-text sources (pictures, PDF, audio, video), rich-text-only sources, selections
    outside their text and codings whose code is not in the codebook are reported in an
    ``EvaltoolWarning`` with their counts, not silently dropped.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> from evaltool.qual import to_qdpx
    >>> answers = pd.DataFrame({"response_id": ["r1", "r2"], "participant_id": ["P1", "P2"],
    ...                         "text": ["Staffing was short.", "The call helped."]})
    >>> codings = pd.DataFrame({"response_id": ["r1"], "code": ["system_context"], "start": [0],
    ...                         "end": [8], "evidence": ["Staffing"], "coder": ["rules"]})
    >>> path = to_qdpx(answers, codings, None, pathlib.Path(tempfile.mkdtemp()) / "p.qdpx")
    >>> project = read_qdpx(path)
    >>> project.answers[["response_id", "participant_id", "text"]]
      response_id participant_id                 text
    0          r1             P1  Staffing was short.
    1          r2             P2     The call helped.
    >>> project.codings[["response_id", "code", "evidence", "coder"]]
      response_id            code  evidence  coder
    0          r1  system_context  Staffing  rules
    """
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot open the project as a ZIP file ({exc}).", file=path,
                         fix="give a .qdpx file (a ZIP made by a QDA program).") from None
    with zf:
        store = _Zip(zf, path)
        root = _parse_xml(store.project(), path)
        if _local(root.tag) != "Project":
            raise InputError(f"project.qde has root element '{_local(root.tag)}', not 'Project'.",
                             file=path, fix="give a REFI-QDA project (.qdpx).")
        return _project_reader()(root, store, codebook)


def _project_reader() -> Any:
    from ._qdpx_project import _read_project

    return _read_project
