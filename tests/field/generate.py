"""Generate evaltool's FIELD CORPUS: realistic survey-platform exports the team did not tailor its
code to (issue 11, item 8).

Written from platform documentation and real sample exports only (see tests/field/README.md for
the source of every format detail); the author did not read evaltool's readers or linking code.
This script does NOT import evaltool: every expected number in ``<study>/expected.yaml`` comes from
the truth planted here, not from running the tool.

Run from the repository root (deterministic: fixed seed, fixed timestamps in every file)::

    python tests/field/generate.py            # rewrites tests/field/corpus/ and */expected.yaml

Needs only numpy, pandas, openpyxl, pyreadstat and pyyaml.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import shutil
import string
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import yaml

SEED = 20241104
HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)

rng = np.random.default_rng(SEED)

# --------------------------------------------------------------------------------------------
# Instruments
# --------------------------------------------------------------------------------------------


def _load_own(name: str) -> dict:
    return yaml.safe_load((HERE / "instruments" / name).read_text(encoding="utf-8"))


TEAM_COPING = _load_own("team_coping.yaml")
QUIZ = _load_own("quiz.yaml")
CC_LOCAL = _load_own("coping_confidence.yaml")

TC_ITEMS = [it["id"] for it in TEAM_COPING["items"]]
TC_TEXT = {it["id"]: it["text"] for it in TEAM_COPING["items"]}
KQ_ITEMS = [it["id"] for it in QUIZ["items"]]
KQ_TEXT = {it["id"]: it["text"] for it in QUIZ["items"]}
KQ_KEY = {it["id"]: it["correct"] for it in QUIZ["items"]}
KQ_OPTIONS = {it["id"]: QUIZ["response_sets"][it["response_set"]]["labels"] for it in QUIZ["items"]}
CC_ITEMS = [it["id"] for it in CC_LOCAL["items"]]
CC_TEXT = {it["id"]: it["text"] for it in CC_LOCAL["items"]}

BRS_ITEMS = [f"brs_{i}" for i in range(1, 7)]
BRS_REVERSED = {"brs_2", "brs_4", "brs_6"}
# The BRS is licence tier B in evaltool (keys only, no right to redistribute the wording), so the
# corpus does not reproduce the published statements: headers carry the paraphrased short labels
# of instruments/scales/brs.yaml instead (a documented departure from realism, README).
BRS_SHORT = {
    "brs_1": "bounce back quickly",
    "brs_2": "hard time through stressful events",
    "brs_3": "recover quickly",
    "brs_4": "hard to snap back",
    "brs_5": "come through difficult times",
    "brs_6": "long time to get over setbacks",
}
BRS_STATEMENT = {k: f"BRS {k[-1]} ({v})" for k, v in BRS_SHORT.items()}
AGREE5 = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}

WHO5_ITEMS = [f"who5_{i}" for i in range(1, 6)]
WHO5_TEXT = {  # WHO-5 (1998), tier A: text may be shipped (instruments/scales/NOTICE.md)
    "who5_1": "I have felt cheerful and in good spirits",
    "who5_2": "I have felt calm and relaxed",
    "who5_3": "I have felt active and vigorous",
    "who5_4": "I woke up feeling fresh and rested",
    "who5_5": "My daily life has been filled with things that interest me",
}
WHO5_LABELS = {0: "At no time", 1: "Some of the time", 2: "Less than half of the time",
               3: "More than half of the time", 4: "Most of the time", 5: "All of the time"}

GAD7_TEXT = {  # GAD-7, public domain (instruments/scales/NOTICE.md)
    1: "Feeling nervous, anxious, or on edge",
    2: "Not being able to stop or control worrying",
    3: "Worrying too much about different things",
    4: "Trouble relaxing",
    5: "Being so restless that it is hard to sit still",
    6: "Becoming easily annoyed or irritable",
    7: "Feeling afraid, as if something awful might happen",
}
GAD7_LABELS = {0: "Not at all", 1: "Several days", 2: "More than half the days", 3: "Nearly every day"}

# item -> (min, max) for generation
RANGES = {**{k: (1, 5) for k in BRS_ITEMS}, **{k: (0, 5) for k in WHO5_ITEMS},
          **{k: (0, 10) for k in TC_ITEMS}, **{k: (0, 10) for k in CC_ITEMS},
          **{f"gad_{i}": (0, 3) for i in range(1, 8)}, **{k: (1, 4) for k in KQ_ITEMS}}


# --------------------------------------------------------------------------------------------
# Scoring (the truth; written from the instrument files, not from evaltool's scorer)
# --------------------------------------------------------------------------------------------

def _valid(item: str, v) -> bool:
    if v is None:
        return False
    lo, hi = RANGES[item]
    return lo <= v <= hi


def score(scale: str, ans: dict) -> tuple[Fraction | None, str]:
    """Score one scale from one row's answers; returns (exact score or None, how)."""
    if scale == "brs":
        vals = []
        parts = []
        for k in BRS_ITEMS:
            v = ans.get(k)
            if not _valid(k, v):
                parts.append("_" if v is None else f"{v}(out of range)")
                continue
            r = 6 - v if k in BRS_REVERSED else v
            vals.append(r)
            parts.append(f"{v}->{r}" if k in BRS_REVERSED else str(v))
        if len(vals) < 5:
            return None, f"BRS answers {', '.join(parts)}: {len(vals)} of 6 valid, rule needs 5 -> missing"
        s = Fraction(sum(vals), len(vals))
        return s, (f"BRS answers {', '.join(parts)} (items 2, 4, 6 reversed as 6 - x): mean of {len(vals)} = "
                   f"{sum(vals)}/{len(vals)}")
    if scale == "who5":
        vals = [ans.get(k) for k in WHO5_ITEMS]
        shown = ", ".join("_" if v is None else str(v) for v in vals)
        if not all(_valid(k, ans.get(k)) for k in WHO5_ITEMS):
            return None, f"WHO-5 answers {shown}: not all 5 answered -> missing"
        return Fraction(4 * sum(vals)), f"WHO-5 answers {shown}: sum {sum(vals)} x 4"
    if scale == "gad7":
        ks = [f"gad_{i}" for i in range(1, 8)]
        vals = [ans.get(k) for k in ks]
        shown = ", ".join("_" if v is None else str(v) for v in vals)
        if not all(_valid(k, ans.get(k)) for k in ks):
            return None, f"GAD-7 answers {shown}: not all 7 answered -> missing"
        return Fraction(sum(vals)), f"GAD-7 answers {shown}: sum {sum(vals)}"
    if scale in ("team_coping", "coping_confidence"):
        items, need = (TC_ITEMS, 5) if scale == "team_coping" else (CC_ITEMS, 5)
        vals, parts = [], []
        for k in items:
            v = ans.get(k)
            if _valid(k, v):
                vals.append(v)
                parts.append(str(v))
            else:
                parts.append("_" if v is None else f"{v}(out of range)")
        if len(vals) < need:
            return None, f"answers {', '.join(parts)}: {len(vals)} of {len(items)} valid, rule needs {need} -> missing"
        return Fraction(sum(vals), len(vals)), f"answers {', '.join(parts)}: mean of {len(vals)} = {sum(vals)}/{len(vals)}"
    if scale == "knowledge_quiz":
        answered = [k for k in KQ_ITEMS if _valid(k, ans.get(k))]
        if not answered:
            return None, "no question answered -> missing"
        correct = [k for k in KQ_ITEMS if ans.get(k) == KQ_KEY[k]]
        parts = []
        for k in KQ_ITEMS:
            v = ans.get(k)
            parts.append("_" if v is None else (f"{v}+" if v == KQ_KEY[k] else f"{v}-"))
        return Fraction(len(correct)), (f"answers {', '.join(parts)} against key "
                                        f"{', '.join(str(KQ_KEY[k]) for k in KQ_ITEMS)} "
                                        f"(+ right, - wrong, _ unanswered = wrong): {len(correct)} correct")
    raise KeyError(scale)


# --------------------------------------------------------------------------------------------
# Generating answers
# --------------------------------------------------------------------------------------------

@dataclass
class Person:
    pid: str
    theta: float
    group: dict = field(default_factory=dict)


def likert(item: str, latent: float, *, mid: float, spread: float, noise: float, reverse: bool = False,
           lo: int | None = None, hi: int | None = None) -> int:
    lo_, hi_ = RANGES[item]
    lo = lo_ if lo is None else lo
    hi = hi_ if hi is None else hi
    v = mid + spread * latent + noise * rng.standard_normal()
    v = int(min(hi, max(lo, round(v))))
    return (hi + lo - v) if reverse else v


def gen_answers(p: Person, wave_effect: float, learning: float, sets: list[str]) -> dict:
    lat = p.theta + wave_effect
    a: dict = {}
    for s in sets:
        if s == "brs":
            for k in BRS_ITEMS:
                a[k] = likert(k, lat, mid=3.3, spread=0.7, noise=0.6, reverse=k in BRS_REVERSED)
        elif s == "who5":
            for k in WHO5_ITEMS:
                a[k] = likert(k, lat, mid=2.8, spread=0.8, noise=0.7)
        elif s == "team_coping":
            for k in TC_ITEMS:
                a[k] = likert(k, lat, mid=5.6, spread=1.6, noise=1.2)
        elif s == "coping_confidence":
            for k in CC_ITEMS:
                a[k] = likert(k, lat, mid=5.4, spread=1.6, noise=1.2)
        elif s == "gad7":
            for i in range(1, 8):
                a[f"gad_{i}"] = likert(f"gad_{i}", -lat, mid=0.9, spread=0.6, noise=0.6)
        elif s == "knowledge_quiz":
            pc = 1 / (1 + math.exp(-(0.1 + 0.8 * p.theta + learning)))
            for k in KQ_ITEMS:
                if rng.random() < pc:
                    a[k] = KQ_KEY[k]
                else:
                    wrong = [o for o in (1, 2, 3, 4) if o != KQ_KEY[k]]
                    a[k] = int(wrong[int(rng.integers(0, 3))])
        else:
            raise KeyError(s)
    return a


def rand_token(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(alphabet[int(i)] for i in rng.integers(0, len(alphabet), n))


@dataclass
class Row:
    """One data row of one export, with the truth about it."""
    person: str | None       # canonical participant id this row truly belongs to (None: nobody)
    written: str             # the id exactly as it appears in the file
    kind: str                # response | preview | test | unfinished | duplicate | no_id | near_miss | empty
    answers: dict
    start: dt.datetime
    end: dt.datetime
    progress: int = 100
    finished: bool = True
    near_of: str | None = None
    superseded_by: int | None = None   # for duplicates: index of the kept row
    text: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    data_row: int = 0
    file_line: int = 0


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------

def csv_text(rows: list[list], *, delimiter: str = ",", lineterminator: str = "\n",
             quoting: int = csv.QUOTE_MINIMAL) -> tuple[str, list[int]]:
    """Render rows; return text and the physical line (1-based) at which each row starts."""
    out = io.StringIO()
    starts = []
    line = 1
    for r in rows:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting).writerow(
            ["" if v is None else v for v in r])
        s = buf.getvalue()
        starts.append(line)
        line += s.count("\n")
        out.write(s)
    return out.getvalue(), starts


def redcap_csv_text(rows: list[list]) -> tuple[str, list[int]]:
    """REDCap's own quoting, as seen in the real export and dictionary (reference/real-exports):
    a value is quoted when it contains a space, comma, quote or line break; others are bare."""
    out, starts, line = [], [], 1
    for r in rows:
        cells = []
        for v in r:
            s = "" if v is None else str(v)
            if any(c in s for c in ' ,"\n\r'):
                s = '"' + s.replace('"', '""') + '"'
            cells.append(s)
        text = ",".join(cells) + "\n"
        starts.append(line)
        line += text.count("\n")
        out.append(text)
    return "".join(out), starts


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def new_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.properties.creator = "field-corpus generator"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = None
    return wb


