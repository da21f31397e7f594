"""Names found from context (private; see :mod:`evaltool.qual.redact`).

* a lower-case name after a cue: any word that is not everyday English after "thanks",
  "cheers", "shout out to", "my colleague" ...; a listed given name after "with", "and", "to",
  "from", "by" ("thanks nkechi", "talked it through with tunde");
* a given name that is also an everyday word ("Will", "Hope", "Grace") when a person's verb
  follows it ("Will was great", not "Will recommend" or "Hope you run it");
* the rest of a list once one member is a name ("thanks to Priya, Will and rob");
* every other occurrence in the same text of a word already found as a name or place (a name
  is never left in one place after being removed in another).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ._redact_patterns import _fold, _Lists, _shouted

Span = tuple[int, int, str, str]
Add = Callable[[Span], None]

_STRONG = (r"thanks|thank\s+you|thankyou|thx|ty|cheers|shout\s*-?\s*out(?:\s+to)?|kudos(?:\s+to)?|"
           r"credit\s+to|well\s+done|props\s+to|hats\s+off\s+to|big\s+up|"
           r"(?:my|our|the|lovely|great)\s+(?:colleague|friend|mentor|manager|buddy|preceptor|supervisor|"
           r"educator|facilitator|trainer|coach|matron|boss|partner)")
_WEAK = r"with|and|to|from|by|asked|told|ask|tell|called|named|love|met|x+"
_LOWER_CUE = re.compile(rf"(?i:\b(?P<cue>{_STRONG}|{_WEAK}))[,:]?\s+(?P<n>[a-zà-ÿ][a-zà-ÿ'’]+(?:-[a-zà-ÿ'’]+)?)\b")
_STRONG_RX = re.compile(rf"(?i)^(?:{_STRONG})$")
_PERSON_AFTER = re.compile(
    r"(?:'s\b|’s\b|\s+(?:was|has|had|did|ran|led|said|told|helped|explained|showed|gave|made|"
    r"listened|delivered|facilitated|took|kept|covered|shared|taught|organised|organized|came|"
    r"asked|spoke|talked|supported|presented|hosted|always|never|who|rang|phoned|called|emailed|texted|"
    r"messaged|checked|got|went|was\s+the|and\s+[A-Z]\w+\s+(?:were|ran|did|"
    r"led|helped|made|gave|delivered|facilitated))\b)")
_LIST_NEXT = re.compile(r"^(?:\s*,\s*|\s+and\s+|\s*&\s*|\s*/\s*|,\s+and\s+)(?P<n>[A-Za-zà-ÿ][\wà-ÿ'’]*(?:-[\wà-ÿ'’]+)?)")
_LIST_PREV = re.compile(r"(?P<n>[A-Za-zà-ÿ][\wà-ÿ'’]*(?:-[\wà-ÿ'’]+)?)(?:\s*,\s*|\s+and\s+|\s*&\s*)$")
_ROLE = (r"(?i:physio|physiotherapist|nurse|hca|odp|sister|matron|dr|doctor|consultant|manager|facilitator|"
         r"educator|mentor|coach|midwife|paramedic|pharmacist|porter|student|registrar|sho|fy[12]|ot|slt|salt|"
         r"dietitian|radiographer|receptionist|admin|ward\s+clerk|housekeeper|chaplain|psychologist|therapist|"
         r"anp|acp|cns|band\s*\d|lead|colleague|friend|buddy|preceptor|supervisor|trainer|tutor|lecturer|"
         r"hcsw|csw|rn|rgn|rmn|charge\s+nurse|team\s+leader|deputy|senior|junior|staff\s+nurse|boss|"
         r"husband|wife|partner|mum|dad|son|daughter)")
_NAME_WORD = r"[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ'’]+)?"
_WITH_ROLE = re.compile(
    rf"\((?P<a>{_NAME_WORD}),\s*(?i:our\s+|my\s+|the\s+|a\s+)?(?:\w+\s+)?{_ROLE}\b"
    rf"|(?<![\w'’-])(?P<b>{_NAME_WORD}),\s+(?i:our|my|the|a)\s+(?:\w+\s+)?{_ROLE}\b")
_SIGN_OFF = re.compile(r"(?:^|[\s.!,])[-–—~]+\s*(?P<n>[A-Z][a-zà-ÿ'’]+)\s*(?:x+|!+|\.)?\s*$")
_CAPS_WORD = re.compile(r"(?<![\w'’@.-])[A-Z]{3,12}(?![\w@-])")


_ANY_WORD = re.compile(r"(?<![\w'’@.-])[^\W\d_][\w'’]*(?![\w@-])")
_PREV_CAP = re.compile(r"(?<![\w'’-])(?P<w>[A-Z][a-zà-ÿ]+) $")
_CAP_WORD = re.compile(r"(?<![\w'’@.-])[A-Z][a-zà-ÿ]+(?:[-'’][A-Za-zà-ÿ]+)*(?![\w@])")


_MONTHS_DAYS = frozenset("""january february march april may june july august september october november
december monday tuesday wednesday thursday friday saturday sunday christmas easter""".split())


_LOWER_TITLE = re.compile(r"\b(?:dr|mr|mrs|ms|miss|prof|sister|sr)\.?\s+(?P<a>[a-zà-ÿ][a-zà-ÿ'’-]+)"
                          r"(?:\s+(?P<b>[a-zà-ÿ][a-zà-ÿ'’-]+))?")
_LOWER_WORD = re.compile(r"(?<![\w'’@.-])[a-zà-ÿ][a-zà-ÿ]+(?:-[a-zà-ÿ]+)*(?=['’]s\b|(?![\w@-]|['’]\w))")


def _lower_given(word: str, L: _Lists) -> bool:
    """A lower-case given name from the lists that is no English word ("eilidh", "adewale",
    "maria-josé"): every hyphenated part a listed given name."""
    if word in L.dictionary or word in L.not_names or len(word) < 3:
        return False
    parts = [_fold(p) for p in word.split("-")]
    return all(p in L.given and p not in L.dictionary and p not in L.ambiguous for p in parts)


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip()
    return not before or before[-1] in ".!?:;\n\"'(-–—*•"


def context_names(text: str, L: _Lists, add: Add) -> None:
    """Lower-case names after cues; everyday-word given names before a person's verb."""
    for m in _LOWER_CUE.finditer(text):
        w = m.group("n")
        low = _fold(w.lower()).replace("’", "'")
        if low in L.not_names or len(low) < 2 or low in L.english:
            continue
        strong = _STRONG_RX.match(m.group("cue")) is not None
        listed = all(_fold(p) in L.given_any and p not in L.ambiguous and p not in L.english
                     and (p not in L.dictionary or _fold(p) in L.given) for p in low.split("-"))
        if _lower_given(low, L) or listed or (strong and low not in L.dictionary):
            add((m.start("n"), m.end("n"), "name", "lower-case-after-cue"))
    for m in _LOWER_TITLE.finditer(text):
        first, second = m.group("a"), m.group("b")
        if first in L.english or first in L.not_names:
            continue
        end = m.end("b") if second and second not in L.dictionary else m.end("a")
        add((m.start("a"), end, "name", "lower-case-title"))
    words = set(_LOWER_WORD.findall(text)).difference(L.dictionary)  # _lower_given needs a non-English word
    given = {w for w in words if _lower_given(w, L)}
    for m in _LOWER_WORD.finditer(text) if given else ():
        w = m.group()
        if w not in given:
            continue
        end = m.end()
        nxt = _LOWER_WORD.match(text, end + 1) if text[end:end + 1] == " " else None
        if nxt is not None and nxt.group() not in L.dictionary and nxt.group() not in L.not_names:
            end = nxt.end()
        add((m.start(), end, "name", "lower-case-given-name"))
    for m in _CAP_WORD.finditer(text):
        low, end = m.group().lower(), m.end()
        if low.endswith(("'s", "’s")):
            low, end = low[:-2], end - 2
        if low in _MONTHS_DAYS or low in L.not_names:
            continue
        if (low in L.ambiguous or (low not in L.dictionary and low.isalpha())) and _PERSON_AFTER.match(text, end):
            add((m.start(), end, "name", "everyday-name-person-verb"))


