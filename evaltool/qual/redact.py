"""Remove identifying details from free text: names, e-mails, phones, NHS numbers, places.

No statistical model is used (none can be downloaded here); detection is by patterns and
word lists (``evaltool/qual/data/names.yaml``):

* ``[email]`` — e-mail addresses;
* ``[phone]`` — UK numbers (``07700 900123``, ``+44 (0)7700 900 123``, ``(0161) 496 0000``,
  ``020-7946-0958``), extensions and bleeps (``ext 4321``, ``bleep 1234``);
* ``[nhs_number]`` — ten digits (``943 476 5919``, ``943-476-5919``, ``9434765919``) whose
  Modulus 11 check digit is valid; other ten-digit numbers in those shapes become ``[id]``;
* ``[place]`` — the user's ``places``; hospitals, infirmaries, hospices, surgeries, trusts,
  stations with a proper name ("St Mary's Hospital", "Royal Derby Infirmary", "Leeds General
  Infirmary"); named wards ("Ward 7", "Rowan Ward"); UK cities and towns from the word list;
* ``[id]`` — also staff, payroll, employee, badge, ESR/assignment and registration numbers
  after their label ("staff no 40123987", "emp id E123456"), and bare runs of 6–10 digits that
  are not a date (YYYYMMDD) or a time;
* ``[postcode]`` — UK postcodes (``LS6 3QP``, ``sw1a 2aa``);
* ``[handle]`` — social media handles (``@nurse_jenny_x``; an e-mail is not a handle);
* ``[date_of_birth]`` — a date after "DOB", "date of birth", "born" (other dates are kept);
* ``[name]`` — the user's ``names`` (and each part of a full name: in any case unless the part
  is an everyday word, then capitalised only); initials with a surname ("J. Smith", "A.K.
  Patel"); lower-case full names whose given name and surname are both in the lists ("sarah
  jones"); names with particles after a title ("Mr van der Berg"), apostrophes and "Mc"
  ("Dr O'Neill", "McDonald"), hyphens ("Jo-Anne", "Smith-Jones"); a capitalised word after a title (Dr, Mr, Mrs, Ms, Miss,
  Prof, Sister, Nurse, Matron ...: the title is kept); after a cue ("my colleague", "thanks
  to", "called", signed "- Tom"); a given name from the word list (capitalised, and not one
  that is also an English word unless a cue or a surname comes with it), with the surname
  that follows it.

Tags are replaced by ``[tag]``. Redaction favours recall: it is run before quotes leave the
tool, and the facilitator report only ever shows redacted text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, overload

import numpy as np
import pandas as pd
import yaml

from .. import columns as C
from ..errors import ParameterError, one_of

__all__ = [
    "REDACTION_REPORT_COLUMNS",
    "REDACTION_SPANS_COLUMNS",
    "TAGS",
    "nhs_number_valid",
    "redact",
    "redact_text",
    "redaction_report",
    "redaction_spans",
]

TAGS = ("name", "email", "phone", "nhs_number", "id", "place", "postcode", "handle", "date_of_birth")
"""Every tag :func:`redact` can write (as ``[tag]``)."""
REDACTION_SPANS_COLUMNS = ("row", C.START, C.END, "tag", C.RULE)
"""Columns of :func:`redaction_spans` (never the text itself)."""
REDACTION_REPORT_COLUMNS = ("tag", "n_found", "n_texts")
"""Columns of :func:`redaction_report`."""

_PRIORITY = {"email": 0, "nhs_number": 1, "phone": 2, "date_of_birth": 3, "id": 4, "postcode": 5,
             "handle": 6, "place": 7, "name": 8}


# ------------------------------------------------------------------------------------------
# word lists
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Lists:
    given: frozenset[str]
    ambiguous: frozenset[str]
    surnames: frozenset[str]
    ambiguous_surnames: frozenset[str]
    places: tuple[str, ...]
    not_names: frozenset[str]


@cache
def _lists() -> _Lists:
    data = yaml.safe_load((files("evaltool.qual") / "data" / "names.yaml").read_text(encoding="utf-8"))
    low = lambda key: frozenset(str(x).lower() for x in data[key])  # noqa: E731
    return _Lists(
        given=low("given_names"), ambiguous=low("ambiguous_given"), surnames=low("surnames"),
        ambiguous_surnames=low("ambiguous_surnames"),
        places=tuple(str(x) for x in data["places"]), not_names=low("not_names"),
    )


# ------------------------------------------------------------------------------------------
# patterns
# ------------------------------------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_TEN = re.compile(r"(?<![\d+])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\d])")
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(?0)"      # +44 / 0044 / (0 / 0
    r"(?:[\s.\-()]{0,2}\d){9,10}(?![\d])"
)
_EXT = re.compile(r"(?i)\b(?:ext|extn|extension|bleep|bleeper|pager|x)\.?:?\s?#?\d{3,6}\b")
_TITLE = (r"(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Sister|Sr|Nurse|Matron|Midwife|"
          r"Rev|Sir|Dame|Dr\.|Mr\.|Mrs\.|Ms\.|Prof\.)")
# a capitalised name word: O'Neill, D’Souza, McDonald, MacLeod, Smith-Jones
_CAPW = r"[A-Z][a-zà-ÿ]*(?:['’][A-Z]?[a-zà-ÿ]+|[A-Z][a-zà-ÿ]+)?"
_CAP = rf"{_CAPW}(?:-{_CAPW})?"
_PARTICLE = r"(?:van|von|de|der|den|del|della|di|da|du|la|le|bin|ibn|al|el|ter|ten|dos|das|st\.?)"
_TITLED = re.compile(rf"\b{_TITLE}\.?\s+((?:(?:{_PARTICLE}\s+){{0,3}}{_CAP}|[A-Z]\.)(?:\s+{_CAP})?)")
_INITIALS = re.compile(rf"(?<![\w.])((?:[A-Z]\.\s?){{1,3}}\s?{_CAP})")
_HANDLE = re.compile(r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])")
_POSTCODE = re.compile(r"(?i)(?<![\w-])(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s?\d[ABD-HJLNP-UW-Z]{2}(?![\w-])")
_MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
           r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_DATE = (rf"(?:\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}|"
         rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\.?,?\s+\d{{2,4}}|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})")
_DOB = re.compile(rf"(?i)\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born(?:\s+on)?|birth\s*date|birthday(?:\s+is)?)\s*(?:is\s+)?[:\-–]?\s*({_DATE})")
_ID_LABEL = re.compile(
    r"(?i)\b(?:staff|payroll|pay|employee|emp|badge|personnel|assignment|esr|smartcard|smart\s+card|"
    r"id|i\.d\.|gmc|nmc|hcpc|pin|registration|reg)"
    r"(?:\s+(?:no|nr|number|num|id|ref|reference|code|badge|card|pin))?\.?"
    r"(?:\s+(?:is|was|=|under|as|of))?\s*[:#=\-–]?\s*(?:number\s+)?"
    r"([A-Z]{0,2}\d[\d ]{3,11}\d(?:-\d{1,2})?|[A-Z]{1,2}\d{4,10})(?![\w/:.]\d)")
_BARE_DIGITS = re.compile(r"(?<![\w/.:,£$€#-])\d{6,10}(?![\w/.:,%-]|\s?(?:am|pm|hrs?|hours?|mins?|minutes?|staff|people|patients|nurses)\b)")
_CUE = re.compile(
    r"(?i:\b(?:my|our|the|a|lovely|great|brilliant|amazing|fab|fabulous|kind|wonderful)\s+"
    r"(?:colleague|colleagues|friend|friends|manager|line manager|mentor|buddy|crewmate|crew mate|"
    r"partner|supervisor|preceptor|coach|facilitator|facilitators|trainer|tutor|lecturer|"
    r"matron|consultant|registrar|boss|team leader|husband|wife|son|daughter|mum|mom|dad|"
    r"sister|brother|educator|practice educator|presenter|speaker|ward manager|band 7)"
    r"|\b(?:thanks|thank you|thankyou|thx|ty|cheers|shout out|shout-out|shoutout|kudos|credit|"
    r"big thanks|special thanks|well done|hats off)(?:\s+(?:to|so much to|again to))?"
    r"|\b(?:called|named|name is|name's|name was|named as|signed|from|love|regards|"
    r"spoke to|speak to|speaking to|talked to|talk to|talking to|chatted to|chatted with|"
    r"asked|told|emailed|rang|phoned|met|with|and|by|like|via|ask|contact|email))"
    r"[,:]?\s+"
    r"(?P<n>[A-Za-zà-ÿ][A-Za-zà-ÿ'’]+(?:-[A-Za-zà-ÿ'’]+)?(?:\s+[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?)?)"
)
_SIGNED = re.compile(
    r"(?:^|[\s.!,])(?:[-–—~]+|(?i:thanks|thank you|cheers|regards|best|kind regards|love|from|x+))"
    r"[,:]?\s*(?P<n>[A-Z][a-zà-ÿ'’]+(?:\s+[A-Z][a-zà-ÿ'’]+)?)\s*(?:x+|!+|\.)?\s*$"
)
_WORDCAP = re.compile(rf"(?<![\w'’@.-]){_CAP}")
_PLACE_SUFFIX = (
    r"(?:Hospitals?|Infirmary|Hospice|Medical\s+Cent(?:re|er)|Health\s+Cent(?:re|er)|"
    r"Birth(?:ing)?\s+Cent(?:re|er)|Surgery|Clinic|Practice|Hub|"
    r"(?:NHS\s+)?(?:Foundation\s+)?Trust|University\s+Hospitals?|"
    r"Ambulance\s+(?:Service|Station|Trust|Base|Hub)|Station|Health\s+Board|CCG|ICB)"
)
_PLACE = re.compile(
    r"\b(?:(?:St\.?|Saint)\s+[A-Z][\w'’]+(?:\s+and\s+St\.?\s+[A-Z][\w'’]+)?|"
    r"(?:Royal|Queen|King|Princess|Prince)\s+[A-Z][\w'’]+|"
    r"[A-Z][\w'’&]+)"
    r"(?:\s+(?:[A-Z][\w'’&]+|of|and|&))*?\s+" + _PLACE_SUFFIX + r"\b"
)
_WARD = re.compile(
    r"\b(?:[Ww]ard|WARD)\s+(?:\d{1,3}[A-Za-z]?|[A-Z])\b"
    r"|\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\s+(?:[Ww]ard|Unit|Suite|Wing|Bay)\b"
)
_GENERIC_PLACE = frozenset("""
the a an my our your this that their his her its local main general district community
teaching university children's childrens women's womens maternity labour delivery postnatal
post-natal antenatal ante-natal medical surgical acute orthopaedic stroke cardiac elderly
care geriatric emergency observation assessment day private isolation same busy new old
side nhs hospital royal city county new big small other every each any one two our
intensive critical high dependency neonatal special baby birth mental health gp dental
eye outpatient outpatients renal respiratory coronary trauma burns surgical admissions
discharge short stay sunday monday tuesday wednesday thursday friday saturday january
february march april may june july august september october november december ambulance
foundation trust practice primary secondary tertiary specialist regional national
a&e ae ed icu itu nicu scbu mau amu cdu sdec this that ward unit suite wing bay
""".split())


def nhs_number_valid(digits: str) -> bool:
    """Whether ten digits form a valid NHS number (Modulus 11 check digit).

    Weights 10..2 on the first nine digits; ``11 - (sum mod 11)`` is the check digit (11
    becomes 0; 10 means the number is invalid). NHS Digital, "NHS number" data dictionary.

    >>> nhs_number_valid("9434765919"), nhs_number_valid("9434765918")
    (True, False)
    """
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


# ------------------------------------------------------------------------------------------
# detection for one text
# ------------------------------------------------------------------------------------------
def _fold(word: str) -> str:
    """Lower case without accents (Zoë → zoe) for word-list look-ups."""
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?:;\n\"'(-–—*•"


def _is_name_word(word: str, L: _Lists, *, context: bool) -> bool:
    w = word.lower().rstrip("'’s") if word.lower().endswith(("'s", "’s")) else word.lower()
    if w in L.not_names:
        return False
    if w in L.ambiguous:
        return context
    if w in L.given:
        return True
    return context and w in L.surnames and w not in L.ambiguous_surnames


def _spans_one(text: str, names: Sequence[re.Pattern[str]], places: Sequence[re.Pattern[str]],
               tags: frozenset[str], use_lists: bool) -> list[tuple[int, int, str, str]]:
    L = _lists()
    out: list[tuple[int, int, str, str]] = []

    def add(span: tuple[int, int, str, str]) -> None:
        s, e, tag, rule = span
        if tag == "name" and text[e - 2:e] in ("'s", "’s"):  # keep the possessive
            e -= 2
        out.append((s, e, tag, rule))
    if "email" in tags:
        for m in _EMAIL.finditer(text):
            add((m.start(), m.end(), "email", "email"))
    if "handle" in tags:
        for m in _HANDLE.finditer(text):
            add((m.start(), m.end(), "handle", "at-handle"))
    if "date_of_birth" in tags:
        for m in _DOB.finditer(text):
            add((m.start(1), m.end(1), "date_of_birth", "dob-label"))
    if "postcode" in tags:
        for m in _POSTCODE.finditer(text):
            add((m.start(), m.end(), "postcode", "uk-postcode"))
    if "id" in tags:
        for m in _ID_LABEL.finditer(text):
            add((m.start(1), m.end(1) - (len(m.group(1)) - len(m.group(1).rstrip())), "id", "labelled-number"))
        for m in _BARE_DIGITS.finditer(text):
            if not _looks_like_date(m.group()):
                add((m.start(), m.end(), "id", "long-number"))
    if tags & {"nhs_number", "id", "phone"}:
        for m in _TEN.finditer(text):
            digits = m.group(1) + m.group(3) + m.group(4)
            if nhs_number_valid(digits):
                if "nhs_number" in tags:
                    add((m.start(), m.end(), "nhs_number", "nhs-modulus-11"))
            elif not digits.startswith("0") and "id" in tags:
                add((m.start(), m.end(), "id", "ten-digits"))
    if "phone" in tags:
        for m in _PHONE.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            national = digits[4:] if digits.startswith("0044") else digits[2:] if m.group().lstrip("( ").startswith("+") else digits
            national = national[1:] if national.startswith("0") else national
            if len(national) in (9, 10):
                add((m.start(), m.end(), "phone", "uk-phone"))
        for m in _EXT.finditer(text):
            add((m.start(), m.end(), "phone", "extension"))
    if "place" in tags:
        for rx in places:
            for m in rx.finditer(text):
                add((m.start(), m.end(), "place", "user-places"))
        for m in _PLACE.finditer(text):
            words = m.group().split()
            start = m.start()
            # drop generic leading words ("the", "Our") and keep only named places
            while words and words[0].lower() in _GENERIC_PLACE and words[0] not in ("Royal", "St", "St.", "Saint"):
                start = text.index(words[1], start + len(words[0])) if len(words) > 1 else m.end()
                words = words[1:]
            proper = [w for w in words[:-1] if w.lower() not in _GENERIC_PLACE and w[0].isupper()]
            if len(words) >= 2 and proper:
                add((start, m.end(), "place", "named-site"))
        for m in _WARD.finditer(text):
            first = m.group().split()[0]
            if first.lower() != "ward" and (first.lower() in _GENERIC_PLACE or first.lower() in L.not_names):
                continue
            add((m.start(), m.end(), "place", "named-ward"))
        if use_lists:
            for m in _city_pattern().finditer(text):
                add((m.start(), m.end(), "place", "town-list"))
    if "name" in tags:
        for rx in names:
            for m in rx.finditer(text):
                add((m.start(), m.end(), "name", "user-names"))
        for m in _TITLED.finditer(text):
            words = [w for w in m.group(1).split() if not re.fullmatch(_PARTICLE, w)]
            first = (words or m.group(1).split())[0].rstrip(".")
            if first.lower() in L.not_names and first.lower() not in L.surnames:
                continue
            add((m.start(1), m.end(1), "name", "title"))
        for m in _INITIALS.finditer(text):
            last = m.group(1).split()[-1].split(".")[-1]
            if last and last.lower() not in L.not_names:
                add((m.start(1), m.end(1), "name", "initials"))
        if use_lists:
            for m in _lower_full_name().finditer(text):
                add((m.start(), m.end(), "name", "lower-case-full-name"))
            for m in _CUE.finditer(text):
                g = m.group("n")
                parts = g.split()
                first = parts[0]
                lw = first.lower()
                cap = first[0].isupper()
                strong_cue = not re.match(r"(?i)(?:from|love|regards|with|and|by|like|via|ask|contact|email|"
                                          r"asked|told|met|emailed|rang|phoned)\b", m.group())
                pieces = [x for x in re.split(r"[-'’]", lw) if x]
                in_list = ((_fold(lw) in L.given or (strong_cue and lw in L.ambiguous)
                            or (len(pieces) > 1 and all(_fold(x) in L.given for x in pieces)))
                           and lw not in L.not_names)
                if lw in L.not_names:
                    continue
                plain = re.sub(r"[-'’]", "", lw)
                if in_list or (cap and strong_cue and lw not in L.surnames | L.given and plain.isalpha()
                               and not _sentence_start(text, m.start("n"))):
                    end = m.start("n") + len(first)
                    if len(parts) > 1 and parts[1].lower() not in L.not_names and (
                            parts[1].lower() in L.surnames or parts[1][0].isupper()):
                        end = m.end("n")
                    add((m.start("n"), end, "name", "cue"))
            sig = _SIGNED.search(text)
            if sig is not None:
                first = sig.group("n").split()[0].lower()
                if first not in L.not_names and (first in L.given or first in L.ambiguous or first in L.surnames):
                    add((sig.start("n"), sig.end("n"), "name", "signature"))
            for m in _WORDCAP.finditer(text):
                word = m.group()
                lw = word.lower()
                base = lw[:-2] if lw.endswith(("'s", "’s")) else lw
                if base in L.not_names:
                    continue
                nxt = re.match(rf"\s+({_CAP})", text[m.end():])
                surname_end = 0
                if nxt is not None and nxt.group(1).lower() in L.surnames and nxt.group(1).lower() not in L.not_names:
                    surname_end = nxt.end()
                if _fold(base) in L.given and base not in L.ambiguous:
                    add((m.start(), m.end() + surname_end, "name", "given-name"))
                elif base in L.ambiguous and surname_end:
                    add((m.start(), m.end() + surname_end, "name", "given-name+surname"))
                elif (base in L.surnames and base not in L.ambiguous_surnames
                      and not _sentence_start(text, m.start())):
                    add((m.start(), m.end(), "name", "surname"))
    return out


def _looks_like_date(digits: str) -> bool:
    """YYYYMMDD or DDMMYYYY with a plausible year, month and day (a date, not an id)."""
    if len(digits) != 8:
        return False
    for y, m, d in ((digits[:4], digits[4:6], digits[6:]), (digits[4:], digits[2:4], digits[:2])):
        if 1900 <= int(y) <= 2100 and 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
            return True
    return False


@cache
def _lower_full_name() -> re.Pattern[str]:
    """A lower-case given name from the list followed by a surname from the list ("sarah
    jones"): both unambiguous (neither is also an everyday word)."""
    L = _lists()
    given = sorted((g for g in L.given if g.isalpha() and g not in L.ambiguous and g not in L.not_names
                    and len(g) > 2), key=len, reverse=True)
    sur = sorted((x for x in L.surnames if x.isalpha() and x not in L.ambiguous_surnames
                  and x not in L.not_names and len(x) > 2), key=len, reverse=True)
    if not given or not sur:
        return re.compile(r"(?!x)x")
    return re.compile(r"(?<![\w'’-])(?:" + "|".join(given) + r")(?:-[a-z]+)?\s+(?:" + "|".join(sur)
                      + r")(?:-[a-z]+)?(?![\w'’])")


@cache
def _city_pattern() -> re.Pattern[str]:
    """Towns from the word list, capitalised only (in lower case they are too often words)."""
    names = sorted(_lists().places, key=len, reverse=True)
    if not names:
        return re.compile(r"(?!x)x")
    return re.compile(r"\b(?:" + "|".join(_cap(n) for n in names) + r")\b")


_SMALL = frozenset({"on", "upon", "under", "in", "le", "the", "de", "by", "of"})


def _cap(name: str) -> str:
    parts = [p for p in re.split(r"[\s-]+", name) if p]
    return r"[\s-]".join(
        re.escape(p if (n and p in _SMALL) else p[:1].upper() + p[1:]) for n, p in enumerate(parts))


def _resolve(spans: list[tuple[int, int, str, str]]) -> list[tuple[int, int, str, str]]:
    """Non-overlapping spans: earlier first; at equal start, higher priority then longer."""
    spans.sort(key=lambda s: (s[0], _PRIORITY[s[2]], -(s[1] - s[0])))
    out: list[tuple[int, int, str, str]] = []
    for s in spans:
        if s[1] <= s[0]:
            continue
        if out and s[0] < out[-1][1]:
            last = out[-1]
            # a higher-priority span that starts inside a lower one replaces it
            if _PRIORITY[s[2]] < _PRIORITY[last[2]] and s[1] >= last[1]:
                out[-1] = s
            continue
        out.append(s)
    return out


# ------------------------------------------------------------------------------------------
# public API
# ------------------------------------------------------------------------------------------
def _word_patterns(values: Iterable[str] | None, param: str) -> list[re.Pattern[str]]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out = []
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise ParameterError(
                f"The '{param}' parameter of redact() must be a list of non-empty strings.",
                fix=f"pass e.g. {param}=['...'].",
            )
        words = [re.escape(w) for w in v.split()]
        out.append(re.compile(r"(?<!\w)" + r"[\s\-]+".join(words) + r"(?!\w)", re.IGNORECASE))
        if param == "names" and len(v.split()) > 1:
            # each part of a full name too: in any case when it is not an everyday word,
            # capitalised only when it is ("Hope", "Will": not "I hope", "will")
            L = _lists()
            for w in v.split():
                lw = w.lower()
                if len(lw) < 2:
                    continue
                if lw in L.not_names or lw in L.ambiguous or lw in L.ambiguous_surnames:
                    out.append(re.compile(r"(?<!\w)" + re.escape(w[:1].upper() + w[1:]) + r"(?!\w)"))
                else:
                    out.append(re.compile(r"(?<!\w)" + re.escape(w) + r"(?!\w)", re.IGNORECASE))
    return out


def _options(names: Iterable[str] | None, places: Iterable[str] | None,
             tags: Iterable[str] | None) -> tuple[list[re.Pattern[str]], list[re.Pattern[str]], frozenset[str]]:
    chosen = frozenset(TAGS if tags is None else ([tags] if isinstance(tags, str) else tags))
    unknown = sorted(chosen - set(TAGS))
    if unknown:
        raise ParameterError(
            f"The 'tags' parameter of redact() must be a subset of {one_of(TAGS)}. Got {unknown} instead.",
        )
    return _word_patterns(names, "names"), _word_patterns(places, "places"), chosen


def _texts(texts: Any) -> list[str]:
    values = texts.tolist() if isinstance(texts, pd.Series) else list(texts)
    return ["" if (v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))) else str(v)
            for v in values]


