"""Write the example study as a Qualtrics-style CSV per wave and a REDCap-style long export.

Layouts copy the real exports in ``tests/reference/real-exports``: Qualtrics with three header
rows (export tags, question text, ``{"ImportId":...}`` JSON), the 17 metadata columns, numeric
values, UTF-8 with a byte-order mark; REDCap with one header row, raw codes, one row per
record x event, ``<form>_complete`` columns, ``field___code`` checkbox columns, and values
quoted when they contain a space, comma, quote or line break (as REDCap writes them).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from . import _design as d
from ._simulate import Response

# --- Qualtrics -----------------------------------------------------------------------------

QUALTRICS_METADATA = (
    ("StartDate", "Start Date", "startDate"),
    ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"),
    ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"),
    ("Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("Finished", "Finished", "finished"),
    ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
)


def qualtrics_questions(wave: str) -> list[tuple[str, str, str, str]]:
    """(export tag, question text, ImportId, item id) of the question columns at ``wave``."""
    content = d.WAVE_CONTENT[wave]
    cols: list[tuple[str, str, str, str]] = [
        ("Q_PID", "Please enter your participant code (from your invitation e-mail)",
         "QID1_TEXT", "participant_code"),
    ]
    if "cohort" in content:
        cols.append(("Q_COHORT", "Which workshop group are you in? Please enter the group code "
                     "from your invitation e-mail (for example C03)", "QID2_TEXT", "cohort"))
    if "profession" in content:
        cols.append(("Q_PROF", d.PROFESSION_QUESTION, "QID3", "profession"))
    for j, item in enumerate(d.BRS_ITEMS, start=1):
        cols.append((f"Q1_{j}", f"How much do you agree with each statement? - Resilience "
                     f"statement {j}", f"QID4_{j}", item))
    if "cbi" in content:
        stems = {"personal": ("Q2", "QID5", "Personal burnout"),
                 "work": ("Q3", "QID6", "Work-related burnout"),
                 "patient": ("Q4", "QID7", "Patient-related burnout")}
        for sub, items in d.CBI_SUBSCALES.items():
            tag, qid, label = stems[sub]
            for j, item in enumerate(items, start=1):
                text = next(i.text for i in d.CBI_ITEMS if i.item == item)
                cols.append((f"{tag}_{j}", f"{label}: please choose the answer that fits you "
                             f"best. - {text}", f"{qid}_{j}", item))
    for j, (item, text) in enumerate(d.CC_ITEMS, start=1):
        cols.append((item, f"{d.CC_STEM} - {text}", f"QID8_{j}", item))
    if "rk" in content:
        for j, q in enumerate(d.QUIZ_ITEMS):
            cols.append((q.item, q.question, f"QID{9 + j}", q.item))
    free = {"fb_useful": ("Q_USEFUL", "QID17_TEXT"), "fb_change": ("Q_CHANGE", "QID18_TEXT"),
            "fb_coaching": ("Q_COACH", "QID20_TEXT"), "fb_used": ("Q_USED", "QID21_TEXT"),
            "fb_other": ("Q_OTHER", "QID22_TEXT")}
    if "attend" in content:
        cols.append(("Q_ATTEND", "Which parts of the programme did you attend? (select all that "
                     "apply; 1 = the group workshop, 2 = the one-to-one coaching call) - "
                     "Selected Choice", "QID19", "attend"))
    for item, (tag, qid) in free.items():
        if item in content:
            cols.append((tag, d.FREE_TEXT[item][1], qid, item))
    return cols


def _fmt_time(t) -> str:
    return "" if t is None else t.strftime("%Y-%m-%d %H:%M:%S")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def qualtrics_csv(wave: str, responses: Sequence[Response]) -> str:
    """The text of one wave's Qualtrics export (without the byte-order mark)."""
    questions = qualtrics_questions(wave)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([m[0] for m in QUALTRICS_METADATA] + [q[0] for q in questions])
    w.writerow([m[1] for m in QUALTRICS_METADATA] + [q[1] for q in questions])
    w.writerow([json.dumps({"ImportId": m[2]}, separators=(",", ":"))
                for m in QUALTRICS_METADATA]
               + [json.dumps({"ImportId": q[2]}, separators=(",", ":")) for q in questions])
    for r in responses:
        meta = [_fmt_time(r.start), _fmt_time(r.end), r.status, r.ip, r.progress, r.duration,
                r.finished, _fmt_time(r.recorded), r.response_id, "", "", "", "", r.lat, r.lon,
                r.channel, "EN-GB"]
        values = [r.typed_id if item == "participant_code" else r.answers.get(item)
                  for _, _, _, item in questions]
        w.writerow([_cell(v) for v in meta] + [_cell(v) for v in values])
    return buf.getvalue()


# --- REDCap --------------------------------------------------------------------------------

REDCAP_FORMS = (
    "enrolment", "brief_resilience", "burnout_cbi", "confidence_coping", "knowledge_quiz",
    "workshop_feedback", "coaching_feedback", "follow_up_feedback",
)
REDCAP_DESIGNATION = {
    "T1": ("enrolment", "brief_resilience", "burnout_cbi", "confidence_coping", "knowledge_quiz"),
    "T2": ("brief_resilience", "confidence_coping", "knowledge_quiz", "workshop_feedback"),
    "T3": ("brief_resilience", "confidence_coping", "coaching_feedback"),
    "T4": ("brief_resilience", "burnout_cbi", "confidence_coping", "knowledge_quiz",
           "follow_up_feedback"),
}
DICTIONARY_HEADER = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?",
    "Field Annotation",
)