def save_workbook(wb: openpyxl.Workbook, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.properties.modified = FIXED_TIME
    wb.save(path)
    # openpyxl stamps docProps/core.xml with the save time: replace it with the fixed time
    src = zipfile.ZipFile(path)
    members = [(i, src.read(i.filename)) for i in src.infolist()]
    src.close()
    fixed = []
    for info, data in members:
        if info.filename == "docProps/core.xml":
            data = re.sub(rb"(<dcterms:(?:modified|created)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>2025-01-01T00:00:00Z\g<2>",
                          data)
        fixed.append((info, data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in fixed:
            zi = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data)
    path.write_bytes(buf.getvalue())


def write_sav_fixed(df: pd.DataFrame, path: Path, **kw) -> None:
    """pyreadstat.write_sav, then overwrite the creation date/time in the SAV header (bytes 92-108,
    after the 8-byte compression bias: 'dd mmm yy' + 'hh:mm:ss') so the file is reproducible."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(df, str(path), **kw)
    b = bytearray(path.read_bytes())
    assert b[:4] == b"$FL2", "unexpected SAV magic"
    b[92:101] = b"12 Sep 25"
    b[101:109] = b"16:40:00"
    path.write_bytes(bytes(b))


# --------------------------------------------------------------------------------------------
# Expected-outcome helpers
# --------------------------------------------------------------------------------------------

REASON = {
    "preview": "preview",
    "test": "test",
    "unfinished": "unfinished",
    "duplicate": "duplicate",
    "no_id": "no id",
    "near_miss": "unmatched: near miss",
    "empty": "no answers",
}


def fnum(x: Fraction) -> float | int:
    return int(x) if x.denominator == 1 else float(x)


def fexact(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


class Wave:
    def __init__(self, tp: str, file: str, rows: list[Row], scales: list[str], id_desc: str,
                 sheet: str | None = None):
        self.tp, self.file, self.rows, self.scales, self.id_desc = tp, file, rows, scales, id_desc
        self.sheet = sheet

    def kept(self) -> dict[str, Row]:
        out = {}
        for r in self.rows:
            if r.kind == "response":
                assert r.person not in out, (self.tp, r.person)
                out[r.person] = r
        return out


def wave_expected(w: Wave, line_label: str = "file_line") -> dict:
    kept = w.kept()
    excluded = []
    variants = []
    for r in w.rows:
        if r.kind == "response":
            if r.written != r.person:
                variants.append(Flow({"data_row": r.data_row, "as_written": r.written, "participant": r.person}))
            continue
        e = {"data_row": r.data_row, line_label: r.file_line, "id_as_written": r.written,
             "reason": REASON[r.kind]}
        if r.kind == "near_miss":
            e["reason"] = f"unmatched: near miss of {r.near_of}"
        if r.kind == "duplicate":
            e["kept_instead"] = f"data row {w.rows[r.superseded_by].data_row}"
        if r.meta.get("why"):
            e["evidence"] = r.meta["why"]
        excluded.append(e)
    out = {"file": w.file}
    if w.sheet:
        out["sheet"] = w.sheet
    out.update({
        "id_column": w.id_desc,
        "data_rows": len(w.rows),
        "kept_count": len(kept),
        "kept": FlowList(natural(kept)),
        "ids_matched_after_normalisation": variants,
        "excluded": excluded,
    })
    return out


def natural(ids) -> list:
    return sorted(ids, key=lambda x: (0, int(x), "") if x.isdigit() else (1, 0, x))


def flow_expected(waves: list[Wave]) -> dict:
    seen: list[set] = []
    out = {}
    for i, w in enumerate(waves):
        k = set(w.kept())
        before = set().union(*seen) if seen else set()
        prev = seen[-1] if seen else set()
        joined = natural(k - before) if i > 0 else []
        returned = natural((k & before) - prev) if i > 0 else []
        out[w.tp] = {"kept": len(k), "joined_here_first_time": FlowList(joined),
                     "returned_after_a_gap": FlowList(returned)}
        seen.append(k)
    return out


def pairs_expected(waves: list[Wave], scale_tps: dict[str, list[str]]) -> dict:
    base = waves[0]
    bk = base.kept()
    out = {}
    for w in waves[1:]:
        wk = w.kept()
        d = {}
        for sc, tps in scale_tps.items():
            if base.tp not in tps or w.tp not in tps:
                continue
            n = 0
            for p in sorted(set(bk) & set(wk)):
                s1, _ = score(sc, bk[p].answers)
                s2, _ = score(sc, wk[p].answers)
                if s1 is not None and s2 is not None:
                    n += 1
            d[sc] = n
        out[f"{base.tp}-{w.tp}"] = d
    return out


def score_entry(w: Wave, pid: str, scale: str, note: str = "") -> dict:
    r = w.kept()[pid]
    s, how = score(scale, r.answers)
    e = {"participant": pid, "timepoint": w.tp, "scale": scale,
         "score": None if s is None else fnum(s), "exact": None if s is None else fexact(s),
         "how": how}
    if note:
        e["note"] = note
    return e


class Flow(dict):
    """A mapping written on one line in the expected files."""


class _Dumper(yaml.SafeDumper):
    pass


class FlowList(list):
    """A list written in flow style (wrapped) in the expected files."""


_Dumper.add_representer(FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(Flow, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", m.items(), flow_style=True))


def dump_yaml(path: Path, data, header: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    path.write_text(header + text, encoding="utf-8")


EXPECTED_HEADER = """\
# EXPECTED OUTCOME for this field-corpus study: the truth planted by tests/field/generate.py,
# NOT the output of evaltool (nothing here was produced by running the tool). Regenerate with
# `python tests/field/generate.py`; do not edit by hand. Field meanings: tests/field/README.md.
"""


# --------------------------------------------------------------------------------------------
# Qualtrics
# --------------------------------------------------------------------------------------------

Q_META = [  # (field id, question-text row, ImportId) as in the real export in reference/real-exports
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
]
STATUS_TEXT = {0: "IP Address", 1: "Survey Preview", 2: "Survey Test"}

A_COHORTS = ["Critical Care: ICU/HDU", "Emergency Department", "Maternity & Neonatal", "Oncology – Day Unit"]
A_PROF = {1: "Nurse", 2: "Midwife", 3: "Healthcare assistant", 4: "Allied health professional",
          5: "Doctor", 6: "Other (please specify)"}
CC11_TEXT = {0: "0 – Not at all confident", 10: "10 – Completely confident",
             **{i: str(i) for i in range(1, 10)}}

BRS_Q_STEM = "How much do you agree with each statement, thinking about yourself in general?"
WHO5_Q_STEM = "Over the last two weeks:"
TC_Q_STEM = ("After a difficult event at work (for example a patient death, a complaint or a mistake), "
             "how confident are you that you could...")


@dataclass
class QCol:
    tag: str
    label: str
    import_id: str
    kind: str                 # id | item | prof | prof_text | text | embedded
    item: str | None = None
    labels: dict | None = None


def qualtrics_question_cols(*, id_tag="Q_PID", id_qid="QID1_TEXT", prof=False, quiz=False,
                            free: list[tuple[str, str, str]] = ()) -> list[QCol]:
    cols = [QCol(id_tag, 'Please enter your participant code: it is printed on your workshop card (e.g. "P012").',
                 id_qid, "id")]
    if prof:
        cols.append(QCol("Q_PROF", "What is your profession? - Selected Choice", "QID3", "prof", labels=A_PROF))
        cols.append(QCol("Q_PROF_6_TEXT", "What is your profession? - Other (please specify) - Text",
                         "QID3_6_TEXT", "prof_text"))
    for i, k in enumerate(BRS_ITEMS, 1):
        cols.append(QCol(f"Q5_{i}", f"{BRS_Q_STEM} - {BRS_STATEMENT[k]}", f"QID5_{i}", "item", k, AGREE5))
    for i, k in enumerate(WHO5_ITEMS, 1):
        cols.append(QCol(f"Q6_{i}", f"{WHO5_Q_STEM} - {WHO5_TEXT[k]}", f"QID6_{i}", "item", k, WHO5_LABELS))
    for i, k in enumerate(TC_ITEMS, 1):
        cols.append(QCol(f"Q7_{i}", f"{TC_Q_STEM} - {TC_TEXT[k]}", f"QID7_{i}", "item", k, CC11_TEXT))
    if quiz:
        for i, k in enumerate(KQ_ITEMS, 1):
            cols.append(QCol(f"KQ{i}", KQ_TEXT[k], f"QID{7 + i}", "item", k, KQ_OPTIONS[k]))
    for tag, label, qid in free:
        cols.append(QCol(tag, label, qid, "text", item=tag))
    cols.append(QCol("cohort", "cohort", "cohort", "embedded"))
    return cols


def qualtrics_cell(col: QCol, r: Row, choice_text: bool):
    if col.kind == "id":
        return r.written
    if col.kind == "item":
        v = r.answers.get(col.item)
        if v is None:
            return ""
        return col.labels[v] if choice_text else v
    if col.kind == "prof":
        v = r.meta.get("prof")
        if v is None:
            return ""
        return col.labels[v] if choice_text else v
    if col.kind == "prof_text":
        return r.meta.get("prof_text", "")
    if col.kind == "text":
        return r.text.get(col.item, "")
    if col.kind == "embedded":
        return r.meta.get("cohort", "")
    raise KeyError(col.kind)


def qualtrics_meta(r: Row, choice_text: bool) -> list:
    status = r.meta.get("status", 0)
    fmt = "%Y-%m-%d %H:%M:%S"
    return [
        r.start.strftime(fmt), r.end.strftime(fmt),
        STATUS_TEXT[status] if choice_text else status,
        r.meta.get("ip", ""),
        r.progress,
        int((r.end - r.start).total_seconds()),
        ("True" if r.finished else "False") if choice_text else (1 if r.finished else 0),
        # a response left unfinished is recorded when Qualtrics closes it (one week later by default)
        (r.end if r.finished else r.end + dt.timedelta(days=7)).strftime(fmt),
        r.meta["response_id"],
        "", "", "", "", "", "",
        {0: "anonymous", 1: "preview", 2: "test"}[status],
        "EN-GB",
    ]


def check_before(rows: list[Row], limit: dt.datetime) -> None:
    for r in rows:
        rec = r.end if r.finished else r.end + dt.timedelta(days=7)
        assert rec < limit, (r.written, rec, limit)


def qualtrics_table(cols: list[QCol], rows: list[Row], choice_text: bool) -> list[list]:
    head1 = [m[0] for m in Q_META] + [c.tag for c in cols]
    head2 = [m[1] for m in Q_META] + [c.label for c in cols]
    # current exports add the survey's time zone to the date ImportIds (a 2020s export quoted in
    # davemosk/FinSL-signbank docs/validation_result_model.md); the 2017 sample in reference/ has none
    head3 = [json.dumps({"ImportId": m[2], **({"timeZone": "Europe/London"} if m[2] in
                                              ("startDate", "endDate", "recordedDate") else {})},
                        separators=(",", ":")) for m in Q_META] + \
            [json.dumps({"ImportId": c.import_id}, separators=(",", ":")) for c in cols]
    body = [qualtrics_meta(r, choice_text) + [qualtrics_cell(c, r, choice_text) for c in cols] for r in rows]
    return [head1, head2, head3] + body


def number_rows(rows: list[Row], starts: list[int], header_rows: int) -> None:
    for i, r in enumerate(rows):
        r.data_row = i + 1
        r.file_line = starts[header_rows + i]


def column_truth(header_rows: list[list], item_cols: dict[str, int]) -> dict:
    """item id -> {position (1-based), letter, header texts} for the expected files."""
    out = {}
    for item, idx in item_cols.items():
        out[item] = Flow({"position": idx + 1, "letter": openpyxl.utils.get_column_letter(idx + 1),
                          "header": [str(h[idx]) for h in header_rows][:2]})
    return out


# --------------------------------------------------------------------------------------------
# Study A: four Qualtrics waves
# --------------------------------------------------------------------------------------------

A_DIR = CORPUS / "study_a_qualtrics"
A_FILES = {
    "T1": "Resilience T1_November 4, 2024_12.30.csv",
    "T2": "Resilience T2 post-workshop_December 9, 2024_08.15.csv",
    "T3": "Resilience T3_March 3, 2025_17.02.tsv",
    "T4": "Resilience T4 follow-up_May 12, 2025_09.41.xlsx",
}
A_FREE_T2 = [
    ("Q_USEFUL", 'What, if anything, was most useful? Please be specific, e.g. "the thinking-traps exercise".',
     "QID14_TEXT"),
    ("Q_CHANGE", "What would you change about the workshop, and why?", "QID15_TEXT"),
]
A_FREE_T4 = [("Q_OTHER", "Any other comments: about the workshop, your team, or anything else?", "QID16_TEXT")]

USEFUL = [
    "The thinking-traps exercise, especially spotting mind reading.",
    "Hearing that other wards feel the same; it's not just me.",
    "The coping plan template - I have stuck it inside my locker.",
    "Honestly the break-out discussion more than the slides.",
    "Self-compassion break. Felt awkward at first but it works.",
    "Learning that support is available at night too (EAP).",
    "",
    "Practical tips for handing over after a bad shift",
]
CHANGE = [
    "More time for practice, fewer slides.",
    "Run it on the ward so night staff can come.",
    "Nothing, it was good.",
    "Shorter - 3.5 hours is a lot after a long day",
    "",
    "Include managers; the staffing problems are not ours to fix alone.",
]
OTHER = [
    "Still using the coping plan.",
    "Our ward is short-staffed again so hard to take breaks, whatever we learned.",
    "",
    "Would like a refresher session in the autumn.",
    "The peer huddles stopped after a month, which is a shame.",
]


def a_times(day0: dt.datetime, n: int, days: int) -> list[dt.datetime]:
    offs = sorted(int(x) for x in rng.integers(0, days * 24 * 3600, n))
    return [day0 + dt.timedelta(seconds=o) for o in offs]


def ip() -> str:
    return f"203.0.113.{int(rng.integers(2, 250))}"


def build_study_a() -> dict:
    people = [Person(f"P{n:03d}", float(rng.standard_normal())) for n in range(1, 37)]
    P = {p.pid: p for p in people}
    for i, p in enumerate(people):
        p.group["cohort"] = A_COHORTS[i % 4]
        p.group["prof"] = int(rng.choice([1, 1, 1, 1, 2, 3, 4, 5]))
    P["P023"].group["prof"] = 6
    P["P030"].group["prof"] = 6
    effect = {"T1": 0.0, "T2": 0.45, "T3": 0.35, "T4": 0.3}
    learn = {"T1": 0.0, "T2": 1.5, "T3": 1.0, "T4": 1.1}
    sets = {"T1": ["brs", "who5", "team_coping", "knowledge_quiz"],
            "T2": ["brs", "who5", "team_coping", "knowledge_quiz"],
            "T3": ["brs", "who5", "team_coping"],
            "T4": ["brs", "who5", "team_coping", "knowledge_quiz"]}

    def resp(pid, tp, when, written=None, kind="response", **kw) -> Row:
        p = P[pid]
        a = gen_answers(p, effect[tp], learn[tp], sets[tp])
        dur = dt.timedelta(seconds=int(rng.integers(240, 1500)))
        r = Row(pid, pid if written is None else written, kind, a, when, when + dur, **kw)
        r.meta.update(cohort=p.group["cohort"], ip=ip(), response_id="R_" + rand_token(15))
        if tp == "T1":
            r.meta["prof"] = p.group["prof"]
            if p.group["prof"] == 6:
                r.meta["prof_text"] = "Operating department practitioner"
        return r

    def junk(tp, when, written, kind, status, **kw) -> Row:
        fake = Person("x", float(rng.standard_normal()))
        a = gen_answers(fake, 0, 0, sets[tp])
        r = Row(None, written, kind, a, when, when + dt.timedelta(seconds=int(rng.integers(60, 400))), **kw)
        r.meta.update(status=status, ip="" if status else ip(), response_id="R_" + rand_token(15),
                      cohort="" if status else A_COHORTS[0])
        if tp == "T1":
            r.meta["prof"] = 1
        return r

    waves = {}
    # ---- T1 baseline: CSV, numeric values, 3 header rows -----------------------------------
    t1_people = [p.pid for p in people if p.pid not in ("P034", "P022")]
    times = a_times(dt.datetime(2024, 10, 14, 8, 0), len(t1_people) + 3, 20)
    rows = [
        junk("T1", dt.datetime(2024, 10, 10, 15, 2), "", "preview", 1,
             meta={"why": "Status = 1 (Survey Preview)"}),
        junk("T1", dt.datetime(2024, 10, 10, 15, 20), "test", "preview", 1,
             meta={"why": "Status = 1 (Survey Preview)"}),
        junk("T1", dt.datetime(2024, 10, 14, 7, 55), "TEST", "test", 0,
             meta={"why": "id TEST (coordinator's try-out through the live link; Status 0)"}),
    ]
    # unfinished starts
    r = resp("P010", "T1", times[0], kind="unfinished", progress=38, finished=False)
    for k in WHO5_ITEMS + TC_ITEMS + KQ_ITEMS:
        r.answers[k] = None
    r.meta["why"] = "Finished = 0, Progress = 38 (P010 completed later, data row kept)"
    rows.append(r)
    r = resp("P022", "T1", times[1], kind="unfinished", progress=64, finished=False)
    for k in TC_ITEMS[3:] + KQ_ITEMS:
        r.answers[k] = None
    r.meta["why"] = "Finished = 0, Progress = 64 (no finished T1 response from P022)"
    rows.append(r)
    written = {"P007": " p007", "P009": "P9", "P021": "p21", "P030": "P030 "}
    for pid, when in zip(t1_people, times[3:], strict=False):
        rows.append(resp(pid, "T1", when, written=written.get(pid)))
    rows.sort(key=lambda r: r.end)
    by = {r.person: r for r in rows if r.kind == "response"}
    by["P003"].answers["brs_4"] = None
    by["P015"].answers["kq_2"] = None
    by["P015"].answers["kq_5"] = None
    for k in KQ_ITEMS:
        by["P027"].answers[k] = None
    by["P012"].answers["tc_3"] = None
    by["P019"].answers["tc_2"] = None
    by["P019"].answers["tc_5"] = None
    by["P025"].answers["who5_3"] = None
    check_before(rows, dt.datetime(2024, 11, 4, 12, 30))
    cols_t1 = qualtrics_question_cols(prof=True, quiz=True)
    table = qualtrics_table(cols_t1, rows, choice_text=False)
    text, starts = csv_text(table)
    write_bytes(A_DIR / A_FILES["T1"], text.encode("utf-8"))
    number_rows(rows, starts, 3)
    waves["T1"] = Wave("T1", A_FILES["T1"], rows, sets["T1"], "Q_PID")
    a_cols = {"T1": column_truth(table[:3], {c.item: 17 + i for i, c in enumerate(cols_t1) if c.kind == "item"})}
    # extra: the same T1 responses downloaded again with "Use choice text"
    table_ct = qualtrics_table(cols_t1, rows, choice_text=True)
    text_ct, _ = csv_text(table_ct)
    write_bytes(CORPUS / "extra" / "Resilience T1_November 4, 2024_12.31.csv", text_ct.encode("utf-8"))
    TWIN_ROWS["A_T1"] = len(rows)

    # ---- T2 post-workshop: CSV, choice text ---------------------------------------------
    absent = {"P008", "P014", "P017", "P029", "P031"}
    t2_people = [p.pid for p in people if p.pid not in absent]
    times = a_times(dt.datetime(2024, 11, 11, 9, 0), len(t2_people) + 6, 27)
    rows = [junk("T2", dt.datetime(2024, 11, 8, 16, 40), "", "preview", 1,
                 meta={"why": "Status = Survey Preview"})]
    free = {}
    for i, (pid, when) in enumerate(zip(t2_people, times, strict=False)):
        r = resp(pid, "T2", when, written={"P020": "p020"}.get(pid))
        r.text = {"Q_USEFUL": USEFUL[i % len(USEFUL)], "Q_CHANGE": CHANGE[i % len(CHANGE)]}
        rows.append(r)
        free[pid] = r
    free["P011"].text["Q_USEFUL"] = ("The thinking-traps sheet. If you want more detail ring me on "
                                     "07700 900123 (day shifts).")
    free["P026"].text["Q_CHANGE"] = ("More time for practice, fewer slides; happy to help next time: "
                                     "sam.okafor@example.nhs.uk")
    free["P002"].text["Q_USEFUL"] = 'My manager, Dr Patel, said "use the huddle" and it helped, thank you.'
    # duplicate submission by P005: an earlier, less complete one
    first = resp("P005", "T2", free["P005"].start - dt.timedelta(minutes=13), kind="duplicate")
    for k in ("brs_1", "brs_2", "brs_3"):
        first.answers[k] = None
    first.text = {"Q_USEFUL": "", "Q_CHANGE": ""}
    rows.append(first)
    # no id, near miss (I for 1), unfinished
    r = resp("P031", "T2", times[-1], written="", kind="no_id")
    r.person = None
    r.meta["why"] = "participant code left blank (finished response)"
    r.text = {"Q_USEFUL": "Everything", "Q_CHANGE": ""}
    rows.append(r)
    r = resp("P014", "T2", times[-2], written="P0I4", kind="near_miss", near_of="P014")
    r.person = None
    r.meta["why"] = "capital I for digit 1; P014 has no other T2 response"
    r.text = {"Q_USEFUL": "Time to talk", "Q_CHANGE": "More breaks"}
    rows.append(r)
    r = resp("P029", "T2", times[2] + dt.timedelta(minutes=37), kind="unfinished", progress=20, finished=False)
    for k in BRS_ITEMS[2:] + WHO5_ITEMS + TC_ITEMS + KQ_ITEMS:
        r.answers[k] = None
    r.meta["why"] = "Finished = False, Progress = 20"
    rows.append(r)
    rows.sort(key=lambda r: r.end)
    for r in rows:
        if r.kind == "duplicate":
            r.superseded_by = rows.index(free["P005"])
            r.meta["why"] = "P005 submitted twice; the later submission is complete"
    free["P015"].answers["kq_1"] = None
    free["P010"].answers["brs_5"] = None
    check_before(rows, dt.datetime(2024, 12, 9, 8, 15))
    cols_t2 = qualtrics_question_cols(quiz=True, free=A_FREE_T2)
    table = qualtrics_table(cols_t2, rows, choice_text=True)
    text, starts = csv_text(table)
    write_bytes(A_DIR / A_FILES["T2"], text.encode("utf-8"))
    number_rows(rows, starts, 3)
    waves["T2"] = Wave("T2", A_FILES["T2"], rows, sets["T2"], "Q_PID")
    a_cols["T2"] = column_truth(table[:3], {c.item: 17 + i for i, c in enumerate(cols_t2) if c.kind == "item"})
    table_num = qualtrics_table(cols_t2, rows, choice_text=False)
    text_num, _ = csv_text(table_num)
    write_bytes(CORPUS / "extra" / "Resilience T2 post-workshop_December 9, 2024_08.16.csv", text_num.encode("utf-8"))
    TWIN_ROWS["A_T2"] = len(rows)

    # ---- T3 three months: TSV (UTF-16), numeric values, id field renamed PID ---------------
    absent = {"P004", "P013", "P017", "P028", "P033", "P036"}
    t3_people = [p.pid for p in people if p.pid not in absent]
    times = a_times(dt.datetime(2025, 2, 3, 8, 30), len(t3_people) + 2, 27)
    rows = []
    for k, txt in enumerate(["Lorem ipsum dolor", "sit amet consectetur", "adipiscing elit"]):
        r = junk("T3", dt.datetime(2025, 1, 31, 11, 5 + k), txt, "test", 2,
                 meta={"why": "Status = 2 (Survey Test: generated test response)"})
        rows.append(r)
    for pid, when in zip(t3_people, times, strict=False):
        rows.append(resp(pid, "T3", when, written={"P011": "P011 "}.get(pid)))
    r = resp("P017", "T3", times[-1], written="PO17", kind="near_miss", near_of="P017")
    r.person = None
    r.meta["why"] = "letter O for digit 0; P017 has no other T3 response"
    rows.append(r)
    r = resp("P036", "T3", times[-2], written="P063", kind="near_miss", near_of="P036")
    r.person = None
    r.meta["why"] = "digits transposed (P036 -> P063); no P063 exists and P036 has no other T3 response"
    rows.append(r)
    rows.sort(key=lambda r: r.end)
    check_before(rows, dt.datetime(2025, 3, 3, 17, 2))
    cols_t3 = qualtrics_question_cols(id_tag="PID", id_qid="QID21_TEXT")
    table = qualtrics_table(cols_t3, rows, choice_text=False)
    text, starts = csv_text(table, delimiter="\t")
    write_bytes(A_DIR / A_FILES["T3"], text.encode("utf-16"))
    number_rows(rows, starts, 3)
    waves["T3"] = Wave("T3", A_FILES["T3"], rows, sets["T3"], "PID")
    a_cols["T3"] = column_truth(table[:3], {c.item: 17 + i for i, c in enumerate(cols_t3) if c.kind == "item"})

    # ---- T4 six months: workbook, first sheet instructions ----------------------------------
    absent = {"P002", "P013", "P018", "P024", "P031", "P035"}
    t4_people = [p.pid for p in people if p.pid not in absent]
    times = a_times(dt.datetime(2025, 4, 7, 8, 0), len(t4_people) + 1, 33)
    rows = []
    for i, (pid, when) in enumerate(zip(t4_people, times, strict=False)):
        r = resp(pid, "T4", when, written={"P009": "P09"}.get(pid))
        r.text = {"Q_OTHER": OTHER[i % len(OTHER)]}
        rows.append(r)
    by = {r.person: r for r in rows}
    r = resp("P006", "T4", dt.datetime(2025, 4, 8, 21, 14, 3), kind="unfinished", progress=45, finished=False)
    for k in TC_ITEMS + KQ_ITEMS:
        r.answers[k] = None
    r.meta["why"] = "Finished = 0, Progress = 45 (P006 finished a later response)"
    r.text = {"Q_OTHER": ""}
    rows.append(r)
    by["P006"].start = dt.datetime(2025, 4, 22, 10, 3, 17)   # P006 came back and finished later
    by["P006"].end = by["P006"].start + dt.timedelta(seconds=712)
    by["P016"].answers["kq_3"] = None
    by["P016"].answers["kq_6"] = None
    by["P020"].text["Q_OTHER"] = "Please send the slides to j.nkemelu@example.org or text +44 7700 900456."
    rows.sort(key=lambda r: r.end)
    check_before(rows, dt.datetime(2025, 5, 12, 9, 41))
    cols_t4 = qualtrics_question_cols(quiz=True, free=A_FREE_T4)
    table = qualtrics_table(cols_t4, rows, choice_text=False)
    wb = new_workbook()
    ws = wb.active
    ws.title = "Instructions"
    instr = [
        ["Resilience study - T4 follow-up (6 months)"],
        ["Downloaded from Qualtrics on 12 May 2025 at 09:41 (Excel format). Data are on the sheet 'Responses'."],
        ["Do NOT sort or edit the Responses sheet; make a copy first."],
        [],
        ["Column", "Meaning", "Values"],
        ["Q_PID", "participant code typed by the participant", "P001-P036"],
        ["Q5_1 - Q5_6", "Brief Resilience Scale", "1-5"],
        ["Q6_1 - Q6_5", "WHO-5", "0-5"],
        ["Q7_1 - Q7_6", "coping confidence (team scale)", "0-10"],
        ["KQ1 - KQ6", "knowledge check", "1-4, key on the team drive"],
        ["cohort", "embedded data from the invitation link", "text"],
    ]
    for line in instr:
        ws.append(line)
    ws2 = wb.create_sheet("Responses")
    for line in table:
        ws2.append(line)
    save_workbook(wb, A_DIR / A_FILES["T4"])
    for i, r in enumerate(rows):
        r.data_row = i + 1
        r.file_line = 4 + i  # sheet row
    waves["T4"] = Wave("T4", A_FILES["T4"], rows, sets["T4"], "Q_PID", sheet="Responses")
    a_cols["T4"] = column_truth(table[:3], {c.item: 17 + i for i, c in enumerate(cols_t4) if c.kind == "item"})
    return {"waves": [waves[t] for t in ("T1", "T2", "T3", "T4")], "people": P, "columns": a_cols}


# --------------------------------------------------------------------------------------------
# Study B: REDCap longitudinal project (raw + labels + dictionary + instrument designations)
# --------------------------------------------------------------------------------------------

B_DIR = CORPUS / "study_b_redcap"
B_PROJECT = "ResiliencePathways"
B_FILES = {
    "raw": f"{B_PROJECT}_DATA_2025-04-07_1416.csv",
    "labels": f"{B_PROJECT}_DATA_LABELS_2025-04-07_1416.csv",
    "dictionary": f"{B_PROJECT}_DataDictionary_2025-04-07.csv",
    "designations": f"{B_PROJECT}_InstrumentDesignations_2025-04-07.csv",
}
B_EVENTS = [("baseline_arm_1", "Baseline", "T1"), ("week_6_arm_1", "Week 6", "T2"),
            ("month_6_arm_1", "Month 6", "T3")]
B_DESIGN = {"baseline_arm_1": ["demographics", "wellbeing", "anxiety"],
            "week_6_arm_1": ["wellbeing", "feedback"],
            "month_6_arm_1": ["wellbeing", "anxiety", "feedback"]}
B_COHORT = {1: "Cohort 1 – Ward 4 & Ward 5", 2: "Cohort 2 – Theatres & Recovery (Ysbyty Gŵyr)",
            3: "Cohort 3 – Neonatal Unit (NNU)"}
B_PROF = {1: "Nurse", 2: "Midwife", 3: "Doctor", 4: "Allied health professional", 5: "Healthcare support worker"}
B_USED = {1: "Thinking-traps worksheet", 2: "Personal coping plan", 3: "Peer-support huddle",
          4: "Self-compassion break", 5: "None of these"}
B_CC_LABELS = {0: "0 Not at all confident", 10: "10 Completely confident", **{i: str(i) for i in range(1, 10)}}
B_STATUS = {0: "Incomplete", 1: "Unverified", 2: "Complete"}
B_DICT_HEADER = ["Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
                 "Choices, Calculations, OR Slider Labels", "Field Note",
                 "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
                 "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
                 "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
                 "Matrix Ranking?", "Field Annotation"]


def choices(d: dict) -> str:
    return " | ".join(f"{k}, {v}" for k, v in d.items())


def b_fields() -> list[dict]:
    """The project's fields in dictionary order (form, name, type, label, choices, ...)."""
    f = [
        dict(name="record_id", form="demographics", type="text", label="Record ID"),
        dict(name="cohort", form="demographics", type="dropdown", label="Cohort", choices=B_COHORT,
             section="Entered by the study team at enrolment."),
        dict(name="profession", form="demographics", type="radio", label="Profession", choices=B_PROF),
        dict(name="consent_date", form="demographics", type="text", label="Date of consent", validation="date_ymd"),
    ]
    for i, k in enumerate(BRS_ITEMS):
        f.append(dict(name=k, form="wellbeing", type="radio", label=BRS_STATEMENT[k], choices=AGREE5,
                      matrix="brs", section=BRS_Q_STEM if i == 0 else "", required="y"))
    for i, k in enumerate(CC_ITEMS):
        f.append(dict(name=k, form="wellbeing", type="radio", label=CC_TEXT[k], choices=B_CC_LABELS, matrix="cc",
                      section=("Thinking about the next time something goes wrong at work, how confident are "
                               "you that you could...") if i == 0 else ""))
    for i in range(1, 8):
        f.append(dict(name=f"gad_{i}", form="anxiety", type="radio", label=GAD7_TEXT[i], choices=GAD7_LABELS,
                      matrix="gad", section=("Over the last 2 weeks, how often have you been bothered by the "
                                             "following problems?") if i == 1 else ""))
    f.append(dict(name="used", form="feedback", type="checkbox",
                  label="Which parts of the course have you used since the workshop? (tick all that apply)",
                  choices=B_USED))
    f.append(dict(name="fb_useful", form="feedback", type="notes",
                  label="What has been most useful, and what has got in the way?", identifier=""))
    return f


FORM_ORDER = ["demographics", "wellbeing", "anxiety", "feedback"]
SURVEY_FORMS = {"wellbeing", "anxiety", "feedback"}


@dataclass
class FormData:
    status: int = 0            # 0 Incomplete, 1 Unverified, 2 Complete
    stamp: str = ""            # survey timestamp cell: datetime, "[not completed]" or blank
    values: dict = field(default_factory=dict)


def build_study_b() -> dict:
    recs = [str(i) for i in range(1, 32) if i != 7]
    people = {r: Person(r, float(rng.standard_normal())) for r in recs}
    for r in recs:
        n = int(r)
        people[r].group["cohort"] = 1 if n <= 10 else (2 if n <= 20 else 3)
        people[r].group["profession"] = int(rng.choice([1, 1, 1, 2, 3, 4, 5]))
    effect = {"T1": 0.0, "T2": 0.4, "T3": 0.3}
    windows = {"T1": dt.datetime(2024, 10, 7, 8), "T2": dt.datetime(2024, 11, 18, 8),
               "T3": dt.datetime(2025, 3, 24, 8)}
    fmt = "%Y-%m-%d %H:%M:%S"

    sessions: dict = {}

    def when(tp, rec=None, ev=None, form="wellbeing"):
        """Survey completion time: the surveys of one record and event are done in one sitting
        (wellbeing, then anxiety, then feedback), inside the wave's window, before the export."""
        key = (rec, ev)
        if key not in sessions:
            sessions[key] = windows[tp] + dt.timedelta(seconds=int(rng.integers(0, 12 * 24 * 3600)))
        extra = {"wellbeing": 0, "anxiety": 1, "feedback": 2}[form]
        return sessions[key] + dt.timedelta(seconds=extra * int(rng.integers(150, 400)))

    # record -> event -> form -> FormData
    data: dict[str, dict[str, dict[str, FormData]]] = {}
    kinds: dict[tuple[str, str], tuple[str, str]] = {}   # (record, event) -> (kind, why)

    def survey(rec, ev, tp, form, status=2, stamp="survey", drop=()):
        p = people[rec] if rec in people else Person(rec, 0.0)
        sets = {"wellbeing": ["brs", "coping_confidence"], "anxiety": ["gad7"]}[form]
        a = gen_answers(p, effect[tp], 0, sets)
        for k in drop:
            a[k] = None
        t = when(tp, rec, ev, form)
        st = {"survey": t.strftime(fmt), "notcompleted": "[not completed]", "blank": ""}[stamp]
        data.setdefault(rec, {}).setdefault(ev, {})[form] = FormData(status, st, a)
        return a

    def feedback(rec, ev, tp, done=True):
        fd = FormData()
        if done:
            used = {k: int(rng.random() < 0.45) for k in B_USED}
            if not any(used.values()):
                used[5] = 1
            fd = FormData(2, when(tp, rec, ev, "feedback").strftime(fmt),
                          {"used": used, "fb_useful": FB_TEXT[int(rng.integers(0, len(FB_TEXT)))]})
        data.setdefault(rec, {}).setdefault(ev, {})["feedback"] = fd

    paper_t1 = {"12": 0, "13": 0, "14": 0, "15": 0, "16": 1, "17": 1}
    paper_t2 = {"12": 0, "13": 0, "14": 2, "15": 0, "16": 1}
    paper_t3 = {"12": 0, "13": 0, "15": 1}
    # ---- baseline
    ev = "baseline_arm_1"
    for rec in recs:
        p = people[rec]
        data.setdefault(rec, {}).setdefault(ev, {})["demographics"] = FormData(
            2 if rec not in ("25", "26") else 0, "",
            {"cohort": p.group["cohort"], "profession": p.group["profession"],
             "consent_date": (windows["T1"] - dt.timedelta(days=int(rng.integers(3, 20)))).strftime("%Y-%m-%d")})
        if rec == "31":
            data[rec][ev]["wellbeing"] = FormData()
            data[rec][ev]["anxiety"] = FormData()
            kinds[(rec, ev)] = ("empty", "record created at baseline by staff (demographics only); "
                                         "wellbeing and anxiety never started (status 0, all blank)")
            continue
        if rec == "21":
            survey(rec, ev, "T1", "wellbeing", status=0, stamp="notcompleted",
                   drop=BRS_ITEMS[3:] + CC_ITEMS)
            data[rec][ev]["anxiety"] = FormData()
            kinds[(rec, ev)] = ("unfinished", "wellbeing survey timestamp [not completed], 3 of 11 items answered")
            continue
        if rec in paper_t1:
            survey(rec, ev, "T1", "wellbeing", status=paper_t1[rec], stamp="blank")
            survey(rec, ev, "T1", "anxiety", status=paper_t1[rec], stamp="blank")
            kinds[(rec, ev)] = ("response", f"paper questionnaire entered by staff: status "
                                            f"{paper_t1[rec]} ({B_STATUS[paper_t1[rec]]}), no survey timestamp")
            continue
        if rec == "5":
            survey(rec, ev, "T1", "wellbeing", status=0)
            survey(rec, ev, "T1", "anxiety", status=2)
            kinds[(rec, ev)] = ("response", "survey completed (timestamp present) but the form was later "
                                            "saved by staff as Incomplete")
            continue
        survey(rec, ev, "T1", "wellbeing", drop=("cc_4",) if rec == "9" else ())
        survey(rec, ev, "T1", "anxiety")
        kinds[(rec, ev)] = ("response", "")
    # test record, created during the build, before the survey went live on 2024-10-07
    data["test"] = {ev: {
        "demographics": FormData(0, "", {"cohort": 1, "profession": 1, "consent_date": "2024-09-30"}),
        "wellbeing": FormData(2, "2024-09-30 11:02:10", {**{k: 5 for k in BRS_ITEMS}, **{k: 10 for k in CC_ITEMS}}),
        "anxiety": FormData(2, "2024-09-30 11:03:44", {f"gad_{i}": 0 for i in range(1, 8)}),
    }}
    kinds[("test", ev)] = ("test", "record id 'test'; timestamps 2024-09-30, before the survey went live")
    # ---- week 6
    ev = "week_6_arm_1"
    for rec in recs:
        if rec in ("3", "8", "19", "27"):
            continue
        if rec == "24":
            survey(rec, ev, "T2", "wellbeing", status=0, stamp="notcompleted", drop=BRS_ITEMS[1:] + CC_ITEMS)
            feedback(rec, ev, "T2", done=False)
            kinds[(rec, ev)] = ("unfinished", "wellbeing survey timestamp [not completed], 1 of 11 items answered")
            continue
        if rec in paper_t2:
            survey(rec, ev, "T2", "wellbeing", status=paper_t2[rec], stamp="blank")
            feedback(rec, ev, "T2", done=False)
            kinds[(rec, ev)] = ("response", f"paper questionnaire entered by staff: status "
                                            f"{paper_t2[rec]} ({B_STATUS[paper_t2[rec]]}), no survey timestamp; "
                                            f"feedback form not done (status 0, checkboxes exported as 0)")
            continue
        survey(rec, ev, "T2", "wellbeing", drop=("brs_5",) if rec == "10" else ())
        feedback(rec, ev, "T2")
        kinds[(rec, ev)] = ("response", "")
    data["20"]["week_6_arm_1"]["feedback"].values["fb_useful"] = (
        "The huddles. Our wellbeing lead (01632 960 001) ran them for us; nights still miss out.")
    # ---- month 6
    ev = "month_6_arm_1"
    for rec in recs:
        if rec in ("2", "8", "19", "22", "28", "30"):
            continue
        if rec == "25":
            survey(rec, ev, "T3", "wellbeing", status=0, stamp="notcompleted", drop=BRS_ITEMS[4:] + CC_ITEMS)
            data[rec][ev]["anxiety"] = FormData()
            feedback(rec, ev, "T3", done=False)
            kinds[(rec, ev)] = ("unfinished", "wellbeing survey timestamp [not completed], 4 of 11 items answered")
            continue
        if rec in paper_t3:
            survey(rec, ev, "T3", "wellbeing", status=paper_t3[rec], stamp="blank")
            survey(rec, ev, "T3", "anxiety", status=paper_t3[rec], stamp="blank")
            feedback(rec, ev, "T3", done=False)
            kinds[(rec, ev)] = ("response", f"paper questionnaire entered by staff: status "
                                            f"{paper_t3[rec]} ({B_STATUS[paper_t3[rec]]}), no survey timestamp")
            continue
        survey(rec, ev, "T3", "wellbeing", drop=("cc_2",) if rec == "18" else ())
        survey(rec, ev, "T3", "anxiety", drop=("gad_6",) if rec == "11" else ())
        feedback(rec, ev, "T3")
        kinds[(rec, ev)] = ("response", "")

    # ---- render raw and labels exports ---------------------------------------------------
    fields = b_fields()
    fdef = {f["name"]: f for f in fields}
    raw_head = ["record_id", "redcap_event_name", "redcap_survey_identifier"]
    lab_head = ["Record ID", "Event Name", "Survey Identifier"]
    layout = []  # (kind, form, name, extra)
    for form in FORM_ORDER:
        if form in SURVEY_FORMS:
            raw_head.append(f"{form}_timestamp")
            lab_head.append("Survey Timestamp")
            layout.append(("stamp", form, None, None))
        for f in fields:
            if f["form"] != form or f["name"] == "record_id":
                continue
            if f["type"] == "checkbox":
                for code, lab in f["choices"].items():
                    raw_head.append(f"{f['name']}___{code}")
                    lab_head.append(f"{f['label']} (choice={lab})")
                    layout.append(("check", form, f["name"], code))
            else:
                raw_head.append(f["name"])
                lab_head.append(f["label"])
                layout.append(("field", form, f["name"], None))
        raw_head.append(f"{form}_complete")
        lab_head.append("Complete?")
        layout.append(("status", form, None, None))
    ev_label = {e: f"{lab} (Arm 1: Arm 1)" for e, lab, _ in B_EVENTS}
    order = sorted(data, key=lambda r: (0, int(r)) if r.isdigit() else (1, r))
    raw_rows, lab_rows, row_keys = [], [], []
    for rec in order:
        for ev, _, tp in B_EVENTS:
            if ev not in data[rec]:
                continue
            forms = data[rec][ev]
            raw = [rec, ev, ""]
            lab = [rec, ev_label[ev], ""]
            for kind, form, name, code in layout:
                designated = form in B_DESIGN[ev]
                fd = forms.get(form)
                if not designated:
                    raw.append("")
                    lab.append("")
                    continue
                if fd is None:
                    fd = FormData()
                if kind == "stamp":
                    raw.append(fd.stamp)
                    lab.append(fd.stamp)
                elif kind == "status":
                    raw.append(fd.status)
                    lab.append(B_STATUS[fd.status])
                elif kind == "check":
                    v = fd.values.get(name, {}).get(code, 0)
                    raw.append(v)
                    lab.append("Checked" if v else "Unchecked")
                else:
                    v = fd.values.get(name)
                    if v is None:
                        raw.append("")
                        lab.append("")
                    else:
                        raw.append(v)
                        ch = fdef[name].get("choices")
                        lab.append(ch[v] if ch else v)
            raw_rows.append(raw)
            lab_rows.append(lab)
            row_keys.append((rec, ev, tp))
    for rr in raw_rows:  # nothing after the export
        for v in rr:
            if isinstance(v, str) and v[:2] == "20" and len(v) == 19:
                assert v < "2025-04-07 14:16:00", v
    text, starts = redcap_csv_text([raw_head] + raw_rows)
    write_bytes(B_DIR / B_FILES["raw"], text.encode("utf-8"))
    text_l, _ = redcap_csv_text([lab_head] + lab_rows)
    write_bytes(B_DIR / B_FILES["labels"], text_l.encode("utf-8"))
    # dictionary
    drows = [B_DICT_HEADER]
    for f in fields:
        drows.append([f["name"], f["form"], f.get("section", ""), f["type"], f["label"],
                      choices(f["choices"]) if f.get("choices") else "", "", f.get("validation", ""), "", "",
                      f.get("identifier", ""), "", f.get("required", ""), "", "", f.get("matrix", ""), "", ""])
    dtext, _ = redcap_csv_text(drows)
    write_bytes(B_DIR / B_FILES["dictionary"], dtext.encode("utf-8"))
    des = [["arm_num", "unique_event_name", "form"]]
    for ev, _, _ in B_EVENTS:
        for form in B_DESIGN[ev]:
            des.append([1, ev, form])
    write_bytes(B_DIR / B_FILES["designations"], redcap_csv_text(des)[0].encode("utf-8"))

    # ---- truth per wave ------------------------------------------------------------------
    waves = []
    for ev, _, tp in B_EVENTS:
        rows = []
        for i, (rec, e, _t) in enumerate(row_keys):
            if e != ev:
                continue
            kind, why = kinds[(rec, ev)]
            forms = data[rec][ev]
            ans = {}
            for form in ("wellbeing", "anxiety"):
                if form in forms:
                    ans.update(forms[form].values)
            r = Row(rec if kind in ("response", "unfinished", "empty") else None, rec, kind, ans,
                    FIXED_TIME, FIXED_TIME)
            if kind in ("unfinished", "empty"):
                r.person = None
            r.meta["why"] = why
            r.data_row = i + 1
            r.file_line = starts[i + 1]
            rows.append(r)
        scales = ["brs", "coping_confidence"] + (["gad7"] if tp in ("T1", "T3") else [])
        w = Wave(tp, B_FILES["raw"], rows, scales, "record_id")
        w.event = ev
        waves.append(w)
    return {"waves": waves, "kinds": kinds, "data": data, "raw_head": raw_head, "lab_head": lab_head}


FB_TEXT = [
    "The coping plan, I look at it after bad shifts.",
    "Peer huddle after the cardiac arrest on nights - really helped.",
    "Hard to find time; the rota is the real problem.",
    "Thinking traps. I catch myself mind-reading less now.",
    "",
    "Self-compassion break before driving home.",
    "Nothing yet, too busy.",
]


# --------------------------------------------------------------------------------------------
# Study C: one platform per wave (SPSS, SurveyMonkey, Microsoft Forms, Google Forms)
# --------------------------------------------------------------------------------------------

C_DIR = CORPUS / "study_c_mixed"
C_FILES = {
    "T1": "RiP_T1_baseline_paper.sav",
    "T2": "RiP T2 post-course.xlsx",
    "T3": None,  # set below: MS Forms names the workbook "<form title>(1-<n>).xlsx"
    "T4": "RiP T4 six-month follow-up (Responses) - Form responses 1.csv",
}
C_COHORT = {1: "Bangor – Ysbyty Gwynedd", 2: "Aberystwyth – Tŷ Bronglais", 3: "Abertawe – Ysbyty Gŵyr",
            4: "Wrecsam – Maelor"}
C_PROF = {1: "Paramedic", 2: "Emergency medical technician", 3: "Nurse", 4: "Midwife", 5: "Other"}
SM_CC = {0: "0 - Not at all confident", 10: "10 - Completely confident", **{i: str(i) for i in range(1, 10)}}
SM_AGREE = {1: "1 = Strongly disagree", 2: "2", 3: "3", 4: "4", 5: "5 = Strongly agree"}
CODE_Q = "What is your participant code? (It is on your course badge, e.g. C2-014)"
C_FREE = [
    "Good course, the trainer really understood ambulance work.",
    "Would like it repeated for the whole station, not just a few of us.",
    "",
    "Diolch yn fawr – gwych!",
    "The coping plan is on my phone now.",
    "Too much sitting; more scenarios please.",
    "",
]


def build_study_c() -> dict:
    people = []
    numbers = {1: range(1, 10), 2: range(1, 10), 3: [1, 2, 3, 4, 5, 6, 8, 9, 17], 4: range(1, 10)}
    for c in range(1, 5):
        for n in numbers[c]:  # codes are handed out at enrolment; C3-007 withdrew before the course
            p = Person(f"C{c}-{n:03d}", float(rng.standard_normal()))
            p.group["cohort"] = c
            p.group["prof"] = int(rng.choice([1, 1, 1, 2, 2, 3, 4, 5]))
            people.append(p)
    P = {p.pid: p for p in people}
    effect = {"T1": 0.0, "T2": 0.5, "T3": 0.35, "T4": 0.25}
    learn = {"T1": 0.0, "T2": 1.6, "T3": 1.2, "T4": 1.0}
    SETS = ["team_coping", "brs", "knowledge_quiz"]
    waves = {}
    cols_truth = {}

    def resp(pid, tp, when, written=None, kind="response", **kw) -> Row:
        a = gen_answers(P[pid], effect[tp], learn[tp], SETS)
        r = Row(pid, pid if written is None else written, kind, a, when,
                when + dt.timedelta(seconds=int(rng.integers(200, 1100))), **kw)
        return r

    def junk(tp, when, written, why) -> Row:
        a = gen_answers(Person("x", 0.5), 0, 0, SETS)
        r = Row(None, written, "test", a, when, when + dt.timedelta(seconds=95))
        r.meta["why"] = why
        return r

    def times(day0, n, days):
        return a_times(day0, n, days)

    # ---- T1: SPSS .sav, paper questionnaires entered by a research assistant -----------------
    t1 = [p.pid for p in people if p.pid not in ("C4-009", "C2-007")]
    ts = times(dt.datetime(2025, 9, 1, 9), len(t1), 10)
    rows = [junk("T1", dt.datetime(2025, 9, 1, 8), "DUMMY", "id DUMMY: the research assistant's practice case")]
    written = {"C3-017": "C3-17", "C1-004": "c1-004", "C2-003": "C2-003 ", "C4-002": "C4-2"}
    for pid, t in zip(t1, ts, strict=False):
        rows.append(resp(pid, "T1", t, written=written.get(pid)))
    by = {r.person: r for r in rows if r.kind == "response"}
    by["C2-005"].answers["tc_3"] = 11
    by["C1-008"].answers["brs_5"] = 0
    user_missing = {("C3-004", "kq_2"), ("C3-004", "kq_5"), ("C1-006", "tc_2")}
    for k in KQ_ITEMS:
        user_missing.add(("C4-005", k))
    for pid, k in user_missing:
        by[pid].answers[k] = None
    by["C2-001"].answers["brs_3"] = None  # system-missing
    recs = []
    for r in rows:
        d = {"id": r.written, "date": r.start.date(),
             "cohort": float(P[r.person].group["cohort"]) if r.person else 1.0,
             "prof": float(P[r.person].group["prof"]) if r.person else 1.0}
        for i, k in enumerate(TC_ITEMS, 1):
            v = r.answers[k]
            d[f"cc{i}"] = 99.0 if (v is None and (r.person, k) in user_missing) else (np.nan if v is None else float(v))
        for i, k in enumerate(BRS_ITEMS, 1):
            v = r.answers[k]
            d[f"brs{i}"] = 9.0 if (v is None and (r.person, k) in user_missing) else (np.nan if v is None else float(v))
        for i, k in enumerate(KQ_ITEMS, 1):
            v = r.answers[k]
            d[f"kq{i}"] = 9.0 if (v is None and (r.person, k) in user_missing) else (np.nan if v is None else float(v))
        d["comments"] = ""
        recs.append(d)
    recs[5]["comments"] = "Wrote on the back: 'more about nights please'"
    df = pd.DataFrame(recs)
    labels = {"id": "Participant code (as written on the form)", "date": "Date completed",
              "cohort": "Course cohort (site)", "prof": "Profession",
              "comments": "Comments written on the form"}
    vlabels = {"cohort": {float(k): v for k, v in C_COHORT.items()},
               "prof": {float(k): v for k, v in C_PROF.items()}}
    missing = {}
    for i, k in enumerate(TC_ITEMS, 1):
        labels[f"cc{i}"] = f"How confident are you that you could... {TC_TEXT[k]}"
        vlabels[f"cc{i}"] = {0.0: "Not at all confident", 10.0: "Completely confident", 99.0: "No answer"}
        missing[f"cc{i}"] = [99.0]
    for i, k in enumerate(BRS_ITEMS, 1):
        labels[f"brs{i}"] = BRS_STATEMENT[k]
        vlabels[f"brs{i}"] = {**{float(a): b for a, b in AGREE5.items()}, 9.0: "No answer"}
        missing[f"brs{i}"] = [9.0]
    for i, k in enumerate(KQ_ITEMS, 1):
        labels[f"kq{i}"] = KQ_TEXT[k]
        vlabels[f"kq{i}"] = {**{float(a): b for a, b in KQ_OPTIONS[k].items()}, 9.0: "Not answered"}
        missing[f"kq{i}"] = [9.0]
    measure = {c: "ordinal" for c in df.columns if c[:2] in ("cc", "br")}
    measure.update({c: "nominal" for c in ("id", "cohort", "prof", "comments") + tuple(f"kq{i}" for i in range(1, 7))})
    fmt = {c: "F2.0" for c in df.columns if c not in ("id", "date", "comments")}
    fmt["date"] = "EDATE10"
    write_sav_fixed(df, C_DIR / C_FILES["T1"], file_label="RiP baseline questionnaires (paper), entered by RA",
                    column_labels=labels, variable_value_labels=vlabels, missing_ranges=missing,
                    variable_measure=measure, variable_format=fmt)
    for i, r in enumerate(rows):
        r.data_row = i + 1
        r.file_line = i + 1
    waves["T1"] = Wave("T1", C_FILES["T1"], rows, SETS, "id")
    cols_truth["T1"] = {**{k: Flow({"variable": f"cc{i}"}) for i, k in enumerate(TC_ITEMS, 1)},
                        **{k: Flow({"variable": f"brs{i}"}) for i, k in enumerate(BRS_ITEMS, 1)},
                        **{k: Flow({"variable": f"kq{i}"}) for i, k in enumerate(KQ_ITEMS, 1)}}
    t1_user_missing = sorted(f"{p} {k}" for p, k in user_missing)

    # ---- T2: SurveyMonkey, two header rows (XLSX; CSV twin in extra/) ---------------------------
    absent = {"C1-003", "C2-008", "C3-006", "C2-007", "C3-017"}
    t2 = [p.pid for p in people if p.pid not in absent]
    ts = times(dt.datetime(2025, 10, 6, 9), len(t2) + 1, 25)
    rows = [junk("T2", dt.datetime(2025, 10, 6, 8, 41), "test", "code 'test': the course lead trying the link")]
    for pid, t in zip(t2, ts, strict=False):
        rows.append(resp(pid, "T2", t))
    r = resp("C3-017", "T2", ts[-1], written="C3017", kind="near_miss", near_of="C3-017")
    r.person = None
    r.meta["why"] = "separator missing (C3017); C3-017 has no other T2 response"
    rows.append(r)
    rows.sort(key=lambda r: r.end)
    by = {r.person: r for r in rows if r.kind == "response"}
    by["C1-002"].answers["tc_5"] = None
    for i, r in enumerate(rows):
        r.text["free"] = C_FREE[i % len(C_FREE)]
    sm_meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
               "First Name", "Last Name", "Custom Data 1"]
    head1 = list(sm_meta) + [CODE_Q]
    head2 = [""] * len(sm_meta) + ["Open-Ended Response"]
    item_pos = {}
    for i, k in enumerate(TC_ITEMS):
        head1.append("How confident are you, right now, that you could...?" if i == 0 else "")
        head2.append(TC_TEXT[k])
        item_pos[k] = len(head1) - 1
    for i, k in enumerate(BRS_ITEMS):
        head1.append("How much do you agree with each statement?" if i == 0 else "")
        head2.append(BRS_STATEMENT[k])
        item_pos[k] = len(head1) - 1
    for k in KQ_ITEMS:
        head1.append(KQ_TEXT[k])
        head2.append("Response")
        item_pos[k] = len(head1) - 1
    head1.append("Is there anything else you would like to tell us?\n"
                 "(Please do not include the names of patients or colleagues.)")
    head2.append("Open-Ended Response")
    body = []
    rid = 118_402_000_000
    for r in rows:
        rid += int(rng.integers(1000, 90000))
        line = [rid, 431925611, r.start.strftime("%m/%d/%Y %I:%M:%S %p"), r.end.strftime("%m/%d/%Y %I:%M:%S %p"),
                f"198.51.100.{int(rng.integers(2, 250))}", "", "", "", "", r.written]
        for k in TC_ITEMS:
            v = r.answers[k]
            line.append("" if v is None else SM_CC[v])
        for k in BRS_ITEMS:
            v = r.answers[k]
            line.append("" if v is None else SM_AGREE[v])
        for k in KQ_ITEMS:
            v = r.answers[k]
            line.append("" if v is None else KQ_OPTIONS[k][v])
        line.append(r.text["free"])
        body.append(line)
    wb = new_workbook()
    ws = wb.active
    ws.title = "Sheet"
    for line in [head1, head2] + body:
        ws.append([None if v == "" else v for v in line])
    save_workbook(wb, C_DIR / C_FILES["T2"])
    for i, r in enumerate(rows):
        r.data_row = i + 1
        r.file_line = i + 3
    waves["T2"] = Wave("T2", C_FILES["T2"], rows, SETS, CODE_Q, sheet="Sheet")
    cols_truth["T2"] = column_truth([head1, head2], item_pos)
    text, starts = csv_text([head1, head2] + body, lineterminator="\r\n")
    write_bytes(CORPUS / "extra" / "RiP T2 post-course.csv", text.encode("utf-8"))
    sm_csv_lines = [starts[2 + i] for i in range(len(rows))]
    assert sm_csv_lines == [i + 4 for i in range(len(rows))]  # header row 1 holds one line break
    TWIN_ROWS["C_T2"] = len(rows)

    # ---- T3: Microsoft Forms workbook ------------------------------------------------------
    absent = {"C1-005", "C3-002", "C4-007", "C2-006", "C1-007"}
    t3 = [p.pid for p in people if p.pid not in absent]
    ts = times(dt.datetime(2026, 1, 12, 9), len(t3) + 2, 20)
    rows = []
    for pid, t in zip(t3, ts, strict=False):
        rows.append(resp(pid, "T3", t, written={"C4-003": "c4-003"}.get(pid)))
    r = resp("C2-006", "T3", ts[-1], written="C2-O06", kind="near_miss", near_of="C2-006")
    r.person = None
    r.meta["why"] = "letter O for digit 0; C2-006 has no other T3 response"
    rows.append(r)
    r = resp("C1-007", "T3", ts[-2], written="C1-070", kind="near_miss", near_of="C1-007")
    r.person = None
    r.meta["why"] = "digits transposed (007 -> 070); no C1-070 exists and C1-007 has no other T3 response"
    rows.append(r)
    rows.sort(key=lambda r: r.end)
    by = {r.person: r for r in rows if r.kind == "response"}
    by["C3-005"].answers["brs_6"] = None
    C_FILES["T3"] = f"RiP T3 three-month follow-up(1-{len(rows)}).xlsx"
    head = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
            "Participant code (e.g. C2-014)"]
    order = [k for k in TC_ITEMS if k != "tc_4"] + BRS_ITEMS + KQ_ITEMS + ["free", "tc_4"]
    item_pos = {}
    for k in order:
        if k in TC_TEXT:
            head.append(TC_TEXT[k])
        elif k in BRS_STATEMENT:
            head.append(BRS_STATEMENT[k])
        elif k in KQ_TEXT:
            head.append(KQ_TEXT[k])
        else:
            head.append("Anything else?")
        if k != "free":
            item_pos[k] = len(head) - 1
    wb = new_workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(head)
    for i, r in enumerate(rows, 1):
        line = [i, r.start, r.end, "anonymous", None, None, r.written]
        for k in order:
            if k == "free":
                line.append(C_FREE[(i + 2) % len(C_FREE)] or None)
                continue
            v = r.answers[k]
            if v is None:
                line.append(None)
            elif k in TC_TEXT:
                line.append(SM_CC[v])
            elif k in BRS_STATEMENT:
                line.append(AGREE5[v])
            else:
                line.append(KQ_OPTIONS[k][v])
        ws.append(line)
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=3):
        for c in row:
            c.number_format = "m/d/yy h:mm:ss"
    save_workbook(wb, C_DIR / C_FILES["T3"])
    for i, r in enumerate(rows):
        r.data_row = i + 1
        r.file_line = i + 2
    waves["T3"] = Wave("T3", C_FILES["T3"], rows, SETS, "Participant code (e.g. C2-014)", sheet="Sheet1")
    cols_truth["T3"] = column_truth([head], item_pos)

    # ---- T4: Google Forms (Sheets CSV; XLSX and Forms-download CSV twins in extra/) ---------------
    absent = {"C2-002", "C3-008", "C4-001", "C4-004"}
    t4 = [p.pid for p in people if p.pid not in absent]
    ts = times(dt.datetime(2026, 3, 2, 9), len(t4), 20)
    rows = [junk("T4", dt.datetime(2026, 3, 1, 19, 3), "test", "code 'test', submitted the evening before "
                                                                 "the form was sent out")]
    for pid, t in zip(t4, ts, strict=False):
        rows.append(resp(pid, "T4", t))
    by = {r.person: r for r in rows if r.kind == "response"}
    by["C1-002"].start = dt.datetime(2026, 3, 10, 20, 14, 9)   # the re-submission, complete
    by["C1-002"].end = by["C1-002"].start + dt.timedelta(seconds=388)
    first = resp("C1-002", "T4", dt.datetime(2026, 3, 9, 7, 55, 41), kind="duplicate")
    first.answers["kq_4"] = None
    first.answers["kq_5"] = None
    rows.append(first)
    rows.sort(key=lambda r: r.end)
    first.superseded_by = rows.index(by["C1-002"])
    first.meta["why"] = "C1-002 submitted twice; the later submission is complete"
    by["C3-009"].answers["tc_1"] = None
    by["C3-009"].answers["tc_2"] = None
    for k in KQ_ITEMS[1:]:
        by["C4-005"].answers[k] = None
    for i, r in enumerate(rows):
        r.text["free"] = C_FREE[(i + 4) % len(C_FREE)]
    by["C2-004"].text["free"] = "Happy to talk more - 07700 900789 (after 6pm)."
    head = ["Timestamp", "Participant code (e.g. C2-014)"]
    item_pos = {}
    for k in TC_ITEMS:
        t = TC_TEXT[k]
        head.append(f"How confident are you that you could: {t[0].lower() + t[1:]}?")
        item_pos[k] = len(head) - 1
    for k in BRS_ITEMS:
        head.append(f"How much do you agree with each statement? [{BRS_STATEMENT[k]}]")
        item_pos[k] = len(head) - 1
    for k in KQ_ITEMS:
        head.append(KQ_TEXT[k])
        item_pos[k] = len(head) - 1
    head.append("Any other comments?")

    def gf_line(r, ts_value, numbers_as_int=True):
        line = [ts_value, r.written]
        for k in TC_ITEMS:
            v = r.answers[k]
            line.append("" if v is None else v)
        for k in BRS_ITEMS:
            v = r.answers[k]
            line.append("" if v is None else AGREE5[v])
        for k in KQ_ITEMS:
            v = r.answers[k]
            line.append("" if v is None else KQ_OPTIONS[k][v])
        line.append(r.text["free"])
        return line

    body = [gf_line(r, r.end.strftime("%d/%m/%Y %H:%M:%S")) for r in rows]
    text, starts = csv_text([head] + body, lineterminator="\r\n")
    write_bytes(C_DIR / C_FILES["T4"], text.encode("utf-8"))
    number_rows(rows, starts, 1)
    waves["T4"] = Wave("T4", C_FILES["T4"], rows, SETS, "Participant code (e.g. C2-014)")
    cols_truth["T4"] = column_truth([head], item_pos)
    # twin 1: the linked Sheet downloaded as .xlsx (Timestamp is a date-time cell)
    wb = new_workbook()
    ws = wb.active
    ws.title = "Form responses 1"
    ws.append(head)
    for r in rows:
        ws.append([None if v == "" else v for v in gf_line(r, r.end)])
    for row in ws.iter_rows(min_row=2, max_col=1):
        for c in row:
            c.number_format = "dd/mm/yyyy hh:mm:ss"
    save_workbook(wb, CORPUS / "extra" / "RiP T4 six-month follow-up (Responses).xlsx")
    # twin 2: Forms' own "Download responses (.csv)": every field quoted, timestamp with zone
    body2 = [gf_line(r, r.end.strftime("%Y/%m/%d ") + r.end.strftime("%I:%M:%S %p GMT").lstrip("0")) for r in rows]
    text2, _ = csv_text([head] + body2, quoting=csv.QUOTE_ALL)
    write_bytes(CORPUS / "extra" / "RiP T4 six-month follow-up.csv", text2.encode("utf-8"))
    TWIN_ROWS["C_T4"] = len(rows)
    return {"waves": [waves[t] for t in ("T1", "T2", "T3", "T4")], "people": P, "columns": cols_truth,
            "t1_user_missing": t1_user_missing, "sm_csv_lines": sm_csv_lines}