def role_names(text: str, L: _Lists, add: Add) -> None:
    """A name with a role: "(Ravinder, physio)", "Dave, our educator, ..."; a sign-off in no
    list ("- Bex"); a listed given name in capitals in a text that is not shouted ("thanks
    SARAH")."""
    for m in _CAPS_WORD.finditer(text):
        low = m.group().lower()
        if _fold(low) in L.given and low not in L.english and low not in L.not_names and not _shouted(text):
            add((m.start(), m.end(), "name", "given-name-in-capitals"))
    low_text = text.lower()
    roles = "(" in text or any(k in low_text for k in (", our ", ", my ", ", the ", ", a "))
    for m in _WITH_ROLE.finditer(text) if roles else ():
        g = "a" if m.group("a") else "b"
        low = _fold(m.group(g).lower())
        if low not in L.not_names and (low not in L.english or low in L.given_any):
            add((m.start(g), m.end(g), "name", "name-with-role"))
    sig = _SIGN_OFF.search(text) if any(c in text[-40:] for c in "-–—~") else None
    if sig is not None:
        low = sig.group("n").lower()
        if low not in L.not_names and (low not in L.dictionary or _fold(low) in L.given_any):
            add((sig.start("n"), sig.end("n"), "name", "sign-off"))


def _list_member(word: str, L: _Lists) -> bool:
    low = _fold(word.lower()).replace("’", "'")
    if low in L.not_names or len(low) < 2:
        return False
    if word[0].isupper():
        return low in L.ambiguous or low in L.given or low in L.any_name or low not in L.english
    return low in L.given and low not in L.english


