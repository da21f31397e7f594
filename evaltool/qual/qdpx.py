"""REFI-QDA exchange: projects (.qdpx) and codebooks (.qdc) for NVivo, ATLAS.ti, MAXQDA, QualCoder.

A ``.qdpx`` is a ZIP holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``, the
2019 Project schema) and a ``sources/`` folder of plain-text UTF-8 files named by GUID and
referenced as ``internal://<guid>.txt``. Text selections are Unicode code-point offsets with
an exclusive end — the same as Python ``str`` indices, so evaltool's ``start``/``end`` are
written unchanged. Each coding records its coder (``creatingUser``), which is what lets
:func:`evaltool.qual.intercoder.agreement` compare a human coder working in another tool with
evaltool's rule coder. GUIDs are UUID 5 from stable names, so the same data give the same
file byte for byte.

The format cannot carry everything (the spec asks software to say so): code labels, include /
exclude notes, examples and rules, extra coding columns (rule, negated, probability) and the
evidence string (rebuilt from the offsets on import) are not written; a warning lists what was
dropped.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from .. import columns as C
from .._version import __version__
from ..errors import DataProblemsError, EvaltoolWarning, OutputError, ParameterError
from . import _qdpx_text as T
from ._qdpx_read import (
    CODEBOOK_TABLE_COLUMNS,
    NS_CODEBOOK,
    NS_PROJECT,
    CodeNames,
    QdaProject,
    _guid,
    codebook_table,
    read_qdc,
    read_qdpx,
)
from ._qdpx_write import Deflated, SourceFiles, deflate_text, project_parts, write_project

__all__ = [
    "CODEBOOK_TABLE_COLUMNS",
    "NS_CODEBOOK",
    "NS_PROJECT",
    "QdaProject",
    "codebook_table",
    "read_qdc",
    "read_qdpx",
    "to_qdc",
    "to_qdpx",
]

_CODEBOOK_EXTRAS = ("label", "include", "exclude", "examples", "rules", "exclude_patterns")
Unit = Literal["answer", "participant_question"]


def _codes_xml(parent: ET.Element, table: pd.DataFrame, ns: str) -> None:
    codes_el = ET.SubElement(parent, f"{{{ns}}}Codes")
    children: dict[Any, list[dict]] = {}
    for r in table.to_dict("records"):
        children.setdefault(r["parent"], []).append(r)

    def add(el: ET.Element, row: dict, depth: int) -> None:
        if depth > len(table):
            raise ParameterError("the codebook's parent references form a cycle.",
                                 fix="make sure no code is its own ancestor.")
        code = ET.SubElement(el, f"{{{ns}}}Code", {
            "guid": row["guid"], "name": row[C.CODE],
            "isCodable": "true" if row["is_codable"] else "false", "color": row["color"]})
        if row["description"]:
            ET.SubElement(code, f"{{{ns}}}Description").text = str(row["description"])
        for child in children.get(row[C.CODE], []):
            add(code, child, depth + 1)

    for row in children.get(None, []):
        add(codes_el, row, 0)
    if len(codes_el) == 0 or sum(1 for _ in codes_el.iter(f"{{{ns}}}Code")) != len(table):
        raise ParameterError("the codebook's parent references form a cycle.",
                             fix="make sure no code is its own ancestor.")


def _codebook_loss(codebook: Any) -> list[str]:
    if codebook is None or isinstance(codebook, pd.DataFrame | list | tuple):
        return []
    items = codebook.flat_codes() if hasattr(codebook, "flat_codes") else getattr(codebook, "codes", [])
    found = [f for f in _CODEBOOK_EXTRAS if any(getattr(c, f, None) for c in items)]
    return [f"codebook fields {found}"] if found else []


def _xml_bytes(root: ET.Element) -> bytes:
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------
def to_qdc(codebook: Any, path: str | Path, *, code_names: CodeNames = "label") -> Path:
    """Write a codebook as a REFI-QDA ``.qdc`` file (namespace ``urn:QDA-XML:codebook:1.0``).

    Parameters
    ----------
    codebook
        A Codebook, a codebook table (:func:`read_qdc`) or a list of code ids.
    path
        Where to write (UTF-8 XML).
    code_names
        Name codes by ``"label"`` (default, what people see in QDA software) or ``"id"``.

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    Codes keep their hierarchy (nested ``Code``), description (= definition) and colour;
    other codebook fields are not part of the format (an ``EvaltoolWarning`` lists them).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = to_qdc(["workload", "culture"], pathlib.Path(tempfile.mkdtemp()) / "book.qdc")
    >>> read_qdc(p)["code"].tolist()
    ['workload', 'culture']
    """
    table = codebook_table(codebook, code_names=code_names)
    ET.register_namespace("", NS_CODEBOOK)
    root = ET.Element(f"{{{NS_CODEBOOK}}}CodeBook", {"origin": f"evaltool {__version__}"})
    _codes_xml(root, table, NS_CODEBOOK)
    lost = _codebook_loss(codebook)
    if lost:
        warnings.warn(f"REFI-QDA cannot carry {'; '.join(lost)}; they are not in the .qdc file.",
                      EvaltoolWarning, stacklevel=2)
    path = Path(path)
    try:
        path.write_bytes(_xml_bytes(root))
    except OSError as exc:
        raise OutputError(f"cannot write the codebook ({exc.strerror}).", file=path,
                          fix="choose a folder you can write to.") from None
    return path


def _problems(frame: pd.DataFrame, mask: np.ndarray, column: str, rule: str, message: str,
              fix: str) -> list[dict]:
    return [{C.SOURCE: "codings", C.ROW: int(i), C.COLUMN: column,
             C.VALUE: None if column == C.RESPONSE_ID else str(frame[column].iloc[i]),
             C.RULE: rule, C.MESSAGE: message, C.FIX: fix, C.SEVERITY: "error"}
            for i in np.flatnonzero(mask)]


def _check_codings(answers: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """Codings with integer offsets (whole answer where missing), or DataProblemsError."""
    missing = [c for c in (C.RESPONSE_ID, C.CODE, C.CODER) if c not in codings.columns]
    if missing:
        raise ParameterError(f"The codings lack the column(s) {missing}.",
                             fix=f"columns present: {list(codings.columns)}.")
    # one hash join in Arrow: the answer row of each coding (-1: unknown), no Python str per id
    keys = T.arrow_text(answers[C.RESPONSE_ID].astype(str))
    rid = T.as_text(codings[C.RESPONSE_ID])
    row = pc.fill_null(pc.index_in(T.arrow_text(rid), value_set=keys), -1).to_numpy().astype("int64")
    known = row >= 0
    lengths = answers[C.TEXT].fillna("").astype(str).str.len().to_numpy(dtype="int64")
    length = np.where(known, lengths[np.maximum(row, 0)] if len(lengths) else 0, 0)
    start = pd.to_numeric(codings[C.START], errors="coerce") if C.START in codings else pd.Series(np.nan, index=codings.index)
    end = pd.to_numeric(codings[C.END], errors="coerce") if C.END in codings else pd.Series(np.nan, index=codings.index)
    whole = (start.isna() & end.isna()).to_numpy()
    s = np.where(whole, 0, start.fillna(-1).to_numpy(dtype="float64"))
    e = np.where(whole, length, end.fillna(-1).to_numpy(dtype="float64"))
    bad_span = known & ((s < 0) | (e > length) | (s >= e) | (s != np.floor(s)) | (e != np.floor(e)))
    probs = _problems(codings, ~known, C.RESPONSE_ID, "unknown_answer",
                      "the coding refers to an answer that is not in the answers",
                      "export codings together with the answers they code")
    probs += _problems(codings, bad_span, C.START, "bad_offsets",
                       "start/end are not 0 <= start < end <= len(text)",
                       "offsets are Python str indices (code points), end exclusive")
    if probs:
        raise DataProblemsError(f"{len(probs)} coding(s) cannot be exported.",
                                pd.DataFrame(probs, columns=list(C.PROBLEM_COLUMNS)),
                                fix="see the problems table.")
    # object columns stay object (a DataFrame would convert each text to Arrow and back)
    out = pd.DataFrame({C.RESPONSE_ID: pd.Series(rid.array), C.CODE: T.interned(codings[C.CODE]),
                        C.START: s.astype("int64"), C.END: e.astype("int64"), C.CODER: T.interned(codings[C.CODER]),
                        "row": row})
    if C.EVIDENCE in codings.columns:
        out[C.EVIDENCE] = pd.Series(codings[C.EVIDENCE].to_numpy(dtype=object), dtype=object)
    return out


def _variable_columns(answers: pd.DataFrame, participants: pd.DataFrame | None
                      ) -> tuple[pd.DataFrame | None, list[str]]:
    """(case variable table indexed by participant, per-answer variable columns)."""
    base = {C.RESPONSE_ID, C.PARTICIPANT_ID, C.TEXT}
    extra = [c for c in answers.columns if c not in base]
    if C.PARTICIPANT_ID not in answers.columns:
        return None, extra
    if participants is not None:
        if C.PARTICIPANT_ID not in participants.columns:
            raise ParameterError("The 'participants' table lacks a 'participant_id' column.",
                                 fix=f"columns present: {list(participants.columns)}.")
        case = participants.drop_duplicates(C.PARTICIPANT_ID).set_index(C.PARTICIPANT_ID)
        return case, [c for c in extra if c not in case.columns]
    grouped = answers.groupby(C.PARTICIPANT_ID, sort=False, dropna=False)
    constant = [c for c in extra if c not in (C.TIMEPOINT, C.QUESTION)
                and (grouped[c].nunique(dropna=False) <= 1).all()]
    case = grouped[constant].first() if constant else pd.DataFrame(index=grouped.size().index)
    return case, [c for c in extra if c not in constant]


def _sources(answers: pd.DataFrame, codings: pd.DataFrame, unit: Unit
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Source table (key, name, participant, text, guid) and codings mapped onto sources."""
    a = answers.reset_index(drop=True)
    if unit == "answer":
        key = a[C.RESPONSE_ID].astype(str)  # columns as they are (Arrow-backed text): no Python object per row
        src = pd.DataFrame({"key": key, "name": key,
                            "participant": a[C.PARTICIPANT_ID] if C.PARTICIPANT_ID in a else None,
                            "text": a[C.TEXT].fillna("").astype(str), "row": np.arange(len(a))})
        return src, codings.assign(source=codings["row"], shift=0)
    need = [c for c in (C.PARTICIPANT_ID, C.QUESTION, C.TIMEPOINT) if c not in a.columns]
    if need:
        raise ParameterError(f"unit='participant_question' needs the answer column(s) {need}.",
                             fix="use unit='answer' or add the columns.")
    order = a.sort_values([C.PARTICIPANT_ID, C.QUESTION, C.TIMEPOINT], kind="stable")
    header = "[" + order[C.TIMEPOINT].astype(str) + "]\n"
    body = order[C.TEXT].fillna("").astype(str)
    piece = (header + body).to_numpy(dtype=object)
    group = (order[C.PARTICIPANT_ID].astype(str) + " · " + order[C.QUESTION].astype(str)).to_numpy(dtype=object)
    first = ~pd.Series(group).duplicated().to_numpy()
    lengths = np.array([len(p) for p in piece]) + np.where(first, 0, 2)  # "\n\n" between pieces
    ends = pd.Series(lengths).groupby(group, sort=False).cumsum().to_numpy()
    offset = ends - lengths + np.where(first, 0, 2) + header.str.len().to_numpy()
    texts = pd.Series(piece).groupby(group, sort=False).agg("\n\n".join)
    src = pd.DataFrame({"key": texts.index.to_numpy(dtype=object), "name": texts.index.to_numpy(dtype=object),
                        "participant": order.groupby(group, sort=False)[C.PARTICIPANT_ID].first().to_numpy(dtype=object),
                        "text": texts.to_numpy(dtype=object),
                        C.QUESTION: order.groupby(group, sort=False)[C.QUESTION].first().to_numpy(dtype=object)})
    src["row"] = np.arange(len(src))
    shift = pd.Series(offset, index=order[C.RESPONSE_ID].astype(str).to_numpy())
    gkey = pd.Series(group, index=order[C.RESPONSE_ID].astype(str).to_numpy())
    cod = codings.assign(source=pd.Index(src["key"]).get_indexer(gkey.reindex(codings[C.RESPONSE_ID].to_numpy())),
                         shift=shift.reindex(codings[C.RESPONSE_ID].to_numpy()).to_numpy())
    return src, cod