# --------------------------------------------------------------------------------------------
# Extra single files (not part of a linked study)
# --------------------------------------------------------------------------------------------

X_DIR = CORPUS / "extra"
TWIN_ROWS: dict[str, int] = {}   # data rows of the twins written by the study builders


def build_extras() -> list[dict]:
    out = []
    # 1. Qualtrics legacy exporter: V1..V10 row, question-text row, UTF-8 BOM, trailing comma
    #    (exactly the layout of reference/real-exports/qualtrics/sample_legacy.csv)
    name = "Resilience pilot_June 3, 2024_10.05.csv"
    h1 = [f"V{i}" for i in range(1, 11)] + [f"Q1_{i}" for i in range(1, 7)] + ["Q2", "LocationLatitude",
                                                                               "LocationLongitude", "LocationAccuracy", ""]
    h2 = ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress", "Status",
          "StartDate", "EndDate", "Finished"] + [f"{BRS_Q_STEM}-{BRS_STATEMENT[k]}" for k in BRS_ITEMS] + \
         ["Your pilot code (e.g. PIL03)", "LocationLatitude", "LocationLongitude", "LocationAccuracy", ""]
    body = []
    t = dt.datetime(2024, 5, 20, 9, 0)
    kinds = ["preview"] + ["response"] * 6 + ["unfinished"] + ["response"] * 4
    n = 0
    for kind in kinds:
        t += dt.timedelta(seconds=int(rng.integers(2 * 3600, 40 * 3600)))
        a = gen_answers(Person("x", float(rng.standard_normal())), 0, 0, ["brs"])
        if kind == "unfinished":
            for k in BRS_ITEMS[2:]:
                a[k] = None
        if kind == "response":
            n += 1
        code = "" if kind == "preview" else f"PIL{n:02d}" if kind == "response" else "PIL99"
        body.append(["R_" + rand_token(15), "Default Response Set", "Anonymous", "", "",
                     "" if kind == "preview" else f"192.0.2.{int(rng.integers(2, 250))}",
                     1 if kind == "preview" else 0, t.strftime("%Y-%m-%d %H:%M:%S"),
                     (t + dt.timedelta(seconds=int(rng.integers(100, 500)))).strftime("%Y-%m-%d %H:%M:%S"),
                     0 if kind == "unfinished" else 1] + ["" if a[k] is None else a[k] for k in BRS_ITEMS] +
                    [code, "", "", "-1", ""])
    text, _ = csv_text([h1, h2] + body)
    write_bytes(X_DIR / name, b"\xef\xbb\xbf" + text.encode("utf-8"))
    out.append(dict(file=name, platform="qualtrics (legacy exporter)", encoding="utf-8 with BOM",
                    header_rows=2, data_rows=len(body), id_column="Q2",
                    expected="read (exit 0)",
                    rows_to_exclude={"preview": [1], "unfinished": [8]},
                    notes="Layout of the real legacy sample: V1-V10 metadata tags, second row with labels, "
                          "Status 1 = preview, a trailing comma (empty 21st column) on every line."))

    # 2-6: twins written by the study builders (described here)
    out.append(dict(file="Resilience T1_November 4, 2024_12.31.csv", platform="qualtrics", encoding="utf-8",
                    header_rows=3, twin_of="study_a_qualtrics/Resilience T1_November 4, 2024_12.30.csv", data_rows=TWIN_ROWS["A_T1"],
                    expected="read (exit 0); same rows, ids and (after label mapping) the same item values as "
                             "the numeric twin",
                    notes="Same responses downloaded with 'Use choice text': Status 'IP Address'/'Survey Preview', "
                          "Finished True/False, answers as labels ('10 – Completely confident', 'Strongly agree', "
                          "quiz option text with quotes and commas)."))
    out.append(dict(file="Resilience T2 post-workshop_December 9, 2024_08.16.csv", platform="qualtrics",
                    encoding="utf-8", header_rows=3,
                    twin_of="study_a_qualtrics/Resilience T2 post-workshop_December 9, 2024_08.15.csv", data_rows=TWIN_ROWS["A_T2"],
                    expected="read (exit 0); same rows and values as the choice-text file of study A T2",
                    notes="Numeric-values twin of study A's T2 (which is choice text)."))
    out.append(dict(file="RiP T2 post-course.csv", platform="surveymonkey", encoding="utf-8", header_rows=2,
                    twin_of="study_c_mixed/RiP T2 post-course.xlsx", data_rows=TWIN_ROWS["C_T2"],
                    expected="read (exit 0); same rows and values as the XLSX",
                    notes="CSV of the same SurveyMonkey export: two header rows, blank continuation cells in row 1 "
                          "of matrix questions, a question text with a line break inside the quoted header cell "
                          "(so data row N starts on file line N + 3), CRLF line ends."))
    out.append(dict(file="RiP T4 six-month follow-up (Responses).xlsx", platform="googleforms",
                    sheet="Form responses 1", header_rows=1,
                    twin_of="study_c_mixed/RiP T4 six-month follow-up (Responses) - Form responses 1.csv", data_rows=TWIN_ROWS["C_T4"],
                    expected="read (exit 0); same rows and values as the Sheets CSV",
                    notes="The linked Google Sheet downloaded as .xlsx; Timestamp is a real date-time cell."))
    out.append(dict(file="RiP T4 six-month follow-up.csv", platform="googleforms", encoding="utf-8",
                    header_rows=1, twin_of="study_c_mixed/RiP T4 six-month follow-up (Responses) - Form responses 1.csv", data_rows=TWIN_ROWS["C_T4"],
                    expected="read (exit 0); same rows and values",
                    notes="Forms' own 'Download responses (.csv)': every field quoted, Timestamp like "
                          "'2026/03/02 9:14:05 AM GMT'."))

    # 7. Microsoft Forms quiz export (org form: names recorded)
    name = "Knowledge check - ward teams(1-14).xlsx"
    head = ["ID", "Start time", "Completion time", "Email", "Name", "Total points", "Quiz feedback",
            "Last modified time", "Staff code"]
    for k in KQ_ITEMS:
        head += [KQ_TEXT[k], f"Points - {KQ_TEXT[k]}", f"Feedback - {KQ_TEXT[k]}"]
    wb = new_workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(head)
    first = ["Alys", "Tomasz", "Priya", "Gareth", "Mair", "Ngozi", "Siân", "Owain", "Chloé", "Dafydd",
             "Hannah", "Rhys", "Zofia", "Iolo"]
    last = ["Jones", "Kowalski", "Shah", "Evans", "Price", "Okafor", "Roberts", "Hughes", "Martin", "Lloyd",
            "Morgan", "Davies", "Nowak", "Thomas"]
    t = dt.datetime(2025, 6, 9, 13, 0)
    totals = []
    for i in range(14):
        t += dt.timedelta(minutes=int(rng.integers(5, 300)))
        a = gen_answers(Person("x", float(rng.standard_normal())), 0, 1.0, ["knowledge_quiz"])
        if i == 4:
            a["kq_3"] = None
        pts = [1 if a[k] == KQ_KEY[k] else 0 for k in KQ_ITEMS]
        totals.append(sum(pts))
        line = [i + 1, t, t + dt.timedelta(minutes=int(rng.integers(3, 9))),
                f"{first[i][0].lower()}.{last[i].lower()}@example.nhs.uk", f"{first[i]} {last[i]}", sum(pts), None,
                None, f"W{i + 1:02d}"]
        for k, p in zip(KQ_ITEMS, pts, strict=False):
            line += [None if a[k] is None else KQ_OPTIONS[k][a[k]], p, None]
        ws.append(line)
    save_workbook(wb, X_DIR / name)
    out.append(dict(file=name, platform="msforms (quiz)", sheet="Sheet1", header_rows=1, data_rows=14,
                    id_column="Staff code",
                    expected="read (exit 0); Total points equal knowledge_quiz scored with quiz.yaml "
                             "(unanswered = wrong)",
                    total_points_by_row=totals,
                    notes="Quiz-mode form from an organisation account: Email and Name recorded, Total points, "
                          "Quiz feedback, 'Points - <question>' and 'Feedback - <question>' columns. Row 5 left "
                          "question 3 unanswered (0 points)."))

    # 8. plain CSV saved by Excel on Windows: cp1252
    name = "ward_huddle_feedback_2025.csv"
    head = ["Staff code", "Team", "Date", "BRS1", "BRS2", "BRS3", "BRS4", "BRS5", "BRS6", "Comments"]
    teams = ["Équipe de nuit – Ward 7", "Café volunteers", "Ward 7 days", "Theatres"]
    comments = ["Didn’t have time for the huddle this week", "Good – more of these", "", "Café staff felt included",
                "Manager’s support made the difference", ""]
    body = []
    for i in range(15):
        a = gen_answers(Person("x", float(rng.standard_normal())), 0, 0, ["brs"])
        vals = [a[k] for k in BRS_ITEMS]
        if i == 3:
            vals[2] = "n/a"
        if i == 9:
            vals[4] = ""
        body.append([f"WH{i + 1:02d}", teams[i % 4], f"{(i % 27) + 1:02d}/02/2025"] + vals + [comments[i % 6]])
    text, _ = csv_text([head] + body, lineterminator="\r\n")
    write_bytes(X_DIR / name, text.encode("cp1252"))
    out.append(dict(file=name, platform="plain csv", encoding="cp1252", header_rows=1, data_rows=15,
                    id_column="Staff code", expected="read (exit 0); encoding detected as Windows-1252",
                    problems=[{"data_row": 4, "column": "BRS3", "value": "n/a", "rule": "not numeric"}],
                    notes="Excel 'CSV (Comma delimited)' on Windows: cp1252 bytes for é, – (0x96) and ’ (0x92), "
                          "CRLF, dd/mm/yyyy dates, a text 'n/a' in a numeric column, one blank answer."))

    # 9. plain CSV saved by Excel as "CSV UTF-8": BOM
    name = "paper_questionnaires_T2_entered.csv"
    head = ["Participant ID", "Timepoint", "Site", "cc1", "cc2", "cc3", "cc4", "cc5", "cc6"]
    sites = ["Tŷ Gwyn", "Ysbyty Gŵyr", "Maelor"]
    body = []
    for i in range(12):
        a = gen_answers(Person("x", float(rng.standard_normal())), 0.3, 0, ["team_coping"])
        body.append([f"C{1 + i % 4}-{100 + i:03d}", "T2", sites[i % 3]] + [a[k] for k in TC_ITEMS])
    text, _ = csv_text([head] + body, lineterminator="\r\n")
    write_bytes(X_DIR / name, b"\xef\xbb\xbf" + text.encode("utf-8"))
    out.append(dict(file=name, platform="plain csv", encoding="utf-8 with BOM", header_rows=1, data_rows=12,
                    id_column="Participant ID", expected="read (exit 0); the BOM is not part of the first header",
                    notes="Excel 'CSV UTF-8 (Comma delimited)': BOM, CRLF, Welsh ŵ/ŷ in site names."))

    # 10. plain XLSX typed in by hand, with a summary row at the bottom
    name = "coping_scores_manual_entry.xlsx"
    wb = new_workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["code", "cohort"] + TC_ITEMS)
    sums = np.zeros(6)
    for i in range(10):
        a = gen_answers(Person("x", float(rng.standard_normal())), 0, 0, ["team_coping"])
        v = [a[k] for k in TC_ITEMS]
        sums += v
        ws.append([f"M{i + 1:03d}", ["Ward 4", "Ward 5"][i % 2]] + v)
    ws.append(["Mean", None] + [round(float(s / 10), 2) for s in sums])
    save_workbook(wb, X_DIR / name)
    out.append(dict(file=name, platform="plain xlsx", sheet="Data", header_rows=1, data_rows=11,
                    id_column="code",
                    expected="read (exit 0); the last row ('Mean', decimals) is a summary, not a participant: it "
                             "must be flagged or set aside, never scored as a person",
                    notes="Item columns already named tc_1..tc_6 (team_coping.yaml ids)."))

    # 11. one long export: all waves in one file
    name = "long_format_all_waves.csv"
    head = ["participant", "wave", "date"] + BRS_ITEMS + TC_ITEMS
    body = []
    for i in range(10):
        p = Person(f"L{i + 1:02d}", float(rng.standard_normal()))
        for j, wv in enumerate(("T1", "T2", "T3")):
            if (i, wv) in ((2, "T2"), (5, "T3"), (7, "T3")):
                continue
            a = gen_answers(p, [0, 0.4, 0.3][j], 0, ["brs", "team_coping"])
            body.append([p.pid, wv, (dt.date(2025, 3, 3) + dt.timedelta(days=42 * j + i)).isoformat()] +
                        [a[k] for k in BRS_ITEMS + TC_ITEMS])
    text, _ = csv_text([head] + body)
    write_bytes(X_DIR / name, text.encode("utf-8"))
    out.append(dict(file=name, platform="plain csv (long: one row per participant x wave)", encoding="utf-8",
                    header_rows=1, data_rows=len(body), id_column="participant", timepoint_column="wave",
                    expected="read (exit 0); init drafts one export with a timepoint column (T1 10, T2 9, T3 8 rows)",
                    notes="Item columns named by item id (brs_1.., tc_1..)."))

    # 12. REFUSAL: two columns with the same name
    name = "team_survey_merged.csv"
    head = ["code", "cohort"] + TC_ITEMS + ["tc_2", "comments"]
    body = []
    differ = []
    for i in range(9):
        a = gen_answers(Person("x", float(rng.standard_normal())), 0, 0, ["team_coping"])
        second = a["tc_2"] if i not in (1, 4, 7) else (a["tc_2"] + 2 if a["tc_2"] <= 8 else a["tc_2"] - 3)
        if second != a["tc_2"]:
            differ.append(i + 1)
        body.append([f"S{i + 1:02d}", "Ward 9"] + [a[k] for k in TC_ITEMS] + [second, ""])
    assert differ == [2, 5, 8], differ
    text, _ = csv_text([head] + body)
    write_bytes(X_DIR / name, text.encode("utf-8"))
    out.append(dict(file=name, platform="plain csv", encoding="utf-8", header_rows=1, data_rows=9,
                    expected="REFUSE (exit 1, one-line message): column name 'tc_2' appears twice, at columns "
                             "4 (D) and 9 (I); the values differ in data rows 2, 5 and 8. Never score from one of "
                             "them silently.",
                    notes="Someone pasted a re-keyed tc_2 column next to the original."))

    # 13. REFUSAL: workbook whose data sheet cannot be decided
    name = "RiP_T2_workbook_two_versions.xlsx"
    wb = new_workbook()
    ws = wb.active
    ws.title = "Responses"
    head = ["Participant code", "Cohort"] + TC_ITEMS
    lines = []
    for i in range(12):
        a = gen_answers(Person("x", float(rng.standard_normal())), 0.4, 0, ["team_coping"])
        lines.append([f"C{1 + i % 4}-{i + 1:03d}", ["Bangor", "Aberystwyth", "Abertawe", "Wrecsam"][i % 4]] +
                     [a[k] for k in TC_ITEMS])
    ws.append(head)
    for line in lines:
        ws.append(line)
    ws2 = wb.create_sheet("Responses (2)")
    ws2.append(head)
    for i, line in enumerate(lines):
        if i in (3, 7, 10):
            continue
        ws2.append(line)
    save_workbook(wb, X_DIR / name)
    out.append(dict(file=name, platform="plain xlsx", header_rows=1,
                    expected="REFUSE (exit 1, one-line message) when given alone: two sheets, 'Responses' (12 rows) "
                             "and 'Responses (2)' (9 rows), have the same header; list both and ask for sheet=.",
                    notes="A copy of the data sheet with three rows deleted, nothing says which is final."))

    # 14. REDCap classic project with a repeating instrument (+ its dictionary)
    data_name = "StaffPulse_DATA_2025-02-03_0905.csv"
    dict_name = "StaffPulse_DataDictionary_2025-02-03.csv"
    head = ["record_id", "redcap_repeat_instrument", "redcap_repeat_instance", "site", "role",
            "enrolment_complete", "pulse_timestamp"] + [f"wb_{i}" for i in range(1, 6)] + ["pulse_complete"]
    body = []
    t = dt.datetime(2024, 11, 4, 9)
    for rec in range(1, 9):
        body.append([rec, "", "", int(rng.integers(1, 3)), int(rng.integers(1, 4)), 2] + [""] * 6 + [""])
        for inst in range(1, int(rng.integers(1, 5)) + 1):
            t += dt.timedelta(seconds=int(rng.integers(5 * 3600, 60 * 3600)))
            a = gen_answers(Person("x", float(rng.standard_normal())), 0, 0, ["who5"])
            body.append([rec, "pulse", inst, "", "", ""] + [t.strftime("%Y-%m-%d %H:%M:%S")] +
                        [a[k] for k in WHO5_ITEMS] + [2])
    write_bytes(X_DIR / data_name, redcap_csv_text([head] + body)[0].encode("utf-8"))
    drows = [B_DICT_HEADER]
    drows.append(["record_id", "enrolment", "", "text", "Record ID"] + [""] * 13)
    drows.append(["site", "enrolment", "", "radio", "Site", choices({1: "North", 2: "South"})] + [""] * 12)
    drows.append(["role", "enrolment", "", "radio", "Role", choices({1: "Nurse", 2: "Doctor", 3: "Other"})] + [""] * 12)
    for i, k in enumerate(WHO5_ITEMS, 1):
        drows.append([f"wb_{i}", "pulse", "Over the last two weeks:" if i == 1 else "", "radio", WHO5_TEXT[k],
                      choices(WHO5_LABELS), "", "", "", "", "", "", "y", "", "", "wb", "", ""])
    write_bytes(X_DIR / dict_name, redcap_csv_text(drows)[0].encode("utf-8"))
    out.append(dict(file=data_name, platform="redcap (classic project, repeating instrument)", encoding="utf-8",
                    header_rows=1, data_rows=len(body), dictionary=dict_name, id_column="record_id",
                    expected="read (exit 0) as repeated measures per record, or REFUSE (exit 1) with a one-line "
                             "message that repeating instruments need a timepoint rule; never exit 2",
                    notes="One row per record (enrolment) plus one row per pulse instance "
                          "(redcap_repeat_instrument = pulse, redcap_repeat_instance = 1..n)."))
    out.append(dict(file=dict_name, platform="redcap data dictionary", encoding="utf-8", header_rows=1,
                    expected="given alone: REFUSE (exit 1) 'is a REDCap data dictionary, not exported data' "
                             "(README troubleshooting); as dictionary= of the file above: read"))
    return out