def followups(text: str, spans: list[Span], L: _Lists) -> list[Span]:
    """Spans implied by those found: the rest of a list of names; other occurrences of a
    name or place word found once."""
    out: list[Span] = []
    names = [s for s in spans if s[2] == "name"]
    for s, e, _, _ in names:
        pos = e
        while (m := _LIST_NEXT.match(text[pos:pos + 40])) and _list_member(m.group("n"), L):
            out.append((pos + m.start("n"), pos + m.end("n"), "name", "list-of-names"))
            pos += m.end("n")
        pos = s
        while (m := _LIST_PREV.search(text[max(0, pos - 40):pos])) and _list_member(m.group("n"), L) \
                and m.group("n")[0].isupper():
            base = max(0, pos - 40)
            out.append((base + m.start("n"), base + m.end("n"), "name", "list-of-names"))
            pos = base + m.start("n")
    for s, _e, _, _ in names:
        m = _PREV_CAP.search(text[max(0, s - 30):s])
        w = _fold(m.group("w").lower()) if m is not None else ""
        if m is not None and (w in L.given or w in L.ambiguous) \
                and m.group("w").lower() not in L.not_names:
            out.append((s - len(m.group(0)), s, "name", "given-name-before-name"))
    found = {}
    for s, e, tag, _ in spans + out:
        if tag in ("name", "place"):
            for w in re.findall(r"[^\W\d_][\w'’-]*", text[s:e]):
                if len(w) > 2 and w.lower() not in L.not_names and (w[0].isupper() or w.lower() not in L.english):
                    found[w] = tag
    if not found:
        return out
    taken = [(s, e) for s, e, _, _ in spans + out]
    for m in _ANY_WORD.finditer(text):
        w, end = m.group(), m.end()
        if w not in found and w.endswith(("'s", "’s")):
            w, end = w[:-2], end - 2
        if w in found and not any(s <= m.start() < e for s, e in taken) \
                and not (w.lower() in L.dictionary and _fold(w.lower()) not in L.given_any
                         and _sentence_start(text, m.start())):
            out.append((m.start(), end, found[w], "same-word-again"))
    return out
