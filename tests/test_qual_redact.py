"""Tests for evaltool.qual.redact.

Recall and precision per tag are measured on tests/data/qual/redaction_cases.yaml (94 made-up
sentences with planted identifiers, written for this module; a found span counts when it
overlaps an expected span of the same tag). The floors below are the values measured when the
tests were written, not widened: e-mail, phone and NHS-number recall must be 1.0.
The NHS number check digit follows the NHS Data Dictionary "NHS Number" Modulus 11 rule.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evaltool.errors import ParameterError
from evaltool.qual.redact import (
    REDACTION_REPORT_COLUMNS,
    REDACTION_SPANS_COLUMNS,
    TAGS,
    nhs_number_valid,
    redact,
    redact_text,
    redaction_report,
    redaction_spans,
)

CASES = Path(__file__).parent / "data" / "qual" / "redaction_cases.yaml"

# measured on redaction_cases.yaml when written (recall, precision)
FLOORS = {
    "email": (1.0, 1.0),
    "phone": (1.0, 1.0),
    "nhs_number": (1.0, 1.0),
    "id": (1.0, 1.0),
    "place": (1.0, 1.0),
    "name": (0.95, 1.0),
    # issue 13/14 additions, measured when the detectors were added (before: 8 of the 36 new
    # planted spans fully removed)
    "postcode": (1.0, 1.0),
    "handle": (1.0, 1.0),
    "date_of_birth": (1.0, 1.0),
}


def _expected(case: dict) -> list[tuple[int, int, str]]:
    out = []
    for sp in case["spans"]:
        pos = -1
        for _ in range(sp.get("occurrence", 1)):
            pos = case["text"].index(sp["text"], pos + 1)
        out.append((pos, pos + len(sp["text"]), sp["tag"]))
    return out


def _scores() -> dict[str, tuple[float, float, int, int]]:
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]
    found = redaction_spans([c["text"] for c in cases])
    tp, fn, fp = Counter(), Counter(), Counter()
    for i, case in enumerate(cases):
        exp = _expected(case)
        got = [(r.start, r.end, r.tag) for r in found[found.row == i].itertuples()]
        overlap = lambda a, b: a[2] == b[2] and a[0] < b[1] and b[0] < a[1]  # noqa: E731
        for e in exp:
            (tp if any(overlap(e, g) for g in got) else fn)[e[2]] += 1
        for g in got:
            if not any(overlap(g, e) for e in exp):
                fp[g[2]] += 1
    out = {}
    for t in TAGS:
        out[t] = (tp[t] / (tp[t] + fn[t]), tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 1.0,
                  tp[t] + fn[t], tp[t] + fp[t])
    return out


def test_the_case_file_is_big_enough_and_consistent():
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]
    assert len(cases) >= 80
    assert sum(1 for c in cases if not c["spans"]) >= 15
    for c in cases:
        for s, e, tag in _expected(c):
            assert tag in TAGS and e > s


@pytest.mark.parametrize("tag", TAGS)
def test_recall_and_precision_per_tag(tag):
    recall, precision, n_expected, _ = _scores()[tag]
    min_recall, min_precision = FLOORS[tag]
    assert n_expected >= 3
    assert recall >= min_recall, f"{tag} recall {recall:.3f}"
    assert precision >= min_precision, f"{tag} precision {precision:.3f}"


def test_nhs_modulus_11():
    """Worked by hand: 943 476 5919 → 9·10+4·9+3·8+4·7+7·6+6·5+5·4+9·3+1·2 = 299; 299 mod 11 = 2;
    11 − 2 = 9 = the tenth digit (NHS Data Dictionary, NHS Number, Modulus 11)."""
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("943476591")
    assert not nhs_number_valid("94347659a9")
    # remainder 0 gives check digit 11 → 0: 0000000000 sums to 0
    assert nhs_number_valid("0000000000")
    # 1000000060: 1·10 + 6·2 = 22, remainder 0 → check digit 0: valid
    assert nhs_number_valid("1000000060")
    # 000000006x: 6·2 = 12, remainder 1 → check digit 10, never valid whatever the last digit
    assert not any(nhs_number_valid(f"000000006{d}") for d in range(10))


def test_examples_of_each_tag():
    text = ("Thanks to Sarah Jones on Ward 7 at St Mary's Hospital, email sarah.jones@nhs.net, "
            "ring 07700 900123, NHS no 943 476 5919, ref 123 456 7890.")
    assert redact(text) == ("Thanks to [name] on Ward 7 at [place], email [email], ring [phone], "
                            "NHS no [nhs_number], ref [id].")


def test_titles_are_kept_and_possessives_too():
    assert redact("Dr Patel's call was great") == "Dr [name]'s call was great"
    assert redact("Sister Murphy and Mr Lewis") == "Sister [name] and Mr [name]"


def test_user_lists_of_names_and_places():
    text = "Ask Blessing on Kestrel Unit at Lowfield"
    assert redact(text, names=["Blessing"], places=["Kestrel Unit", "Lowfield"]) == "Ask [name] on [place] at [place]"
    assert redact("ask blessing", names=["Blessing"]) == "ask [name]"


def test_tags_subset_and_word_lists_switch():
    text = "Sarah said ring 07700 900123"
    assert redact(text, tags=["phone"]) == "Sarah said ring [phone]"
    assert redact(text, use_word_lists=False) == "Sarah said ring [phone]"
    with pytest.raises(ParameterError, match="subset"):
        redact(text, tags=["passport"])
    with pytest.raises(ParameterError, match="non-empty"):
        redact(text, names=[""])


def test_return_types_follow_the_input():
    s = pd.Series(["Thanks Jo", None, "fine"], index=[10, 11, 12], name="text")
    out = redact(s)
    assert isinstance(out, pd.Series) and out.index.tolist() == [10, 11, 12] and out.name == "text"
    assert out.iloc[0] == "Thanks [name]" and pd.isna(out.iloc[1]) and out.iloc[2] == "fine"
    df = pd.DataFrame({"response_id": [1], "text": ["email a.b@c.org"], "other": ["a.b@c.org"]})
    before = df.copy(deep=True)
    red = redact(df)
    pd.testing.assert_frame_equal(df, before)
    assert red["text"].tolist() == ["email [email]"] and red["other"].tolist() == ["a.b@c.org"]
    assert redact_text("Ring 07700 900123") == "Ring [phone]"
    with pytest.raises(ParameterError):
        redact(123)
    with pytest.raises(ParameterError, match="not in the data"):
        redact(df, text="answer")


def test_spans_never_carry_the_text():
    spans = redaction_spans(["Call Dr Patel on 07700 900123", np.nan, ""])
    assert tuple(spans.columns) == REDACTION_SPANS_COLUMNS == ("row", "start", "end", "tag", "rule")
    assert spans[["row", "start", "end", "tag"]].values.tolist() == [[0, 8, 13, "name"], [0, 17, 29, "phone"]]


def test_redaction_report_counts_per_tag():
    rep = redaction_report(["Thanks Jo and Tom", "ring 07700 900123", "fine", "a@b.com a@b.org"])
    assert tuple(rep.columns) == REDACTION_REPORT_COLUMNS
    assert rep["tag"].tolist() == list(TAGS)
    got = rep.set_index("tag")
    assert got.loc["name"].tolist() == [2, 1]
    assert got.loc["phone"].tolist() == [1, 1]
    assert got.loc["email"].tolist() == [2, 1]
    assert got.loc["place"].tolist() == [0, 0]


def test_offsets_with_emoji_and_accents():
    text = "The café 😊 with Zoë, ring 07700 900111"
    spans = redaction_spans([text])
    assert [text[s:e] for s, e in zip(spans.start, spans.end, strict=True)] == ["Zoë", "07700 900111"]



def _cases() -> dict:
    return yaml.safe_load(CASES.read_text(encoding="utf-8"))


def _covered(text: str, exp: list[tuple[int, int, str]], got: list[tuple[int, int]]) -> list[bool]:
    return [all(any(s <= p < e for s, e in got) for p in range(a, b) if not text[p].isspace())
            for a, b, _ in exp]


def test_every_planted_character_is_removed_and_few_other_words():
    """Recall counted strictly (every character of a planted identifier removed, so "Dr
    O'Neill" can never become "Dr [name]Neill") and the share of other words removed."""
    cases = _cases()["cases"]
    found = redaction_spans([c["text"] for c in cases])
    hit = total = other = removed = 0
    for i, case in enumerate(cases):
        exp = _expected(case)
        got = [(r.start, r.end) for r in found[found.row == i].itertuples()]
        cov = _covered(case["text"], exp, got)
        hit += sum(cov)
        total += len(cov)
        for m in re.finditer(r"\S+", case["text"]):
            if any(a < m.end() and m.start() < b for a, b, _ in exp):
                continue
            other += 1
            removed += any(s < m.end() and m.start() < e for s, e in got)
    assert hit / total >= 0.98, f"strict recall {hit}/{total}"
    assert removed / other < 0.02, f"{removed}/{other} other words removed"
    assert redact("Dr O'Neill ran it") == "Dr [name] ran it"
    assert redact("Mr van der Berg and Dr de la Cruz") == "Mr [name] and Dr [name]"


def test_names_from_the_study_list():
    """A participants/staff list: full names, and their parts (an everyday word only when
    capitalised: "Hope" the person, not "I hope")."""
    block = _cases()["with_names"]
    found = redaction_spans([c["text"] for c in block["cases"]], names=block["names"])
    for i, case in enumerate(block["cases"]):
        exp = _expected(case)
        got = [(r.start, r.end) for r in found[found.row == i].itertuples()]
        assert all(_covered(case["text"], exp, got)), case["text"]
        if not exp:
            assert not got, case["text"]


@pytest.mark.parametrize(("text", "expected"), [
    ("staff no 40123987", "staff no [id]"),
    ("Payroll: 7781234", "Payroll: [id]"),
    ("Badge number 334455 failed", "Badge number [id] failed"),
    ("ring me, 12345678", "ring me, [id]"),
    ("the 20240612 export", "the 20240612 export"),          # a date, not an id
    ("Follow @nurse_jenny_x", "Follow [handle]"),
    ("email a.b@nhs.net", "email [email]"),                  # an e-mail is not a handle
    ("I live at LS6 3QP", "I live at [postcode]"),
    ("The M6 was shut", "The M6 was shut"),
    ("DOB 12/04/1989", "DOB [date_of_birth]"),
    ("The session on 12/04/2024", "The session on 12/04/2024"),  # a date without a DOB label
    ("sarah jones on nights", "[name] on nights"),
    ("thank you Jo-Anne and Priya", "thank you [name] and [name]"),
    ("(J. Smith)", "([name])"),
])
def test_new_detectors(text, expected):
    assert redact(text) == expected


def test_round_2_cases_unlisted_names_and_places():
    """tests/data/qual/redaction_cases_2.yaml (written before the round-2 detectors): names in
    no list (sign-offs, brackets with a role, many origins, lower case after a cue), hospital
    names and nicknames, towns, universities, addresses; every character must go. ``aside``
    cases were not used to change the detectors. Floors = measured, rounded down."""
    cases = yaml.safe_load((CASES.parent / "redaction_cases_2.yaml").read_text(encoding="utf-8"))["cases"]
    for part, floor in (("tune", 1.0), ("aside", 0.8)):
        chosen = [c for c in cases if c.get("part", "tune") == part]
        found = redaction_spans([c["text"] for c in chosen])
        hit = total = other = removed = 0
        for i, case in enumerate(chosen):
            exp = _expected(case)
            got = [(r.start, r.end) for r in found[found.row == i].itertuples()]
            cov = _covered(case["text"], exp, got)
            hit, total = hit + sum(cov), total + len(cov)
            for m in re.finditer(r"\S+", case["text"]):
                if not any(a < m.end() and m.start() < b for a, b, _ in exp):
                    other += 1
                    removed += any(s < m.end() and m.start() < e for s, e in got)
        assert hit / total >= floor, (part, hit, total)
        assert removed / other < 0.02, (part, removed, other)


def test_ordinary_feedback_keeps_its_words():
    """Precision on ordinary feedback: the development sets' answers (657, a handful of real
    first names in them) lose at most 0.2% of their words."""
    texts = []
    for name in ("dev_coded_answers_2.yaml", "dev_coded_answers_3.yaml", "dev_valence_4.yaml"):
        texts += [a["text"] for a in yaml.safe_load((CASES.parent / name).read_text(encoding="utf-8"))["answers"]]
    found = redaction_spans(texts)
    words = removed = 0
    for i, t in enumerate(texts):
        got = [(r.start, r.end) for r in found[found.row == i].itertuples()]
        for m in re.finditer(r"\S+", t):
            words += 1
            removed += any(s < m.end() and m.start() < e for s, e in got)
    assert removed / words <= 0.002, (removed, words)
    assert redact("The Zoom link failed, so Teams it was. Cant fault the GCSEs tips") == \
        "The Zoom link failed, so Teams it was. Cant fault the GCSEs tips"


# ------------------------------------------------------------------------------------------
# round 3 (issue 13 item 5): the blind sets' conventions and scoring
# ------------------------------------------------------------------------------------------
def _leak_scores(cases: list[dict]) -> tuple[dict[str, tuple[int, int]], float]:
    """Per kind (removed, spans) and the share of other words removed, scored like the lead's
    blind measure: a span counts as removed when none of its words of two or more characters
    is left anywhere in the redacted text; other words are the words outside every span that
    are missing from it."""
    by_kind: dict[str, list[int]] = {}
    other = removed = 0
    for case in cases:
        text, out = case["text"], redact(case["text"])
        covered = np.zeros(len(text), bool)
        for sp in case["spans"]:
            start = -1
            for _ in range(int(sp.get("occurrence", 1))):
                start = text.index(sp["text"], start + 1)
            covered[start:start + len(sp["text"])] = True
            leaked = [w for w in re.findall(r"\w+", sp["text"])
                      if len(w) > 1 and re.search(rf"(?<!\w){re.escape(w)}(?!\w)", out)]
            got = by_kind.setdefault(sp.get("kind", sp.get("tag")), [0, 0])
            got[0] += not leaked
            got[1] += 1
        left = Counter(re.findall(r"\w+", out))
        for m in re.finditer(r"\w+", text):
            if covered[m.start():m.end()].any():
                continue
            other += 1
            if left[m.group()] > 0:
                left[m.group()] -= 1
            else:
                removed += 1
    return {k: (v[0], v[1]) for k, v in by_kind.items()}, removed / max(other, 1)


def _round3(part: str) -> list[dict]:
    """tests/data/qual/redaction_cases_3.yaml (327 cases written by a helper who never saw the
    detectors), split before anyone read it: every third case (index 2, 5, 8 ...) is ``aside``,
    scored but never read while the detectors were changed; the rest is ``tune``."""
    cases = yaml.safe_load((CASES.parent / "redaction_cases_3.yaml").read_text(encoding="utf-8"))["cases"]
    return [c for i, c in enumerate(cases) if (i % 3 == 2) == (part == "aside")]


# measured when the round-3 detectors were written (recall over all kinds, other words
# removed); tune before the round: 0.686, aside before: 0.683 (other words 0.74% / 0.08%)
ROUND3_FLOORS = {"tune": (0.96, 0.002), "aside": (0.84, 0.005)}


@pytest.mark.parametrize("part", ["tune", "aside"])
def test_round_3_recall_by_kind_and_other_words(part):
    scores, other = _leak_scores(_round3(part))
    hit = sum(h for h, _ in scores.values())
    total = sum(n for _, n in scores.values())
    floor, max_other = ROUND3_FLOORS[part]
    assert total >= 100 and set(scores) >= {"name", "place", "initials", "handle", "date_of_birth", "email"}
    assert hit / total >= floor, (part, {k: f"{h}/{n}" for k, (h, n) in scores.items()})
    assert other <= max_other, (part, other)
    if part == "tune":
        for kind in ("email", "handle", "initials", "date_of_birth", "postcode", "staff_number", "phone"):
            h, n = scores[kind]
            assert h == n, (kind, h, n)


@pytest.mark.parametrize(("text", "expected"), [
    # e-mails written to dodge filters
    ("email me at jo dot smith at nhs dot net", "email me at [email]"),
    ("jo.smith [at] nhs [dot] net if needed", "[email] if needed"),
    ("jsmith at gmail dot com thanks", "[email] thanks"),
    ("I work at home most days", "I work at home most days"),
    # handles without @
    ("follow me on insta jojo_rn88", "follow me on insta [handle]"),
    ("my tiktok is nursejo.uk", "my tiktok is [handle]"),
    ("I'm NurseNav on the forum", "I'm [handle] on the forum"),
    ("I use PowerPoint and WhatsApp", "I use PowerPoint and WhatsApp"),
    ("thanks x", "thanks x"),
    # dates of birth
    ("born on the 3rd of April 1989", "born on the [date_of_birth]"),
    ("dob 12th May '90", "dob [date_of_birth]"),
    ("dob: 19891107", "dob: [date_of_birth]"),
    ("my dob is nineteenth of may nineteen eighty, sorry", "my dob is [date_of_birth], sorry"),
    ("Jo Bloggs, 1990-12-01, band 5", "[name], [date_of_birth], band 5"),
    ("June 2024 was busy", "June 2024 was busy"),
    # initials
    ("JS ran the session well", "[name] ran the session well"),
    ("my manager (DW) said no", "my manager ([name]) said no"),
    ("J Smith was great", "[name] was great"),
    ("Schwartz Rounds (SR) and the ED", "Schwartz Rounds (SR) and the ED"),
    ("I LOVED IT SO MUCH", "I LOVED IT SO MUCH"),
    # places
    ("commute from Ossett", "commute from [place]"),
    ("could you do one nearer to ne46? hexham is far", "could you do one nearer to [postcode]? [place] is far"),
    ("the LGI was busy", "the [place] was busy"),
    ("I'm a carer at Willow Bank", "I'm a carer at [place]"),
    ("Beech House care home", "[place]"),
    ("I work on Ward 7, bay 3, in Resus", "I work on Ward 7, bay 3, in Resus"),
    ("The Royal College should endorse this; Royal Mail lost it", "The Royal College should endorse this; Royal Mail lost it"),
    ("Bath time with the kids", "Bath time with the kids"),
    # names
    ("cheers nkechi", "cheers [name]"),
    ("dr priya raghunathan was good", "dr [name] was good"),
    ("eilidh here, the one who cried", "[name] here, the one who cried"),
    ("Thanks to Priya, Will and Grace", "Thanks to [name], [name] and [name]"),
    ("Thanks Sarah! Sarah was great", "Thanks [name]! [name] was great"),
    ("Will was great", "[name] was great"),
    ("Will recommend. Hope you run it again. May was hard", "Will recommend. Hope you run it again. May was hard"),
    ("Labour Ward was short", "Labour Ward was short"),
    ("badge no 4471, the porter", "badge no [id], the porter"),
    ("(Ravinder, physio) showed me", "([name], physio) showed me"),
    ("Dave, our educator, was ace", "[name], our educator, was ace"),
    ("Really useful - Bex", "Really useful - [name]"),
    ("Bex was great, Wi-Fi was poor", "[name] was great, Wi-Fi was poor"),
    ("thanks to SARAH for the call", "thanks to [name] for the call"),
    ("THANKS SARAH", "THANKS [name]"),
    ("GOOD SESSION, WILL RECOMMEND", "GOOD SESSION, WILL RECOMMEND"),
    ("eilidh's session was ace", "[name]'s session was ace"),
    ("I am an ST3 and FY1 in CT1", "I am an ST3 and FY1 in CT1"),
])
def test_round_3_detectors(text, expected):
    assert redact(text) == expected


def test_word_lists_ship_and_stay_small():
    """The gazetteers are package data (hatch ships every file under evaltool/) with their
    source stated in data/NOTICE-wordlists.txt, and stay under 1 MB together."""
    data = Path(__file__).parents[1] / "evaltool" / "qual" / "data"
    notice = (data / "NOTICE-wordlists.txt").read_text(encoding="utf-8")
    for name in ("places_uk.txt", "given_names_world.txt"):
        assert (data / name).stat().st_size > 1000 and name in notice
    assert sum(p.stat().st_size for p in data.iterdir()) < 1_000_000
