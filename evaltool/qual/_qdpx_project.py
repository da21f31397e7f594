"""Reading the ``project.qde`` of a REFI-QDA project into answers and codings (private; see
:func:`evaltool.qual.qdpx.read_qdpx`)."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from typing import Any

import pandas as pd

from .. import columns as C
from ..errors import EvaltoolWarning
from ._qdpx_read import (
    QdaProject,
    _codebook_frame,
    _codebook_rows,
    _kid,
    _kids,
    _local,
    _norm,
    _read_text,
    _value,
    _Zip,
)


def _read_project(root: ET.Element, store: _Zip, codebook: Any) -> QdaProject:
    issues: dict[str, int] = {}

    def note(what: str, n: int = 1) -> None:
        issues[what] = issues.get(what, 0) + n

    users, code_names, variables, rows = _names(root, codebook)
    case_of, case_values = _cases(root, variables)
    answers: list[dict] = []
    codings: list[tuple] = []
    names_used: dict[str, int] = {}
    sources = _kid(root, "Sources")
    for srcel in ([] if sources is None else list(sources)):
        _read_source(srcel, root, store, variables, case_of, case_values, names_used, answers, codings, note)
    out_codings = []
    for rid, ref, s, e, ev, user in codings:
        g = _norm(None if ref is None else ref.get("targetGUID"))
        if g not in code_names:
            note("coding(s) whose code is not in the codebook (kept, named by GUID)")
        out_codings.append({
            C.RESPONSE_ID: rid, C.CODE: code_names.get(g, g), C.START: s, C.END: e, C.EVIDENCE: ev,
            C.CODER: users.get(_norm(user), user) if user else "unknown"})
    if issues:
        warnings.warn("Reading the REFI-QDA project: " + "; ".join(
            f"{n} {what}" for what, n in issues.items()) + ".", EvaltoolWarning, stacklevel=3)
    return QdaProject(_answers_frame(answers), pd.DataFrame(out_codings, columns=list(C.CODINGS_COLUMNS)).astype(
        {C.RESPONSE_ID: object, C.CODE: object, C.EVIDENCE: object, C.CODER: object,
         C.START: "int64", C.END: "int64"}), _codebook_frame(rows))


def _names(root: ET.Element, codebook: Any
           ) -> tuple[dict[str, str], dict[str, str], dict[str, str], list[dict[str, Any]]]:
    """Users, code names (ids when the codebook has the labels), variables and codebook rows by GUID."""
    users: dict[str, str] = {}
    for u in root.iter():
        if _local(u.tag) == "User":
            users[_norm(u.get("guid"))] = u.get("name") or u.get("id") or u.get("guid") or ""
    book = _kid(root, "CodeBook")
    rows = _codebook_rows(None if book is None else _kid(book, "Codes"))
    code_names = {_norm(r["guid"]): r[C.CODE] for r in rows}
    if codebook is not None:
        items = (codebook.flat_codes() if hasattr(codebook, "flat_codes")
                 else getattr(codebook, "codes", []))
        to_id = {str(getattr(c, "label", "")).casefold(): str(c.id) for c in items if hasattr(c, "id")}
        code_names = {g: to_id.get(n.casefold(), n) for g, n in code_names.items()}
    variables = {_norm(v.get("guid")): v.get("name") or "" for v in root.iter()
                 if _local(v.tag) == "Variable"}
    return users, code_names, variables, rows


def _cases(root: ET.Element, variables: dict[str, str]) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Per source GUID: its case (participant) and the case's variable values."""
    case_of: dict[str, str] = {}
    case_values: dict[str, dict[str, Any]] = {}
    cases = _kid(root, "Cases")
    for case in ([] if cases is None else _kids(cases, "Case")):
        cname = case.get("name") or case.get("guid") or ""
        vals: dict[str, Any] = {}
        for vv in _kids(case, "VariableValue"):
            g, v = _value(vv)
            if g in variables:
                vals[variables[g]] = v
        for ref in _kids(case, "SourceRef"):
            g = _norm(ref.get("targetGUID"))
            if g not in case_of:
                case_of[g] = cname
                case_values[g] = vals
    return case_of, case_values


def _read_source(srcel: ET.Element, root: ET.Element, store: _Zip, variables: dict[str, str],
                 case_of: dict[str, str], case_values: dict[str, dict[str, Any]],
                 names_used: dict[str, int], answers: list[dict], codings: list[tuple],
                 note: Any) -> None:
    """One source: its answer row (into ``answers``) and its codings (into ``codings``)."""
    kind = _local(srcel.tag)
    if kind != "TextSource":
        note(f"{kind} source(s) (only text sources are read)")
        return
    guid = _norm(srcel.get("guid"))
    content = _kid(srcel, "PlainTextContent")
    text: str | None
    if content is not None:
        text = content.text or ""
    elif srcel.get("plainTextPath"):
        text = _read_text(srcel.get("plainTextPath") or "", store, root.get("basePath"))
    else:
        text = None
    if text is None:
        note("text source(s) whose plain text is missing from the project (skipped)")
        return
    name = srcel.get("name") or srcel.get("guid") or "source"
    k = names_used.get(name, 0)
    names_used[name] = k + 1
    rid = name if k == 0 else f"{name} #{k + 1}"
    row = {C.RESPONSE_ID: rid, C.PARTICIPANT_ID: case_of.get(guid), C.TEXT: text}
    row.update(case_values.get(guid, {}))
    for vv in _kids(srcel, "VariableValue"):
        g, v = _value(vv)
        if g in variables:
            row[variables[g]] = v
    answers.append(row)
    src_user = srcel.get("creatingUser")
    for sel in _kids(srcel, "PlainTextSelection"):
        try:
            s, e = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except (TypeError, ValueError):
            s, e = -1, -1
        if not 0 <= s < e <= len(text):
            note("selection(s) outside their source text (skipped)", len(list(_kids(sel, "Coding"))))
            continue
        for cd in _kids(sel, "Coding"):
            user = cd.get("creatingUser") or sel.get("creatingUser") or src_user
            codings.append((rid, _kid(cd, "CodeRef"), s, e, text[s:e], user))
    for cd in _kids(srcel, "Coding"):
        user = cd.get("creatingUser") or src_user
        codings.append((rid, _kid(cd, "CodeRef"), 0, len(text), text, user))


def _answers_frame(answers: list[dict]) -> pd.DataFrame:
    ans = pd.DataFrame(answers)
    for col in (C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.TEXT):
        if col not in ans.columns:
            lower = {str(c).lower(): c for c in ans.columns}
            ans[col] = ans.pop(lower[col]) if col in lower else None
    rest = [c for c in ans.columns if c not in C.FREE_TEXT_COLUMNS]
    ans = ans.loc[:, [*C.FREE_TEXT_COLUMNS, *rest]].astype(
        {c: object for c in C.FREE_TEXT_COLUMNS})
    return ans
