"""Write the survey-export fixtures in this folder (deterministic; run from anywhere).

    .venv/bin/python tests/data/exports/make_fixtures.py

Every file imitates one platform's real layout with a few synthetic respondents (no real
people). The awkward cases are deliberate: a Qualtrics preview row and an unfinished
response, quoted newlines in free text, a UTF-16 LE TSV with BOM, a UTF-8 BOM, cp1252 and
double-encoded UTF-8 (mojibake), Excel-mangled ids, a REDCap checkbox field with
``[not completed]`` markers and a repeating instrument, a SurveyMonkey matrix question, a
Microsoft Forms quiz, Google Forms checkbox and grid questions, SPSS value labels with a
user-missing code. Binary files are made byte-for-byte reproducible (fixed zip and SPSS
header timestamps).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE  # where files are written; main(out=...) changes it (the tests use a temp folder)
FIXED = (2024, 1, 1, 0, 0, 0)


def write_text(name: str, rows: list[list[object]], *, delimiter: str = ",", encoding: str = "utf-8",
               newline: str = "\n", bom: bool = False) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    data = buf.getvalue().encode(encoding)
    if bom and encoding == "utf-8":
        data = b"\xef\xbb\xbf" + data
    elif bom and encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    (OUT / name).write_bytes(data)


def normalise_zip(path: Path) -> None:
    """Rewrite a zip (xlsx) with fixed timestamps and order, so the bytes are reproducible."""
    with zipfile.ZipFile(path) as z:
        items = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    # openpyxl stamps the save time into docProps/core.xml whatever the properties say
    items = [(n, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", d)
              if n == "docProps/core.xml" else d) for n, d in items]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=FIXED)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            z.writestr(info, data)


def write_xlsx(name: str, rows: list[list[object]], sheet: str = "Sheet1") -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    when = dt.datetime(*FIXED)
    wb.properties.created = when
    wb.properties.modified = when
    wb.properties.creator = "evaltool fixtures"
    path = OUT / name
    wb.save(path)
    normalise_zip(path)


# --------------------------------------------------------------------------------------
# Qualtrics
# --------------------------------------------------------------------------------------
BRS_STEM = "Please indicate how much you agree with each statement."
BRS_ITEMS = [
    "I tend to bounce back quickly after hard times",
    "I have a hard time making it through stressful events",
    "It does not take me long to recover from a stressful event",
    "It is hard for me to snap back when something bad happens",
    "I usually come through difficult times with little trouble",
    "I tend to take a long time to get over set-backs in my life",
]
AGREE = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}
Q_META = [
    ("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"), ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"), ("Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("Finished", "Finished", "finished"), ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
]
# status, progress, finished, response id, external ref, answers (6), free text, code
Q_RESPONSES = [
    (1, 100, 1, "R_1prevAAAAAAAAAA", "", [3, 3, 3, 3, 3, 3], "test", ""),
    (0, 100, 1, "R_2aaaaaaaaaaaaaa", "P001", [4, 2, 4, 2, 5, 1],
     "Talking to colleagues, and\nasking for help early.", "P001"),
    (0, 100, 1, "R_3bbbbbbbbbbbbbb", "P002", [5, 1, 4, 2, 4, 2], "I don’t feel alone now.", "P002"),
    (0, 40, 0, "R_4cccccccccccccc", "P003", [2, 4, None, None, None, None], "", "P003"),
    (0, 100, 1, "R_5dddddddddddddd", "P004", [3, 3, 4, 3, 3, 3], "More time for reflection", "P004"),
]
STATUS_LABEL = {0: "IP Address", 1: "Survey Preview"}


def qualtrics_rows(choice_text: bool) -> list[list[object]]:
    ids = [m[0] for m in Q_META] + [f"Q1_{i}" for i in range(1, 7)] + ["Q2", "participant_code"]
    text = [m[1] for m in Q_META] + [f"{BRS_STEM} - {t}" for t in BRS_ITEMS] + [
        "What will you take away from the workshop?", "participant_code"]
    imports = [
        {"ImportId": m[2], "timeZone": "Europe/London"} if m[2] in ("startDate", "endDate", "recordedDate")
        else {"ImportId": m[2]} for m in Q_META
    ] + [{"ImportId": f"QID1_{i}"} for i in range(1, 7)] + [
        {"ImportId": "QID2_TEXT"}, {"ImportId": "participant_code"}]
    rows: list[list[object]] = [ids, text, [json.dumps(d, separators=(",", ":")) for d in imports]]
    for k, (status, progress, finished, rid, ext, answers, free, code) in enumerate(Q_RESPONSES):
        start = f"2024-03-0{k + 1} 09:0{k}:00"
        meta = [
            start, f"2024-03-0{k + 1} 09:1{k}:00",
            STATUS_LABEL[status] if choice_text else status, f"192.0.2.{10 + k}", progress,
            300 + k, ("True" if finished else "False") if choice_text else finished,
            f"2024-03-0{k + 1} 09:1{k}:05", rid, "", "", "", ext, "51.5072", "-0.1276",
            "anonymous", "EN",
        ]
        vals = [None if a is None else (AGREE[a] if choice_text else a) for a in answers]
        rows.append(meta + vals + [free, code])
    return rows


def make_qualtrics() -> None:
    write_text("qualtrics_numeric.csv", qualtrics_rows(False), newline="\r\n")
    write_text("qualtrics_choice.tsv", qualtrics_rows(True), delimiter="\t", encoding="utf-16-le",
               newline="\r\n", bom=True)
    write_xlsx("qualtrics_numeric.xlsx", qualtrics_rows(False))


# --------------------------------------------------------------------------------------
# REDCap
# --------------------------------------------------------------------------------------
DICT_HEADER = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
]
AGREE_CHOICES = " | ".join(f"{k}, {v}" for k, v in AGREE.items())


def _dict_row(name: str, form: str, ftype: str, label: str, choices: str = "", **kw: str) -> list[str]:
    row = [name, form, kw.get("section", ""), ftype, label, choices] + [""] * 12
    if "validation" in kw:
        row[7] = kw["validation"]
    return row


def make_redcap() -> None:
    dictionary = [
        DICT_HEADER,
        _dict_row("record_id", "wellbeing_survey", "text", "Record ID"),
        _dict_row("brs_1", "wellbeing_survey", "radio", f"<b>{BRS_ITEMS[0]}</b>", AGREE_CHOICES,
                  section=BRS_STEM),
        _dict_row("brs_2", "wellbeing_survey", "radio", BRS_ITEMS[1], AGREE_CHOICES),
        _dict_row("brs_3", "wellbeing_survey", "radio", BRS_ITEMS[2], AGREE_CHOICES),
        _dict_row("support", "wellbeing_survey", "checkbox", "Who have you turned to for support?",
                  "1, Line manager | 2, Peer support | 3, Occupational health | 99, Other"),
        _dict_row("feedback", "wellbeing_survey", "notes", "Any comments?"),
        _dict_row("contact_date", "contact_log", "text", "Date of contact", validation="date_ymd"),
    ]
    write_text("redcap_dictionary.csv", dictionary)
    header = ["record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
              "wellbeing_survey_timestamp", "brs_1", "brs_2", "brs_3", "support___1", "support___2",
              "support___3", "support___99", "feedback", "wellbeing_survey_complete", "contact_date",
              "contact_log_complete"]
    rows = [
        ["1", "baseline_arm_1", "", "", "2024-01-10 09:00:00", 4, 2, 4, 1, 0, 0, 0,
         "My ward manager, and the team.", 2, "", ""],
        ["1", "baseline_arm_1", "contact_log", 1, "", "", "", "", "", "", "", "", "", "", "2024-01-15", 2],
        ["1", "post_arm_1", "", "", "[not completed]", 3, "", "", 0, 0, 0, 0, "", 0, "", ""],
        ["2", "baseline_arm_1", "", "", "", "", "", "", 0, 0, 0, 0, "", 0, "", ""],
        ["3", "baseline_arm_1", "", "", "2024-01-11 10:00:00", 5, 1, 5, 1, 1, 0, 1,
         "Peer support\nafter a difficult shift", 2, "", ""],
        ["3", "post_arm_1", "", "", "2024-02-11 10:00:00", 5, 1, 4, 0, 1, 0, 0, "", 2, "", ""],
    ]
    write_text("redcap_raw.csv", [header] + rows)
    lab_rows = []
    for r in rows:
        r = list(r)
        for j in (5, 6, 7):
            r[j] = AGREE.get(r[j], r[j]) if r[j] != "" else ""
        for j in (8, 9, 10, 11):
            r[j] = {1: "Checked", 0: "Unchecked"}.get(r[j], r[j])
        for j in (13, 15):
            r[j] = {2: "Complete", 0: "Incomplete", 1: "Unverified"}.get(r[j], r[j])
        r[1] = {"baseline_arm_1": "Baseline (Arm 1: Staff)", "post_arm_1": "Post (Arm 1: Staff)"}[r[1]]
        if r[4] == "[not completed]":
            r[4] = "[Not Completed]"  # a spelling variant the reader normalises
        lab_rows.append(r)
    write_text("redcap_labels.csv", [header] + lab_rows)


# --------------------------------------------------------------------------------------
# SurveyMonkey, Microsoft Forms, Google Forms
# --------------------------------------------------------------------------------------
def make_surveymonkey() -> None:
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
            "Email Address", "First Name", "Last Name", "Custom Data 1"]
    top = meta + ["How would you rate the workshop overall?",
                  "How much do the following affect your resilience at work?", "",
                  "Which of these strategies have you used?", "", "",
                  "Any other comments?"]
    sub = [""] * len(meta) + ["Response", "Workload", "Support from my team", "Reframing",
                              "Peer support", "Other (please specify)", "Open-Ended Response"]
    rows = [top, sub]
    answers = [
        ("P001", "Excellent", "A lot", "A little", "Reframing", "", "", "Really useful, thank you"),
        ("P002", "Good", "A lot", "Not at all", "Reframing", "Peer support", "", ""),
        ("P003", "Fair", "A little", "A lot", "", "", "Mindfulness app", "Too short;\nmore please"),
    ]
    for k, (code, *vals) in enumerate(answers):
        rows.append([114000000000 + k, 431000001, f"03/0{k + 1}/2024 10:15:32 AM",
                     f"03/0{k + 1}/2024 10:25:02 AM", f"198.51.100.{k + 1}", "", "", "", code, *vals])
    write_text("surveymonkey.csv", rows, bom=True, newline="\r\n")


def make_msforms() -> None:
    q1 = "Which profession are you in?"
    q2 = "Which of these is a strategy from the workshop?"
    q3 = "Which sessions did you find useful?"
    q4 = "How confident are you in coping with adverse events? (0-10)"
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Total points",
              "Quiz feedback", q1, q2, f"Points - {q2}", f"Feedback - {q2}", q3, q4]
    rows = [header]
    data = [
        ("Midwife", "Reframing unhelpful thoughts", 1, "Correct", "Reframing;Peer support;", 7),
        ("Paramedic", "Working longer hours", 0, "See session 2", "Peer support;", 5),
        ("Doctor", "Reframing unhelpful thoughts", 1, "Correct", "Reframing;", 8),
    ]
    for k, (prof, ans, pts, fb, sessions, conf) in enumerate(data, 1):
        start = dt.datetime(2024, 3, k, 9, 0, 0)
        rows.append([k, start, start + dt.timedelta(minutes=6), "anonymous", "", pts, "",
                     prof, ans, pts, fb, sessions, conf])
    write_xlsx("msforms_quiz.xlsx", rows, sheet="Sheet1")


def make_googleforms() -> None:
    header = ["Timestamp", "Email Address", "Which sessions did you attend?",
              "How useful was the workshop?", "Rate each session [Reframing]",
              "Rate each session [Peer support]", "Anything else?"]
    rows = [
        ["2024/03/01 9:15:02 AM GMT", "a.example@example.org", "Reframing, Peer support", 5, "Very good", "Good",
         "Thanks, it helped"],
        ["2024/03/01 9:20:45 AM GMT", "b.example@example.org", "Reframing", 4, "Good", "Good", ""],
        ["2024/03/01 9:31:10 AM GMT", "c.example@example.org", "Peer support, Coaching call", 3, "Fair", "Very good",
         "More on sleep, please"],
        ["2024/03/02 10:02:00 AM GMT", "d.example@example.org", "Reframing, Peer support, Coaching call", 5,
         "Very good", "Very good", ""],
    ]
    write_text("googleforms.csv", [header] + rows)


# --------------------------------------------------------------------------------------
# SPSS
# --------------------------------------------------------------------------------------
def make_spss() -> None:
    import pandas as pd
    import pyreadstat

    df = pd.DataFrame({
        "participant_id": ["P001", "P002", "P003", "P004"],
        "group": ["Midwife", "", "Doctor", "Paramedic"],
        "brs_1": [4.0, 99.0, 2.0, 5.0],
        "brs_2": [2.0, 3.0, None, 1.0],
        "brs_3": [4.0, 4.0, 3.0, 98.0],
    })
    labels = {**{float(k): v for k, v in AGREE.items()}, 98.0: "Don't know", 99.0: "Refused"}
    path = OUT / "spss_labels.sav"
    pyreadstat.write_sav(
        df, str(path),
        column_labels={"participant_id": "Participant code", "group": "Profession",
                       "brs_1": BRS_ITEMS[0], "brs_2": BRS_ITEMS[1], "brs_3": BRS_ITEMS[2]},
        variable_value_labels={"brs_1": labels, "brs_2": labels, "brs_3": labels},
        missing_ranges={"brs_1": [99.0, 98.0], "brs_2": [99.0, 98.0], "brs_3": [{"lo": 98.0, "hi": 99.0}]},
    )
    raw = bytearray(path.read_bytes())
    raw[92:101] = b"01 Jan 24"  # creation date and time in the file header
    raw[101:109] = b"00:00:00"
    path.write_bytes(bytes(raw))


# --------------------------------------------------------------------------------------
# plain tables and encodings
# --------------------------------------------------------------------------------------
def make_plain() -> None:
    header = ["participant_id", "timepoint", "brs_1", "brs_2", "brs_3", "brs_4", "brs_5", "brs_6"]
    rows = [["P001", "T1", 4, 2, 4, 2, 5, 1], ["P002", "T1", 5, 1, 4, 2, 4, 2],
            ["P001", "T2", 5, 1, 5, 1, 5, 1]]
    write_text("plain.csv", [header] + rows)
    write_xlsx("plain.xlsx", [header] + rows, sheet="Responses")
    write_text("plain_semicolon.csv", [["participant_id", "score", "comment"],
                                       ["P001", "3,5", "good, thanks"], ["P002", "4,0", ""]],
               delimiter=";")
    rows_enc = [["participant_id", "name", "comment"],
                ["P001", "Zoë", "It’s fine – thanks"], ["P002", "Renée", "Café was closed"]]
    write_text("cp1252.csv", rows_enc, encoding="cp1252", newline="\r\n")
    write_text("utf8_bom.csv", rows_enc, bom=True)
    double = [[v.encode("utf-8").decode("cp1252") for v in r] for r in rows_enc[1:]]
    write_text("mojibake.csv", [rows_enc[0], *double, ["P003", "São Paulo", "plain text"]])
    write_text("excel_ids.csv", [["participant_id", "q1"], ["P001", 1], ["1.20E+05", 2], ["012", 3],
                                 ["12", 4], ["0345", 5], ["101.0", 6]])
    (OUT / "blank_lines.csv").write_bytes(
        b"participant_id,q1\n\nP001,1\n\n\nP002,\"two\nlines\"\nP003,3\n\n")


FILES = (
    "blank_lines.csv", "cp1252.csv", "excel_ids.csv", "googleforms.csv", "mojibake.csv",
    "msforms_quiz.xlsx", "plain.csv", "plain.xlsx", "plain_semicolon.csv", "qualtrics_choice.tsv",
    "qualtrics_numeric.csv", "qualtrics_numeric.xlsx", "redcap_dictionary.csv", "redcap_labels.csv",
    "redcap_raw.csv", "spss_labels.sav", "surveymonkey.csv", "utf8_bom.csv",
)


def main(out: Path | None = None) -> None:
    global OUT
    OUT = Path(out) if out is not None else HERE
    OUT.mkdir(parents=True, exist_ok=True)
    make_qualtrics()
    make_redcap()
    make_surveymonkey()
    make_msforms()
    make_googleforms()
    make_spss()
    make_plain()


if __name__ == "__main__":
    main()