def to_qdpx(
    answers: pd.DataFrame,
    codings: pd.DataFrame,
    codebook: Any,
    path: str | Path,
    *,
    participants: pd.DataFrame | None = None,
    unit: Unit = "answer",
    name: str = "evaltool project",
    code_names: CodeNames = "label",
) -> Path:
    """Write answers, codings and codebook as a REFI-QDA project (``.qdpx``).

    Parameters
    ----------
    answers
        Free text: ``response_id, participant_id, timepoint, question, text`` and optional
        group columns (cohort, profession, ...).
    codings
        ``response_id, code, start, end, coder`` (``evidence`` optional). Offsets are Python
        ``str`` indices, end exclusive; missing offsets code the whole answer.
    codebook
        A Codebook, a codebook table or a list of code ids; ``None`` takes the codes used in
        ``codings`` (flat, without descriptions).
    path
        The ``.qdpx`` file to write.
    participants
        Optional table ``participant_id`` + attributes, written as case variables. Without it,
        answer columns that are constant within each participant become case variables and
        the others (timepoint, question, ...) become variables of each text source.
    unit
        ``"answer"`` (one text source per answer, named by ``response_id``) or
        ``"participant_question"`` (one source per participant × question, the answers in
        timepoint order under ``[T2]``-style headers; offsets are shifted accordingly).
    name
        Project name.
    code_names
        Name codes by ``"label"`` (default: what people see in NVivo, ATLAS.ti or MAXQDA;
        :func:`read_qdpx` given the codebook maps labels back to ids) or ``"id"`` (survives
        relabelling).

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    Layout: ``project.qde`` with Users (one per coder), CodeBook, Variables (Text), Cases
    (participants, with VariableValues and SourceRefs) and Sources (TextSource with
    ``plainTextPath="internal://<guid>.txt"``, one PlainTextSelection per coder × span holding
    a Coding per code with ``creatingUser`` = the coder); ``sources/<guid>.txt`` in UTF-8
    without BOM. No timestamps are written and ZIP entries carry a fixed date, so the output
    is reproducible. Validated against the REFI-QDA Project schema (QDA-XML 1.0, 2019) in the
    tests. Inputs are not modified.

    Examples
    --------
    >>> import tempfile, pathlib, warnings, pandas as pd
    >>> answers = pd.DataFrame({"response_id": ["r1"], "participant_id": ["P1"],
    ...     "timepoint": ["T2"], "question": ["q1"], "text": ["Staffing was short."]})
    >>> codings = pd.DataFrame({"response_id": ["r1"], "code": ["system_context"],
    ...     "start": [0], "end": [8], "evidence": ["Staffing"], "coder": ["evaltool-rules"]})
    >>> p = to_qdpx(answers, codings, None, pathlib.Path(tempfile.mkdtemp()) / "p.qdpx")
    >>> read_qdpx(p).codings[["response_id", "code", "start", "end", "evidence", "coder"]]
      response_id            code  start  end  evidence           coder
    0          r1  system_context      0    8  Staffing  evaltool-rules
    """
    _check_arguments(answers, codings, unit)
    cod = _check_codings(answers, codings)
    table = _code_table(cod, codebook, code_names)
    case_vars, source_cols = _variable_columns(answers, participants)
    src, cod = _sources(answers, cod, unit)
    source_cols = _warn_losses(codebook, codings, cod, src, unit, source_cols)
    project, records = _project_bytes(answers, cod, src, table, case_vars, source_cols, unit, name)
    return write_project(Path(path), project, records)