def redaction_spans(
    texts: pd.Series | Sequence[str],
    *,
    names: Iterable[str] | None = None,
    places: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    use_word_lists: bool = True,
) -> pd.DataFrame:
    """Find what :func:`redact` would replace, without changing anything.

    Parameters
    ----------
    texts
        A Series or list of strings (missing values count as empty). Not modified.
    names, places
        Extra person names / place names to redact (matched case-insensitively as whole words).
    tags
        Which kinds to look for (default all of :data:`TAGS`).
    use_word_lists
        Use the bundled given-name, surname and town lists and the context rules (else only
        patterns, titles and the user's lists).

    Returns
    -------
    DataFrame
        One row per span: ``row`` (position in ``texts``), ``start``, ``end`` (code-point
        offsets, end exclusive), ``tag``, ``rule`` (which detector fired). The text itself is
        never included.

    Examples
    --------
    >>> redaction_spans(["Call Dr Patel on 07700 900123"])[["start", "end", "tag"]].values.tolist()
    [[8, 13, 'name'], [17, 29, 'phone']]
    """
    name_rx, place_rx, chosen = _options(names, places, tags)
    rows = []
    for i, t in enumerate(_texts(texts)):
        if not t:
            continue
        for s, e, tag, rule in _resolve(_spans_one(t, name_rx, place_rx, chosen, use_word_lists)):
            rows.append((i, s, e, tag, rule))
    return pd.DataFrame(rows, columns=list(REDACTION_SPANS_COLUMNS)).astype(
        {"row": "int64", C.START: "int64", C.END: "int64", "tag": object, C.RULE: object})


