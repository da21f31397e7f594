"""REDCap exports: one header row (variable names, or field labels), optional data dictionary.

A REDCap CSV has one row per record × event × repeat instance. Besides the fields it holds
``redcap_event_name`` (longitudinal projects: the timepoint), ``redcap_repeat_instrument`` /
``redcap_repeat_instance`` (repeating forms), ``<form>_timestamp`` and ``<form>_complete``
columns, and one ``field___code`` column per checkbox choice. The data dictionary (18
columns; ``Choices, Calculations, OR Slider Labels`` written ``1, Label | 2, Label``) gives
question text and value labels.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ._base import (
    NOT_COMPLETED,
    Draft,
    Export,
    Source,
    StatusRule,
    load_grid,
    open_source,
    start_draft,
)

__all__ = ["REDCAP_SYSTEM_COLUMNS", "parse_choices", "read_redcap", "read_redcap_dictionary"]

REDCAP_SYSTEM_COLUMNS = {
    "redcap_event_name": "Event Name",
    "redcap_repeat_instrument": "Repeat Instrument",
    "redcap_repeat_instance": "Repeat Instance",
    "redcap_data_access_group": "Data Access Group",
    "redcap_survey_identifier": "Survey Identifier",
}
"""Columns REDCap adds (raw header → label header)."""

COMPLETE_LABELS = {"0": "Incomplete", "1": "Unverified", "2": "Complete"}
CHECKBOX_LABELS = {"0": "Unchecked", "1": "Checked"}
_FIXED_LABELS = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}

# data-dictionary column → our name (CSV download headers, and API metadata keys)
_DICT_COLUMNS = {
    "variable / field name": "field_name", "field_name": "field_name",
    "form name": "form_name", "form_name": "form_name",
    "field type": "field_type", "field_type": "field_type",
    "field label": "field_label", "field_label": "field_label",
    "choices, calculations, or slider labels": "choices",
    "select_choices_or_calculations": "choices",
}
_REQUIRED = ("field_name", "form_name", "field_type", "field_label")
_TAG_RE = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class _Field:
    name: str
    form: str
    type: str
    label: str
    choices: dict[str, str]


def _clean_label(text: object) -> str:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return " ".join(html.unescape(_TAG_RE.sub(" ", str(text))).split())


def parse_choices(text: str | None) -> dict[str, str]:
    """Parse a REDCap choices cell (``"1, Yes | 0, No"``) into ``{code: label}``.

    Parameters
    ----------
    text
        The ``Choices, Calculations, OR Slider Labels`` cell of a radio, dropdown or checkbox
        field: choices separated by ``|`` (or newlines), code and label by the first comma.

    Returns
    -------
    dict
        ``{code: label}`` in the order written, codes as text; labels without HTML tags.

    Examples
    --------
    >>> parse_choices("0, Less than 5 | 1, 5-10 | 2, Over 15, or more")
    {'0': 'Less than 5', '1': '5-10', '2': 'Over 15, or more'}
    """
    if text is None or (isinstance(text, float) and pd.isna(text)) or not str(text).strip():
        return {}
    out: dict[str, str] = {}
    for part in re.split(r"\s*\|\s*|\\n|\n", str(text)):
        part = part.strip()
        if not part:
            continue
        code, sep, label = part.partition(",")
        code = code.strip()
        out[code] = _clean_label(label) if sep else code
    return out


def _checkbox_suffix(code: str) -> str:
    """How REDCap writes a checkbox code in a column name (``-1`` → ``_1``, lower case)."""
    return re.sub(r"[^a-z0-9_]", "_", code.lower())


def read_redcap_dictionary(dictionary: str | Path | pd.DataFrame) -> dict[str, _Field]:
    """Read a REDCap data dictionary (CSV download, or API metadata as a DataFrame).

    Parameters
    ----------
    dictionary
        Path of the CSV from Project Setup → Data Dictionary, or a DataFrame with its columns
        (or the API metadata names ``field_name``, ``form_name`` …). Not modified.

    Returns
    -------
    dict
        ``{field name: field}`` in dictionary order; each field has ``name``, ``form``,
        ``type``, ``label`` (HTML removed) and ``choices`` ({code: label}).

    Raises
    ------
    InputError
        Naming the file, when it is not a data dictionary or has no fields.
    """
    if isinstance(dictionary, pd.DataFrame):
        frame, where = dictionary, "the data dictionary"
    else:
        from .plain import read_plain

        frame, where = read_plain(dictionary).data, str(dictionary)
    rename = {c: _DICT_COLUMNS[" ".join(str(c).lower().split())] for c in frame.columns
              if " ".join(str(c).lower().split()) in _DICT_COLUMNS}
    missing = [c for c in _REQUIRED if c not in rename.values()]
    if missing:
        raise InputError(
            "is not a REDCap data dictionary: the columns 'Variable / Field Name', 'Form Name', "
            "'Field Type' and 'Field Label' are needed.", file=where,
            fix="download it in REDCap from Project Setup → Data Dictionary (CSV).",
        )
    frame = frame.rename(columns=rename)
    fields: dict[str, _Field] = {}
    for rec in frame.to_dict("records"):
        name = str(rec["field_name"] or "").strip()
        if not name or name == "nan":
            continue
        ftype = str(rec["field_type"] or "").strip().lower()
        choices = parse_choices(rec.get("choices")) if ftype in ("radio", "dropdown", "checkbox") else {}
        fields[name] = _Field(name, str(rec["form_name"] or "").strip(), ftype,
                              _clean_label(rec["field_label"]), choices)
    if not fields:
        raise InputError("is an empty REDCap data dictionary (no fields).", file=where,
                         fix="download the data dictionary again from Project Setup.")
    return fields


def read_redcap(path: str | Path, *, dictionary: str | Path | pd.DataFrame | None = None,
                encoding: str | None = None, sheet: str | int | None = None) -> Export:
    """Read a REDCap export (raw or label values; variable-name or label headers).

    Parameters
    ----------
    path
        The data export (CSV, or XLSX); never modified.
    dictionary
        The project's data dictionary (CSV path or DataFrame). Optional; it adds question
        text, value labels and checkbox choice labels, and is checked against the columns.
    encoding, sheet
        As in :func:`read_export`.

    Returns
    -------
    Export
        ``data``: ``row`` then every column as read (values as text). ``[not completed]``
        markers in ``<form>_timestamp`` columns are normalised to exactly
        :data:`NOT_COMPLETED` and listed in ``info.markers``. ``info``: ``timepoint_column``
        ``redcap_event_name`` (longitudinal projects); ``metadata_columns`` (redcap_*,
        ``_timestamp``, ``_complete``); ``checkbox_groups`` (field → {column: choice label});
        ``value_labels`` from the dictionary (radio, dropdown, yesno, truefalse, checkbox,
        ``_complete`` 0/1/2); ``status_rules`` marking surveys started but not submitted and
        forms marked Incomplete; ``choice_text`` (label export or raw codes).

    Notes
    -----
    Layout as documented by REDCap and read by REDCapR/PyCap; checked against the survey
    project export and dictionary in ``tests/reference/real-exports/redcap-survey`` (from
    REDCapR). Checkbox columns hold 0 even for forms never seen (REDCapR issue #420): the
    reader warns when every box of a checkbox field is 0 on an empty or Incomplete form.

    Examples
    --------
    >>> exp = read_redcap("tests/reference/real-exports/redcap-survey/data.csv",
    ...                   dictionary="tests/reference/real-exports/redcap-survey/dictionary.csv")
    >>> exp.info.checkbox_groups["consent"]
    {'consent___1': 'I consent'}
    """
    src = open_source(path, encoding=encoding, sheet=sheet)
    return from_source(src, dictionary)


def _classify(cols: list[str], fields: dict[str, _Field] | None) -> tuple[dict[str, tuple[str, str | None, str | None]], list[str]]:
    """column → (role, field, code); roles: field, checkbox, system, timestamp, complete."""
    forms = {f.form for f in fields.values()} if fields else set()
    by_label: dict[str, tuple[str, str | None, str | None]] = {}
    if fields:
        for f in fields.values():
            if f.type == "checkbox":
                for code, lab in f.choices.items():
                    by_label[f"{f.label} (choice={lab})"] = ("checkbox", f.name, code)
            by_label.setdefault(f.label, ("field", f.name, None))
    for raw, lab in REDCAP_SYSTEM_COLUMNS.items():
        by_label[lab] = ("system", raw, None)
    by_label["Survey Timestamp"] = ("timestamp", None, None)
    by_label["Complete?"] = ("complete", None, None)
    out: dict[str, tuple[str, str | None, str | None]] = {}
    unmatched: list[str] = []
    for c in cols:
        m = re.match(r"^(.+?)___(.+)$", c)
        if fields and c in fields:
            out[c] = ("field", c, None)
        elif c in REDCAP_SYSTEM_COLUMNS:
            out[c] = ("system", c, None)
        elif m and (not fields or (m.group(1) in fields and fields[m.group(1)].type == "checkbox")):
            fname, suffix = m.group(1), m.group(2)
            code = suffix
            if fields:
                for k in fields[fname].choices:
                    if _checkbox_suffix(k) == suffix.lower():
                        code = k
            out[c] = ("checkbox", fname, code)
        elif c.endswith("_timestamp") and (not fields or c[: -len("_timestamp")] in forms):
            out[c] = ("timestamp", c[: -len("_timestamp")], None)
        elif c.endswith("_complete") and (not fields or c[: -len("_complete")] in forms):
            out[c] = ("complete", c[: -len("_complete")], None)
        elif (lab := re.sub(r"\.\d+$", "", c)) in by_label:
            out[c] = by_label[lab]
        elif fields:
            unmatched.append(c)
    return out, unmatched


def from_source(src: Source, dictionary: str | Path | pd.DataFrame | None = None) -> Export:
    fields = read_redcap_dictionary(dictionary) if dictionary is not None else None
    grid, fixed = load_grid(src, 1)
    draft = start_draft(src, grid, list(grid.header[0]), "redcap", 1, fixed)
    data = draft.data
    cols = [c for c in data.columns if c != "row"]
    roles, unmatched = _classify(cols, fields)
    if fields is not None and unmatched:
        shown = ", ".join(f"'{c}'" for c in unmatched[:6]) + (" …" if len(unmatched) > 6 else "")
        raise InputError(
            f"does not match the data file {src.path.name}: {len(unmatched)} data column(s) are not "
            f"in the dictionary ({shown}).",
            file=dictionary if not isinstance(dictionary, pd.DataFrame) else "the data dictionary",
            fix="use the data dictionary of the same REDCap project, downloaded at the same time "
                "as the data (Project Setup → Data Dictionary), or leave dictionary= out.",
        )
    _describe(draft, cols, roles, fields)
    return draft.finish()


def _describe(draft: Draft, cols: list[str], roles: dict, fields: dict[str, _Field] | None) -> None:
    data = draft.data
    meta: list[str] = []
    groups: dict[str, list[str]] = {}
    for c in cols:
        role, fname, code = roles.get(c, (None, None, None))
        if role in ("system", "timestamp", "complete"):
            meta.append(c)
        if role == "system" and fname == "redcap_event_name":
            draft.timepoint_column = c
        if role == "complete":
            draft.value_labels[c] = dict(COMPLETE_LABELS)
            draft.question_text[c] = f"Complete? ({fname})" if fname else "Complete?"
        elif role == "timestamp":
            _normalise_not_completed(draft, c)
            draft.question_text[c] = "Survey Timestamp"
            draft.date_columns.append(c)
        elif role == "system":
            draft.question_text[c] = REDCAP_SYSTEM_COLUMNS.get(str(fname), c)
        elif role == "checkbox":
            groups.setdefault(str(fname), []).append(c)
            draft.value_labels[c] = dict(CHECKBOX_LABELS)
            if fields and fname in fields:
                f = fields[fname]
                lab = f.choices.get(str(code), str(code))
                draft.checkbox_groups.setdefault(f.name, {})[c] = lab
                draft.question_text[c] = f"{f.label} (choice={lab})"
            else:
                draft.checkbox_groups.setdefault(str(fname), {})[c] = str(code)
        elif role == "field" and fields and fname in fields:
            f = fields[fname]
            draft.question_text[c] = f.label
            labels = f.choices if f.type in ("radio", "dropdown") else _FIXED_LABELS.get(f.type, {})
            if labels:
                draft.value_labels[c] = dict(labels)
    draft.column_groups = {g: tuple(cs) for g, cs in groups.items()}
    draft.metadata_columns = meta
    draft.status_rules += _form_rules(cols, roles, next(iter(fields)) if fields else (cols[0] if cols else None))
    first = cols[0] if cols else None
    if fields:
        first = next(iter(fields))
    draft.id_preferred = [c for c in (first, "record_id") if c and c in data.columns]
    draft.choice_text = _choice_text(data, roles, fields)
    if "redcap_repeat_instrument" in data.columns:
        n = int(data["redcap_repeat_instrument"].notna().sum())
        if n:
            draft.warnings.append(
                f"{n} row(s) are instances of repeating instruments (redcap_repeat_instrument, "
                "redcap_repeat_instance): several rows can belong to the same record and event."
            )
    if fields:
        _checkbox_zero_warnings(draft, fields)


def _form_rules(cols: list[str], roles: dict, record_id: str | None = None) -> list[StatusRule]:
    """REDCap's completion rules, form by form, as REDCap means them.

    A survey whose timestamp reads ``[not completed]`` was started and not submitted. A form
    marked Incomplete (``<form>_complete`` 0) is only *checked*, not set aside: REDCap marks
    a form Incomplete whenever it was saved without its status being changed, which is common
    for forms entered by staff and for complete answers. Where the survey timestamp holds a
    submission time, that decides and no check is raised. A form without answers at an event
    is not flagged (REDCap writes 0 for forms not used there).
    """
    rules: list[StatusRule] = []
    fields: list[str] = []
    for c in cols:
        role, fname, _code = roles.get(c, (None, None, None))
        if role in ("field", "checkbox") or (role is None and c != record_id):
            fields.append(c)
            continue
        if role != "complete":
            continue
        form = fname or c
        stamp = f"{form}_timestamp" if f"{form}_timestamp" in roles else None
        if stamp is not None:
            rules.append(StatusRule(stamp, frozenset({NOT_COMPLETED}), "incomplete",
                                    f"survey '{form}' was started but not submitted (REDCap [not completed])"))
        if fields:
            rules.append(StatusRule(
                c, frozenset({"0", "Incomplete"}), "check",
                f"form '{form}' is marked Incomplete in REDCap (kept: REDCap marks forms Incomplete "
                "when their status was not changed; check the answers are complete)",
                only_if_answered=tuple(fields), only_if_blank=(stamp,) if stamp else ()))
        fields = []
    return rules


def _normalise_not_completed(draft: Draft, col: str) -> None:
    s = draft.data[col]
    if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
        return
    t = s.astype("string")
    hit = (t.str.strip().str.casefold() == NOT_COMPLETED).to_numpy(dtype=bool, na_value=False)
    if not hit.any():
        return
    variant = hit & (t != NOT_COMPLETED).to_numpy(dtype=bool, na_value=False)
    if variant.any():
        new = s.copy()
        new[variant] = NOT_COMPLETED
        draft.data[col] = new
        draft.repairs.append(f"normalised {int(variant.sum())} '[not completed]' marker(s) in '{col}'.")
    draft.markers[NOT_COMPLETED] = (
        "REDCap: the survey was started but not submitted (in <form>_timestamp columns)."
    )


def _choice_text(data: pd.DataFrame, roles: dict, fields: dict[str, _Field] | None) -> bool | None:
    codes_seen = labels_seen = False
    for c, (role, fname, _code) in roles.items():
        vals = set(data[c].dropna().astype(str).str.strip().unique()[:50])
        if not vals:
            continue
        if role == "complete":
            codes_seen |= bool(vals & set(COMPLETE_LABELS))
            labels_seen |= bool(vals & set(COMPLETE_LABELS.values()))
        elif role == "checkbox":
            codes_seen |= bool(vals & {"0", "1"})
            labels_seen |= bool(vals & {"Checked", "Unchecked"})
        elif role == "field" and fields and fname in fields and fields[fname].choices:
            f = fields[fname]
            codes_seen |= bool(vals & set(f.choices))
            labels_seen |= bool(vals & (set(f.choices.values()) - set(f.choices)))
    if labels_seen:
        return True
    return False if codes_seen else None


def _checkbox_zero_warnings(draft: Draft, fields: dict[str, _Field]) -> None:
    data = draft.data
    for fname, members in draft.checkbox_groups.items():
        form = fields[fname].form if fname in fields else None
        complete = f"{form}_complete"
        if not form or complete not in data.columns:
            continue
        boxes = data[list(members)].astype("string")
        none_ticked = boxes.isin(["0", "Unchecked"]).all(axis=1).to_numpy(dtype=bool)
        status = data[complete].astype("string")
        not_done = (status.isna() | status.isin(["0", "Incomplete"])).to_numpy(dtype=bool, na_value=True)
        n = int((none_ticked & not_done).sum())
        if n:
            draft.warnings.append(
                f"checkbox '{fname}': {n} row(s) have every box at 0 on a form that is empty or "
                "Incomplete; REDCap exports 0 for boxes never shown, so these may be unanswered "
                "rather than 'none chosen'."
            )