def _code_table(cod: pd.DataFrame, codebook: Any, code_names: CodeNames) -> pd.DataFrame:
    """The codebook table of the export (codes named as asked; ``cod`` renamed in place)."""
    if code_names == "label" and hasattr(codebook, "flat_codes"):
        labels = {c.id: c.label for c in codebook.flat_codes()}
        codes, uniques = pd.factorize(cod[C.CODE], use_na_sentinel=False)  # each distinct code once
        cod[C.CODE] = np.asarray([labels.get(x, x) for x in uniques], dtype=object)[codes]
    used = set(pd.unique(cod[C.CODE]).tolist())
    table = codebook_table(pd.Series(sorted(used), name=C.CODE).to_frame()
                           if codebook is None else codebook, code_names=code_names)
    unknown = sorted(used - set(table[C.CODE].tolist()))
    if unknown:
        raise ParameterError(f"the codings use code(s) {unknown} that are not in the codebook.",
                             fix="pass codebook=None to take the codes from the codings, or add "
                                 "them to the codebook (with code_names matching).")
    return table


def _check_arguments(answers: Any, codings: Any, unit: Any) -> None:
    for what, frame, cols in (("answers", answers, (C.RESPONSE_ID, C.TEXT)),
                              ("codings", codings, (C.RESPONSE_ID, C.CODE, C.CODER))):
        if not isinstance(frame, pd.DataFrame):
            raise ParameterError(f"The '{what}' parameter of to_qdpx() must be a DataFrame. "
                                 f"Got {type(frame).__name__} instead.")
        miss = [c for c in cols if c not in frame.columns]
        if miss:
            raise ParameterError(f"The '{what}' frame lacks the column(s) {miss}.",
                                 fix=f"columns present: {list(frame.columns)}.")
    if unit not in ("answer", "participant_question"):
        raise ParameterError("The 'unit' parameter of to_qdpx() must be one of "
                             f"{{'answer', 'participant_question'}}. Got {unit!r} instead.")
    if answers[C.RESPONSE_ID].astype(str).duplicated().any():
        raise ParameterError("response_id is not unique in the answers.",
                             fix="give every answer its own response_id.")