def _apply(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    out, pos = [], 0
    for s, e, tag, _ in spans:
        out.append(text[pos:s])
        out.append(f"[{tag}]")
        pos = e
    out.append(text[pos:])
    return "".join(out)


@overload
def redact(texts: pd.DataFrame, *, names: Iterable[str] | None = ..., places: Iterable[str] | None = ...,
           tags: Iterable[str] | None = ..., use_word_lists: bool = ..., text: str = ...) -> pd.DataFrame: ...
@overload
def redact(texts: pd.Series, *, names: Iterable[str] | None = ..., places: Iterable[str] | None = ...,
           tags: Iterable[str] | None = ..., use_word_lists: bool = ..., text: str = ...) -> pd.Series: ...
@overload
def redact(texts: str, *, names: Iterable[str] | None = ..., places: Iterable[str] | None = ...,
           tags: Iterable[str] | None = ..., use_word_lists: bool = ..., text: str = ...) -> str: ...
def redact(
    texts: Any,
    *,
    names: Iterable[str] | None = None,
    places: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    use_word_lists: bool = True,
    text: str = C.TEXT,
) -> Any:
    """Replace identifying details with tags such as ``[name]`` and ``[phone]``.

    Parameters
    ----------
    texts
        A Series of strings (returns a Series with the same index), a DataFrame (returns a copy
        whose ``text`` column is redacted) or one string (returns a string). Not modified.
    names, places
        Extra person names and place names (e.g. the study's sites and wards) to redact.
    tags
        Which kinds to redact (default all of :data:`TAGS`: name, email, phone, nhs_number,
        id, place).
    use_word_lists
        Use the bundled name and town lists with their context rules.
    text
        The text column when ``texts`` is a DataFrame.

    Returns
    -------
    Series, DataFrame or str
        Same kind as ``texts``, with each detected span replaced by ``[tag]``. Missing values
        stay missing.

    Notes
    -----
    Detection rules are listed in the module docstring. Measured on the 80+ planted cases of
    ``tests/data/qual/redaction_cases.yaml`` (see ``tests/test_qual_redact.py``); names are the
    hardest (no model): lower-case names without a cue and names that are also English words
    can be missed. Check a sample of quotes by eye before publishing.

    Examples
    --------
    >>> redact("Thanks to Sarah Jones on Ward 7, email sarah.jones@nhs.net or ring 07700 900123")
    'Thanks to [name] on [place], email [email] or ring [phone]'
    >>> redact("NHS no 943 476 5919, ref 123 456 7890")
    'NHS no [nhs_number], ref [id]'
    """
    name_rx, place_rx, chosen = _options(names, places, tags)

    def one(t: str) -> str:
        return _apply(t, _resolve(_spans_one(t, name_rx, place_rx, chosen, use_word_lists)))

    if isinstance(texts, str):
        return one(texts)
    if isinstance(texts, pd.DataFrame):
        if text not in texts.columns:
            raise ParameterError(
                f"The 'text' parameter of redact() names column '{text}', which is not in the data.",
                fix=f"choose from the columns that exist: {list(texts.columns)}.",
            )
        out = texts.copy()
        out[text] = redact(texts[text], names=names, places=places, tags=tags,
                           use_word_lists=use_word_lists)
        return out
    if isinstance(texts, pd.Series):
        values = [one(v) if isinstance(v, str) else v for v in texts.tolist()]
        return pd.Series(values, index=texts.index, name=texts.name, dtype=object)
    raise ParameterError(
        "The 'texts' parameter of redact() must be a str, a pandas Series or a DataFrame. "
        f"Got {type(texts).__name__} instead.",
    )


def redact_text(text: str, **options: Any) -> str:
    """Redact one string (same options as :func:`redact`).

    Parameters
    ----------
    text
        The string to redact.
    **options
        ``names``, ``places``, ``tags``, ``use_word_lists``: as for :func:`redact`.

    Returns
    -------
    str
        The text with each detected span replaced by ``[tag]``.

    Examples
    --------
    >>> redact_text("Ask Mrs Okafor in St Mary's Hospital")
    'Ask Mrs [name] in [place]'
    >>> redact_text("Ring me on 07700 900123", tags=["phone"])
    'Ring me on [phone]'
    """
    if not isinstance(text, str):
        raise ParameterError(
            f"The 'text' parameter of redact_text() must be a str. Got {type(text).__name__} instead."
        )
    return redact(text, **options)


def redaction_report(
    texts: pd.Series | Sequence[str],
    *,
    names: Iterable[str] | None = None,
    places: Iterable[str] | None = None,
    tags: Iterable[str] | None = None,
    use_word_lists: bool = True,
) -> pd.DataFrame:
    """Count what redaction finds, per tag.

    Parameters
    ----------
    texts, names, places, tags, use_word_lists
        As for :func:`redaction_spans`.

    Returns
    -------
    DataFrame
        One row per tag of :data:`TAGS` (in that order, zeros included): ``tag``,
        ``n_found`` (spans replaced), ``n_texts`` (texts with at least one).

    Examples
    --------
    >>> r = redaction_report(["Thanks Jo", "ring 07700 900123", "fine"])
    >>> r.set_index("tag").loc[["name", "phone"], "n_found"].tolist()
    [1, 1]
    """
    spans = redaction_spans(texts, names=names, places=places, tags=tags,
                            use_word_lists=use_word_lists)
    g = spans.groupby("tag")
    found = g.size()
    n_texts = g["row"].nunique()
    return pd.DataFrame({
        "tag": list(TAGS),
        "n_found": [int(found.get(t, 0)) for t in TAGS],
        "n_texts": [int(n_texts.get(t, 0)) for t in TAGS],
    }, columns=list(REDACTION_REPORT_COLUMNS))