def _choices(labels: dict[int, str]) -> str:
    return " | ".join(f"{k}, {v}" for k, v in labels.items())


def redcap_dictionary(cohorts: Sequence[str] = d.COHORTS) -> list[dict[str, str]]:
    """Data dictionary rows (field name, form, type, label, choices ...)."""
    rows: list[dict[str, str]] = []

    def add(field: str, form: str, ftype: str, label: str, choices: str = "",
            section: str = "", matrix: str = "", note: str = "", identifier: str = "") -> None:
        rows.append({"Variable / Field Name": field, "Form Name": form, "Section Header": section,
                     "Field Type": ftype, "Field Label": label,
                     "Choices, Calculations, OR Slider Labels": choices, "Field Note": note,
                     "Identifier?": identifier, "Matrix Group Name": matrix})

    add("record_id", "enrolment", "text", "Participant code")
    add("cohort", "enrolment", "dropdown", "Workshop group (cohort)",
        _choices({k + 1: c for k, c in enumerate(cohorts)}))
    add("profession", "enrolment", "dropdown", "Profession or course of study",
        _choices(d.PROFESSIONS))
    for j, item in enumerate(d.BRS_ITEMS, start=1):
        add(item, "brief_resilience", "radio", f"Resilience statement {j}", _choices(d.AGREE5),
            section="How much do you agree with each statement?" if j == 1 else "", matrix="brs")
    headers = {"cbi_p1": "Personal burnout", "cbi_w1": "Work-related burnout",
               "cbi_c1": "Patient-related burnout"}
    for it in d.CBI_ITEMS:
        labels = d.CBI_FREQUENCY if it.labels == "frequency" else d.CBI_DEGREE
        add(it.item, "burnout_cbi", "radio", it.text, _choices(labels),
            section=headers.get(it.item, ""))
    for j, (item, text) in enumerate(d.CC_ITEMS, start=1):
        add(item, "confidence_coping", "radio", text,
            _choices(d.CONFIDENCE11), section=d.CC_STEM if j == 1 else "", matrix="cc")
    for q in d.QUIZ_ITEMS:
        add(q.item, "knowledge_quiz", "radio", q.question,
            _choices({k + 1: o for k, o in enumerate(q.options)}))
    add("fb_useful", "workshop_feedback", "notes", d.FREE_TEXT["fb_useful"][1])
    add("fb_change", "workshop_feedback", "notes", d.FREE_TEXT["fb_change"][1])
    add("attend", "coaching_feedback", "checkbox", "Which parts of the programme did you attend?",
        _choices(d.ATTEND_CHOICES), note="Select all that apply")
    add("fb_coaching", "coaching_feedback", "notes", d.FREE_TEXT["fb_coaching"][1])
    add("fb_used", "follow_up_feedback", "notes", d.FREE_TEXT["fb_used"][1])
    add("fb_other", "follow_up_feedback", "notes", d.FREE_TEXT["fb_other"][1])
    return [{h: r.get(h, "") for h in DICTIONARY_HEADER} for r in rows]


def redcap_columns() -> list[tuple[str, str]]:
    """(export column, form) in export order: fields, checkboxes expanded, then form status."""
    cols: list[tuple[str, str]] = []
    dictionary = redcap_dictionary(d.COHORTS[:1])
    for form in REDCAP_FORMS:
        for row in dictionary:
            if row["Form Name"] != form:
                continue
            field = row["Variable / Field Name"]
            if row["Field Type"] == "checkbox":
                cols.extend((f"{field}___{k}", form) for k in d.ATTEND_CHOICES)
            else:
                cols.append((field, form))
        cols.append((f"{form}_complete", form))
    return cols


_NEEDS_QUOTES = re.compile('[ ,"\n\r]')


def redcap_quote(value: str) -> str:
    if _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def redcap_lines(rows: Iterable[Sequence[str]]) -> str:
    return "".join(",".join(redcap_quote(v) for v in row) + "\n" for row in rows)


def redcap_record_rows(records: Sequence[tuple[str, str, Response]],
                       cohorts: Sequence[str] = d.COHORTS) -> list[list[str]]:
    """Rows of the raw export for (record_id, wave, response) triples, header first."""
    cols = redcap_columns()
    cohort_code = {c: str(k + 1) for k, c in enumerate(cohorts)}
    out = [["record_id", "redcap_event_name"] + [c for c, _ in cols[1:]]]
    for record_id, wave, r in records:
        designated = REDCAP_DESIGNATION[wave]
        row = [record_id, d.REDCAP_EVENTS[wave]]
        for col, form in cols[1:]:
            if form not in designated:
                row.append("")
            elif col.endswith("_complete") and col[: -len("_complete")] in REDCAP_FORMS:
                row.append(str(r.answers.get(f"_complete:{form}", 2)))
            elif "___" in col:
                field, code = col.split("___")
                chosen = r.answers.get(field)
                row.append("1" if isinstance(chosen, tuple) and int(code) in chosen else "0")
            elif col == "cohort":
                cohort = r.answers.get("cohort")
                row.append("" if cohort is None else cohort_code[str(cohort)])
            else:
                row.append(_cell(r.answers.get(col)))
        out.append(row)
    return out


def write_text(path: Path, text: str, *, bom: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)