def _warn_losses(codebook: Any, codings: pd.DataFrame, cod: pd.DataFrame, src: pd.DataFrame,
                 unit: str, source_cols: list[str]) -> list[str]:
    """Warn about what REFI-QDA cannot carry; the source variables that remain."""
    lost = _codebook_loss(codebook)
    extra = [c for c in codings.columns if c not in C.CODINGS_COLUMNS]
    if extra:
        lost.append(f"coding columns {extra}")
    if unit == "participant_question":
        lost.append("the split of each source into answers (response_id)")
        dropped = [c for c in source_cols if c not in (C.TIMEPOINT, C.QUESTION)]
        if dropped:
            lost.append(f"answer columns {dropped}")
        source_cols = [C.QUESTION]
    if C.EVIDENCE in cod.columns:
        differs = T.evidence_differs(T.arrow_text(src["text"]), cod["source"].to_numpy(),
                                     (cod[C.START] + cod["shift"]).to_numpy(), (cod[C.END] + cod["shift"]).to_numpy(),
                                     cod[C.EVIDENCE].astype(object).to_numpy())
        if differs:
            lost.append(f"evidence text of {differs} coding(s) that differs from the "
                        "answer text at its offsets (import rebuilds evidence from the offsets)")
    if pc.any(pc.match_substring_regex(T.arrow_text(src["text"]), "[\\x{10000}-\\x{10FFFF}]")).as_py():
        warnings.warn("Some answers contain characters outside the Basic Multilingual Plane "
                      "(e.g. emoji). REFI-QDA offsets count code points, as written; tools that "
                      "count UTF-16 units (reported for NVivo) may show later selections shifted.",
                      EvaltoolWarning, stacklevel=2)
    if lost:
        warnings.warn("REFI-QDA cannot carry " + "; ".join(lost) + ". They are not in the "
                      "exported project.", EvaltoolWarning, stacklevel=2)
    return source_cols