# --------------------------------------------------------------------------------------------
# Expected outcomes and the careful user's study files
# --------------------------------------------------------------------------------------------

def q(s: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def groups_at(w: Wave, people: dict, key: str, labels: dict | None) -> dict:
    counts: dict = {}
    for pid in w.kept():
        v = people[pid].group[key]
        lab = labels[v] if labels else v
        counts[lab] = counts.get(lab, 0) + 1
    return dict(sorted(counts.items()))


def pii(w: Wave, col: str) -> list[dict]:
    out = []
    for r in w.rows:
        t = r.text.get(col, "")
        kinds = []
        if "@" in t:
            kinds.append("e-mail address")
        if any(s in t for s in ("07700", "01632", "+44")):
            kinds.append("phone number")
        if "Dr " in t:
            kinds.append("person's name")
        if kinds:
            out.append(Flow({"data_row": r.data_row, "column": col, "contains": FlowList(kinds)}))
    return out


def finish_study_a(a: dict) -> None:
    W = a["waves"]
    for w in W:
        w.line_label = "sheet_row" if w.sheet else "file_line"
    P = a["people"]
    rel = "../corpus/study_a_qualtrics/"
    scales = {"brs": ["T1", "T2", "T3", "T4"], "who5": ["T1", "T2", "T3", "T4"],
              "team_coping": ["T1", "T2", "T3", "T4"], "knowledge_quiz": ["T1", "T2", "T4"]}
    t1, t2, t3, t4 = W
    exp = {
        "study": "A - resilience workshop, four Qualtrics waves",
        "init_inputs": [rel + A_FILES[t] for t in ("T1", "T2", "T3", "T4")],
        "careful_user_study_file": "study.yaml",
        "participant_id": {
            "columns": {"T1": "Q_PID", "T2": "Q_PID", "T3": "PID (same question text as Q_PID; export tag renamed "
                                                          "when the T3 survey was rebuilt)", "T4": "Q_PID"},
            "normalisation": "trim spaces, upper case, zero-pad the number to 3 digits (P9 -> P009, p21 -> P021)",
            "near_misses_are_not_linked": "O/0, I/1 and transposed digits are held back, never merged",
        },
        "item_columns": a["columns"],
        "waves": {w.tp: wave_expected(w, w.line_label) for w in W},
        "flow": flow_expected(W),
        "pairs": pairs_expected(W, scales),
        "scales_by_timepoint": {k: FlowList(v) for k, v in scales.items()},
        "scores": [
            score_entry(t1, "P001", "who5"),
            score_entry(t1, "P025", "who5", "who5_3 left blank; WHO-5 needs all five"),
            score_entry(t1, "P003", "brs", "brs_4 left blank"),
            score_entry(t1, "P012", "team_coping", "tc_3 left blank: 5 of 6 is enough"),
            score_entry(t1, "P019", "team_coping", "tc_2 and tc_5 blank: 4 of 6 is not enough"),
            score_entry(t1, "P015", "knowledge_quiz", "kq_2 and kq_5 unanswered count as wrong (no prorating)"),
            score_entry(t1, "P027", "knowledge_quiz", "no quiz question answered: missing, not 0"),
            score_entry(t1, "P009", "brs", "id written 'P9'"),
            score_entry(t2, "P005", "brs", "from the later, complete submission (data row "
                                           f"{t2.kept()['P005'].data_row}), not the first"),
            score_entry(t2, "P010", "brs", "brs_5 left blank"),
            score_entry(t2, "P015", "knowledge_quiz", "kq_1 unanswered = wrong; choice-text export"),
            score_entry(t4, "P016", "knowledge_quiz", "kq_3 and kq_6 unanswered = wrong"),
            score_entry(t4, "P009", "team_coping", "id written 'P09'"),
        ],
        "groups_at_T1": {"cohort (embedded data)": groups_at(t1, P, "cohort", None),
                         "profession (Q_PROF)": groups_at(t1, P, "prof", A_PROF)},
        "free_text": {"T2": FlowList(["Q_USEFUL", "Q_CHANGE"]), "T4": FlowList(["Q_OTHER"]),
                      "planted_personal_data": {"T2": pii(t2, "Q_USEFUL") + pii(t2, "Q_CHANGE"),
                                                "T4": pii(t4, "Q_OTHER")}},
        "problems": [],
        "draft_edits": [
            {"what": "use the study's own coping scale for the six Q7 columns",
             "op": "replace_instrument", "covering_columns": FlowList(f"Q7_{i}" for i in range(1, 7)),
             "value": {"id": "../instruments/team_coping.yaml",
                       "columns": {k: f"Q7_{i}" for i, k in enumerate(TC_ITEMS, 1)}}},
            {"what": "score the knowledge check with the study's answer key (unanswered = wrong)",
             "op": "replace_instrument", "covering_columns": FlowList(f"KQ{i}" for i in range(1, 7)),
             "value": {"id": "../instruments/quiz.yaml",
                       "columns": {k: f"KQ{i}" for i, k in enumerate(KQ_ITEMS, 1)},
                       "timepoints": FlowList(["T1", "T2", "T4"])}},
            {"what": "name the profession codes (the numeric export has no labels)",
             "op": "set_group", "column": "Q_PROF",
             "value": {"name": "profession", "column": "Q_PROF", "labels": {str(k): v for k, v in A_PROF.items()}}},
        ],
    }
    dump_yaml(HERE / "study_a" / "expected.yaml", exp, EXPECTED_HEADER)
    f = {t: q(rel + A_FILES[t]) for t in A_FILES}
    study = f"""\
# Study A of the field corpus, as a careful user ends up writing it after `evaltool init`
# (see tests/field/README.md). SYNTHETIC data. Paths are relative to this file.
name: Resilience workshop for acute-care staff (field corpus study A)
description: >
  Half-day resilience workshop for nurses, midwives and allied staff in four clinical areas;
  Qualtrics surveys at baseline (T1), after the workshop (T2), 3 months (T3) and 6 months (T4).
synthetic: true

exports:
  - {{file: {f['T1']}, timepoint: T1}}
  - {{file: {f['T2']}, timepoint: T2}}          # downloaded with "Use choice text"
  - {{file: {f['T3']}, timepoint: T3, id_column: PID}}   # TSV, UTF-16; code question re-tagged PID
  - {{file: {f['T4']}, timepoint: T4, sheet: Responses}}  # first sheet is instructions

timepoints:
  - {{id: T1, label: Baseline}}
  - {{id: T2, label: After the workshop}}
  - {{id: T3, label: 3 months}}
  - {{id: T4, label: 6 months}}

participant_id:
  column: Q_PID          # 'Please enter your participant code: ... (e.g. "P012").'
  case: upper
  zero_pad: 3            # P9 -> P009

instruments:
  - id: brs
    columns: {{{", ".join(f"{k}: Q5_{i}" for i, k in enumerate(BRS_ITEMS, 1))}}}
  - id: who5
    columns: {{{", ".join(f"{k}: Q6_{i}" for i, k in enumerate(WHO5_ITEMS, 1))}}}
  - id: ../instruments/team_coping.yaml
    columns: {{{", ".join(f"{k}: Q7_{i}" for i, k in enumerate(TC_ITEMS, 1))}}}
  - id: ../instruments/quiz.yaml      # answer key; unanswered = wrong
    columns: {{{", ".join(f"{k}: KQ{i}" for i, k in enumerate(KQ_ITEMS, 1))}}}
    timepoints: [T1, T2, T4]
    primary: false

groups:
  - name: cohort
    column: cohort       # embedded data from the invitation link (text)
  - name: profession
    column: Q_PROF
    labels: {{{", ".join(f'"{k}": {v}' for k, v in A_PROF.items())}}}

free_text:
  - {{id: most_useful, label: "What, if anything, was most useful?", columns: {{T2: Q_USEFUL}}}}
  - {{id: change, label: "What would you change about the workshop, and why?", columns: {{T2: Q_CHANGE}}}}
  - {{id: other_comments, label: "Any other comments?", columns: {{T4: Q_OTHER}}}}

exclusions:
  unfinished: exclude
  preview: exclude
  duplicates: most_complete

analysis:
  baseline: T1
  correction: holm
  effect_size: d_av
  suppression_threshold: 5
  codebook: resilience_training
  redact_names: [Dr Patel]
"""
    (HERE / "study_a" / "study.yaml").write_text(study, encoding="utf-8")


def finish_study_b(b: dict) -> None:
    W = b["waves"]
    for w in W:
        w.line_label = "file_line"
    rel = "../corpus/study_b_redcap/"
    scales = {"brs": ["T1", "T2", "T3"], "coping_confidence": ["T1", "T2", "T3"], "gad7": ["T1", "T3"]}
    t1, t2, t3 = W
    kept_incomplete = []
    for w in W:
        for r in w.rows:
            fd = b["data"][r.written][w.event]["wellbeing"]
            if r.kind == "response" and fd.status != 2:
                kept_incomplete.append({"timepoint": w.tp, "record": r.written, "data_row": r.data_row,
                                        "wellbeing_complete": fd.status,
                                        "wellbeing_timestamp": fd.stamp or "(blank)", "why": r.meta["why"]})
    r9 = t1.kept()["9"].answers
    pk = [r9[k] for k in CC_ITEMS if r9[k] is not None]
    exp = {
        "study": "B - REDCap longitudinal project, three events",
        "init_inputs": [rel + B_FILES["raw"], rel + B_FILES["dictionary"]],
        "other_files": {
            B_FILES["labels"]: "the same export with labels (header = field labels, so 'Survey Timestamp' and "
                               "'Complete?' repeat once per form): reading it with the dictionary must give the same "
                               "values as the raw file, or it is refused (exit 1) naming the repeated headers; "
                               "never exit 2, never silently one of the repeated columns",
            B_FILES["designations"]: "instrument-event mapping (arm_num, unique_event_name, form): not survey data; "
                                     "refused (exit 1) if given as an export",
        },
        "participant_id": {"column": "record_id", "normalisation": "none needed (REDCap record names)"},
        "timepoints": {ev: tp for ev, _, tp in B_EVENTS},
        "form_status_rule": (
            "REDCap sets <form>_complete to 2 when a participant finishes a survey; forms typed in by staff stay "
            "0 (Incomplete) or 1 (Unverified) unless staff change them, and forms designated to an event but never "
            "opened export 0 too. Expected: a row with answers and a survey timestamp or with status 0/1 and no "
            "timestamp is KEPT (with a warning); a survey timestamp '[not completed]' means the participant left "
            "the survey: excluded as unfinished; a row with no questionnaire answers is not a response."),
        "kept_although_not_marked_complete": kept_incomplete,
        "file_data_rows": sum(len(w.rows) for w in W),
        "waves": {w.tp: {"event": w.event, **wave_expected(w)} for w in W},
        "flow": flow_expected(W),
        "pairs": pairs_expected(W, scales),
        "scales_by_timepoint": {k: FlowList(v) for k, v in scales.items()},
        "scores": [
            score_entry(t1, "1", "coping_confidence"),
            score_entry(t1, "9", "coping_confidence",
                        f"cc_4 blank: the study's own file needs 5 of 5 -> missing. The packaged template (4 of 5) "
                        f"would give {fnum(Fraction(sum(pk), len(pk)))}: a number here means the packaged file "
                        f"was used instead of ../instruments/coping_confidence.yaml"),
            score_entry(t1, "5", "brs", "status Incomplete but survey timestamp present"),
            score_entry(t1, "12", "brs", "paper, status Incomplete, no timestamp"),
            score_entry(t1, "16", "gad7", "paper, status Unverified"),
            score_entry(t2, "10", "brs", "brs_5 blank"),
            score_entry(t3, "18", "coping_confidence", "cc_2 blank -> missing under the study's 5-of-5 rule"),
            score_entry(t3, "11", "gad7", "gad_6 blank; GAD-7 needs all seven"),
            score_entry(t3, "12", "gad7", "paper, status Incomplete"),
        ],
        "groups_at_T1": {"cohort": groups_at(t1, {r: Person(r, 0, {"cohort": b["data"][r]["baseline_arm_1"]
                                                                    ["demographics"].values["cohort"]})
                                                  for r in t1.kept()}, "cohort", B_COHORT),
                         "note": "cohort and profession are filled on the baseline row only (demographics form is "
                                 "designated to the baseline event); later rows of a record have them blank"},
        "checkboxes": "used___1..used___5: 0/1 on week 6 and month 6 rows (0 also when the feedback form was never "
                      "opened); blank on baseline rows (form not designated to that event)",
        "free_text": {"columns": ["fb_useful"], "planted_personal_data": [
            {"timepoint": "T2", "record": "20", "column": "fb_useful", "contains": ["phone number"]}]},
        "draft_edits": [
            {"what": "use the study's adapted coping file (same id as the packaged template, different wording and "
                     "a 5-of-5 rule)",
             "op": "replace_instrument", "covering_columns": FlowList(CC_ITEMS),
             "value": {"id": "../instruments/coping_confidence.yaml"}},
        ],
    }
    dump_yaml(HERE / "study_b" / "expected.yaml", exp, EXPECTED_HEADER)
    study = f"""\
# Study B of the field corpus, as a careful user ends up writing it after `evaltool init`
# (see tests/field/README.md). SYNTHETIC data. Paths are relative to this file.
name: Resilience Pathways (field corpus study B, REDCap)
description: >
  Resilience course for ward and theatre staff in three cohorts; REDCap longitudinal project with
  surveys at baseline, week 6 and month 6. Paper questionnaires from one site were typed in by staff.
synthetic: true

exports:
  - file: {q(rel + B_FILES['raw'])}
    dictionary: {q(rel + B_FILES['dictionary'])}
    timepoint_column: redcap_event_name
    timepoint_values:
      baseline_arm_1: T1
      week_6_arm_1: T2
      month_6_arm_1: T3

timepoints:
  - {{id: T1, label: Baseline}}
  - {{id: T2, label: Week 6}}
  - {{id: T3, label: Month 6}}

participant_id:
  column: record_id

instruments:                 # REDCap field names equal the item ids except GAD-7 (gad_1..gad_7)
  - id: brs
  - id: ../instruments/coping_confidence.yaml   # our adapted copy; same id as the packaged template
  - id: gad7
    columns: {{{", ".join(f"gad7_{i}: gad_{i}" for i in range(1, 8))}}}
    timepoints: [T1, T3]
    primary: false

groups:
  - {{name: cohort, column: cohort}}          # labels come from the data dictionary
  - {{name: profession, column: profession}}

free_text:
  - {{id: useful, label: "What has been most useful, and what has got in the way?", column: fb_useful}}

exclusions:
  unfinished: exclude
  preview: exclude
  duplicates: most_complete

analysis:
  baseline: T1
  suppression_threshold: 5
  codebook: resilience_training
"""
    (HERE / "study_b" / "study.yaml").write_text(study, encoding="utf-8")


def finish_study_c(c: dict) -> None:
    W = c["waves"]
    labels = {"T1": "case", "T2": "sheet_row", "T3": "sheet_row", "T4": "file_line"}
    for w in W:
        w.line_label = labels[w.tp]
    P = c["people"]
    rel = "../corpus/study_c_mixed/"
    scales = {"team_coping": ["T1", "T2", "T3", "T4"], "brs": ["T1", "T2", "T3", "T4"],
              "knowledge_quiz": ["T1", "T2", "T3", "T4"]}
    t1, t2, t3, t4 = W
    exp = {
        "study": "C - one platform per wave: SPSS (T1), SurveyMonkey (T2), Microsoft Forms (T3), Google Forms (T4)",
        "init_inputs": [rel + C_FILES[t] for t in ("T1", "T2", "T3", "T4")],
        "careful_user_study_file": "study.yaml",
        "participant_id": {
            "columns": {"T1": "id (SPSS string variable)", "T2": CODE_Q + " (row 1; row 2 'Open-Ended Response')",
                        "T3": "Participant code (e.g. C2-014)", "T4": "Participant code (e.g. C2-014)"},
            "normalisation": "trim spaces, upper case, zero-pad the number after the dash to 3 digits "
                             "(C3-17 -> C3-017, C4-2 -> C4-002)",
            "near_misses_are_not_linked": "missing separator (C3017), O/0 (C2-O06) and transposed digits "
                                          "(C1-070) are held back, never merged",
        },
        "item_columns": c["columns"],
        "column_notes": {
            "T1": "SPSS variables cc1-cc6 (0-10; 99 = 'No answer', declared user-missing), brs1-brs6 (1-5; 9 "
                  "user-missing), kq1-kq6 (1-4; 9 'Not answered' user-missing); variable labels carry the item text; "
                  "cohort and prof are numeric with value labels",
            "T2": "SurveyMonkey: matrix question text only above the first column of the matrix (row 1), "
                  "statement in row 2; answers '0 - Not at all confident' .. '10 - Completely confident' and "
                  "'1 = Strongly disagree' .. '5 = Strongly agree' (bare digits in between)",
            "T3": "Microsoft Forms: tc_4's column comes after the free-text column (responses workbook columns out "
                  "of question order, a known Forms issue)",
            "T4": "Google Forms: coping items are linear scales (numbers 0-10); BRS is a grid, headers "
                  "'Question [row]'; Timestamp dd/mm/yyyy (en-GB sheet)",
        },
        "user_missing_not_problems": c["t1_user_missing"],
        "waves": {w.tp: wave_expected(w, w.line_label) for w in W},
        "flow": flow_expected(W),
        "pairs": pairs_expected(W, scales),
        "scales_by_timepoint": {k: FlowList(v) for k, v in scales.items()},
        "scores": [
            score_entry(t1, "C2-005", "team_coping", "cc3 = 11 is out of range: missing under "
                                                     "scoring.out_of_range: missing"),
            score_entry(t1, "C1-008", "brs", "brs5 = 0 is out of range: missing"),
            score_entry(t1, "C1-006", "team_coping", "cc2 = 99 is declared user-missing ('No answer')"),
            score_entry(t1, "C3-004", "knowledge_quiz", "kq2 and kq5 = 9 ('Not answered', user-missing) count "
                                                        "as wrong"),
            score_entry(t1, "C4-005", "knowledge_quiz", "all six = 9 ('Not answered'): missing, not 0"),
            score_entry(t1, "C2-001", "brs", "brs3 system-missing"),
            score_entry(t1, "C3-017", "team_coping", "id written 'C3-17'"),
            score_entry(t2, "C1-002", "team_coping", "tc_5 blank; SurveyMonkey end-point labels"),
            score_entry(t3, "C3-005", "brs", "brs_6 blank; Microsoft Forms labels"),
            score_entry(t4, "C1-002", "knowledge_quiz", "from the later, complete submission"),
            score_entry(t4, "C4-005", "knowledge_quiz", "only kq_1 answered: the other five count as wrong"),
            score_entry(t4, "C3-009", "team_coping", "tc_1 and tc_2 blank: 4 of 6 -> missing"),
        ],
        "groups_at_T1": {"cohort (SPSS value labels)": groups_at(t1, P, "cohort", C_COHORT),
                         "profession (SPSS value labels)": groups_at(t1, P, "prof", C_PROF)},
        "problems": [
            {"timepoint": "T1", "case": t1.kept()["C2-005"].data_row, "variable": "cc3", "value": 11,
             "rule": "out_of_range", "expected_handling": "item set to missing, row in problems (warning)"},
            {"timepoint": "T1", "case": t1.kept()["C1-008"].data_row, "variable": "brs5", "value": 0,
             "rule": "out_of_range", "expected_handling": "item set to missing, row in problems (warning)"},
        ],
        "free_text": {"T4": ["Any other comments?"], "planted_personal_data": [
            {"timepoint": "T4", "data_row": t4.kept()["C2-004"].data_row, "column": "Any other comments?",
             "contains": ["phone number"]}]},
        "draft_edits": [
            {"what": "use the study's own coping scale for the six coping items of every wave",
             "op": "replace_instrument", "covering_columns": FlowList(f"cc{i}" for i in range(1, 7)),
             "value": {"id": "../instruments/team_coping.yaml"},
             "keep_draft_columns": "map the six columns the draft found in each export, in item order, to "
                                   "tc_1..tc_6 (item_columns above has the truth)"},
            {"what": "score the knowledge check with the study's answer key (unanswered = wrong)",
             "op": "replace_instrument", "covering_columns": FlowList(f"kq{i}" for i in range(1, 7)),
             "value": {"id": "../instruments/quiz.yaml"},
             "keep_draft_columns": "as above, kq_1..kq_6"},
            {"what": "treat out-of-range answers as missing and list them, instead of stopping",
             "op": "set", "path": "scoring.out_of_range", "value": "missing"},
        ],
    }
    dump_yaml(HERE / "study_c" / "expected.yaml", exp, EXPECTED_HEADER)
    cols = c["columns"]

    def cmap(tp, items):
        if tp == "T1":
            return "\n" + "\n".join(f"      {k}: {cols['T1'][k]['variable']}" for k in items)
        out = []
        for k in items:
            h = cols[tp][k]["header"]
            if tp == "T2":  # SurveyMonkey: "<row 1 (filled forward)> - <row 2>" for matrix columns
                name = h[1] if h[1] == "Response" else None
                if k in TC_ITEMS:
                    name = f"How confident are you, right now, that you could...? - {h[1]}"
                elif k in BRS_ITEMS:
                    name = f"How much do you agree with each statement? - {h[1]}"
                else:
                    name = h[0]
            else:
                name = h[0]
            out.append(f"      {k}: {q(name)}")
        return "\n" + "\n".join(out)

    f = {t: q(rel + C_FILES[t]) for t in C_FILES}
    code_q = q(CODE_Q)
    study = f"""\
# Study C of the field corpus, as a careful user ends up writing it after `evaltool init`
# (see tests/field/README.md). SYNTHETIC data. Paths are relative to this file.
#
# ASSUMPTION (the field corpus author's, not a documented evaltool option): because every wave
# comes from a different platform, each export maps item ids to ITS OWN columns with `columns:`.
# SurveyMonkey matrix columns are named "<question text> - <statement>", i.e. row 1 filled
# forward and joined to row 2 (PEERS.md section 4: "parsers must forward-fill row 1").
name: Resilience in Practice (field corpus study C, mixed platforms)
description: >
  Resilience course for ambulance and emergency staff at four sites in Wales. Baseline on paper
  (typed into SPSS), then SurveyMonkey, Microsoft Forms and Google Forms.
synthetic: true

exports:
  - file: {f['T1']}
    timepoint: T1
    id_column: id
    columns:{cmap('T1', TC_ITEMS + BRS_ITEMS + KQ_ITEMS)}
  - file: {f['T2']}
    timepoint: T2
    id_column: {code_q}
    columns:{cmap('T2', TC_ITEMS + BRS_ITEMS + KQ_ITEMS)}
  - file: {f['T3']}
    timepoint: T3
    id_column: Participant code (e.g. C2-014)
    columns:{cmap('T3', TC_ITEMS + BRS_ITEMS + KQ_ITEMS)}
  - file: {f['T4']}
    timepoint: T4
    id_column: Participant code (e.g. C2-014)
    columns:{cmap('T4', TC_ITEMS + BRS_ITEMS + KQ_ITEMS)}

timepoints:
  - {{id: T1, label: Baseline (paper)}}
  - {{id: T2, label: End of course}}
  - {{id: T3, label: 3 months}}
  - {{id: T4, label: 6 months}}

participant_id:
  case: upper
  zero_pad: 3            # C3-17 -> C3-017

instruments:
  - id: ../instruments/team_coping.yaml
  - id: brs
  - id: ../instruments/quiz.yaml      # answer key; unanswered = wrong
    primary: false

groups:                  # from the SPSS baseline file (value labels)
  - {{name: cohort, column: cohort}}
  - {{name: profession, column: prof}}

free_text:
  - {{id: other_comments, label: "Any other comments?", columns: {{T4: "Any other comments?"}}}}

scoring:
  out_of_range: missing  # two typing errors in the SPSS file (cc3 = 11, brs5 = 0)

exclusions:
  unfinished: exclude
  preview: exclude
  duplicates: most_complete

analysis:
  baseline: T1
  suppression_threshold: 5
  codebook: resilience_training
"""
    (HERE / "study_c" / "study.yaml").write_text(study, encoding="utf-8")


def main() -> None:
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    a = build_study_a()
    b = build_study_b()
    c = build_study_c()
    extras = build_extras()
    finish_study_a(a)
    finish_study_b(b)
    finish_study_c(c)
    dump_yaml(HERE / "extra" / "expected.yaml", {"files": extras, "folder": "../corpus/extra/"},
              EXPECTED_HEADER.replace("this field-corpus study", "the single files in corpus/extra/"))
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in files)
    print(f"{len(files)} export files, {total / 1024:.0f} KiB")
    for p in files:
        print(f"  {p.relative_to(CORPUS)}  ({p.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