def _project_bytes(answers: pd.DataFrame, cod: pd.DataFrame, src: pd.DataFrame, table: pd.DataFrame,
                   case_vars: pd.DataFrame | None, source_cols: list[str], unit: str, name: str
                   ) -> tuple[Deflated, SourceFiles]:
    """``project.qde`` (deflated as it is written) and the source records (guid, name, text, ...)."""
    ET.register_namespace("", NS_PROJECT)
    P = f"{{{NS_PROJECT}}}"
    coders = list(dict.fromkeys(cod[C.CODER].tolist()))
    users = {c: _guid("user", c) for c in coders}
    root = ET.Element(P + "Project", {"name": name, "origin": f"evaltool {__version__}"})
    if coders:
        users_el = ET.SubElement(root, P + "Users")
        for c in coders:
            ET.SubElement(users_el, P + "User", {"guid": users[c], "name": c})
    _codes_xml(ET.SubElement(root, P + "CodeBook"), table, NS_PROJECT)
    var_names = list(case_vars.columns) if case_vars is not None else []
    var_names += [c for c in source_cols if c not in var_names]
    var_guid = {str(v): _guid("variable", v) for v in var_names}
    if var_names:
        vars_el = ET.SubElement(root, P + "Variables")
        for v in var_names:
            ET.SubElement(vars_el, P + "Variable", {"guid": var_guid[v], "name": str(v),
                                                    "typeOfVariable": "Text"})
    guid = T.source_guids(src["key"], unit)
    code_guid = dict(zip(table[C.CODE].astype(str), table["guid"].astype(str), strict=True))
    sources = T.sources_parts(answers if unit == "answer" else src, cod, src, guid, code_guid, users, var_guid,
                              source_cols)
    project = deflate_text(project_parts(root, T.cases_parts(src, guid, case_vars, var_guid), sources))
    return project, SourceFiles(guid, T.arrow_text(src["text"]))
