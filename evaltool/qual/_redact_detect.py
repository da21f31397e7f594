"""Detection of identifying details in one text (private; see :mod:`evaltool.qual.redact`).

Contact details and numbers by pattern; places and names by pattern and word lists, with
the context rules the public module describes. Candidate spans are resolved (overlaps, the
strongest tag first) by :func:`_resolve`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache

from . import _redact_more as _more
from . import _redact_names as _names
from ._redact_patterns import (
    _BARE_DIGITS,
    _CAP,
    _CUE,
    _DOB,
    _EMAIL,
    _EXT,
    _GENERIC_PLACE,
    _HANDLE,
    _ID_LABEL,
    _INITIALS,
    _NAME_TOKEN,
    _NAMED_SITE,
    _PARTICLE,
    _PARTICLES,
    _PHONE,
    _PLACE,
    _PLACE_PREPS,
    _PLACE_SUFFIX,
    _PLACE_VERBS,
    _POSTCODE,
    _PRIORITY,
    _SIGNED,
    _STREET,
    _STREETS,
    _TEN,
    _TITLED,
    _UNIVERSITY,
    _WORDCAP,
    _fold,
    _Lists,
    _lists,
    nhs_number_valid,
)

_NOT_A_SITE = frozenset("""the a our my your their this that royal national open city new medical nursing
sixth form further community local the royal""".split())
_UNIT_WORDS = frozenset({"ward", "bay", "unit", "wing", "suite", "theatre", "theatres", "room"})


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


Add = Callable[[tuple[int, int, str, str]], None]


def _spans_one(text: str, names: Sequence[re.Pattern[str]], places: Sequence[re.Pattern[str]],
               tags: frozenset[str], use_lists: bool) -> list[tuple[int, int, str, str]]:
    """Every candidate span (start, end, tag, rule) of one text, overlaps not yet resolved."""
    L = _lists()
    out: list[tuple[int, int, str, str]] = []

    def add(span: tuple[int, int, str, str]) -> None:
        s, e, tag, rule = span
        if tag == "name" and text[e - 2:e] in ("'s", "’s"):  # keep the possessive
            e -= 2
        if tag == "name" and rule not in ("title", "user-names") and text[s:e].lower() in _UNIT_WORDS:
            return                       # "Labour Ward", "Bay 3": wards and bays are not people
        out.append((s, e, tag, rule))
    _contact_spans(text, tags, add)
    _more.contact_spans(text, tags, L, add)
    if "place" in tags:
        _place_spans(text, places, L, use_lists, add)
        if use_lists:
            _more.place_spans(text, L, add)
    if "name" in tags:
        _name_spans(text, names, L, add)
        _more.initials_spans(text, L, add)
        if use_lists:
            _names.context_names(text, L, add)
            _names.role_names(text, L, add)
            _lower_full_names(text, add)
            _cue_names(text, L, add)
            sig = _SIGNED.search(text)
            if sig is not None:
                first = sig.group("n").split()[0].lower()
                if first not in L.not_names and (first in L.given or first in L.ambiguous or first in L.surnames):
                    add((sig.start("n"), sig.end("n"), "name", "signature"))
            _capitalised_names(text, L, add)
        if use_lists:
            for span in _unlisted_names(text, L, tags):
                add(span)
    if use_lists and out and tags & {"name", "place"}:
        for span in _names.followups(text, _resolve(list(out)), L):
            if span[2] in tags:
                add(span)
    return out


_DIGIT = re.compile(r"\d")


def _contact_spans(text: str, tags: frozenset[str], add: Add) -> None:
    """E-mails, handles, dates of birth, postcodes, ids, NHS numbers and phones (every
    pattern needs an "@" or a digit: a text with neither is not scanned)."""
    if "@" not in text and _DIGIT.search(text) is None:
        return
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


_PLACE_END = re.compile(rf"\s{_PLACE_SUFFIX}\b")  # how every _PLACE match ends
_STREET_END = re.compile(rf"\s{_STREETS}\b")      # how every _STREET match ends


def _place_spans(text: str, places: Sequence[re.Pattern[str]], L: _Lists, use_lists: bool, add: Add) -> None:
    """The user's places, named sites and wards, universities, streets, listed towns."""
    for rx in places:
        for m in rx.finditer(text):
            add((m.start(), m.end(), "place", "user-places"))
    for m in _PLACE.finditer(text) if _PLACE_END.search(text) else ():
        words = m.group().split()
        start = m.start()
        # drop generic leading words ("the", "Our") and keep only named places
        while words and words[0].lower() in _GENERIC_PLACE and words[0] not in ("Royal", "St", "St.", "Saint"):
            start = text.index(words[1], start + len(words[0])) if len(words) > 1 else m.end()
            words = words[1:]
        proper = [w for w in words[:-1] if w.lower() not in _GENERIC_PLACE and w[0].isupper()]
        if len(words) >= 2 and proper:
            add((start, m.end(), "place", "named-site"))
    for rx, rule in ((_NAMED_SITE, "saint-royal-site"), (_UNIVERSITY, "university"), (_STREET, "street")):
        if (rule == "university" and "Uni" not in text and "College" not in text) \
                or (rule == "street" and _STREET_END.search(text) is None):
            continue                      # the word every match ends with is not there
        for m in rx.finditer(text):
            if rule == "university" and all(w.lower() in _NOT_A_SITE for w in m.group().split()[:-1]):
                continue                  # "the Royal College", "Open University", "our College"
            add((m.start(), m.end(), "place", rule))


def _name_spans(text: str, names: Sequence[re.Pattern[str]], L: _Lists, add: Add) -> None:
    """The user's names, names after a title, initials with a surname."""
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
        if last and last.lower() not in L.not_names and m.group(1)[:5].upper() != "D.O.B":
            add((m.start(1), m.end(1), "name", "initials"))


_WEAK_CUE = re.compile(r"(?i)(?:from|love|regards|with|and|by|like|via|ask|contact|email|"
                       r"asked|told|met|emailed|rang|phoned)\b")
_NAME_PUNCT = re.compile(r"[-'’]")


def _cue_names(text: str, L: _Lists, add: Add) -> None:
    """A name after a cue ("my colleague", "thanks to", "called" ...)."""
    for m in _CUE.finditer(text):
        g = m.group("n")
        parts = g.split()
        first = parts[0]
        lw = first.lower()
        if lw in L.not_names:
            continue
        cap = first[0].isupper()
        strong_cue = not _WEAK_CUE.match(m.group())
        pieces = [x for x in _NAME_PUNCT.split(lw) if x]
        in_list = (_fold(lw) in L.given or (strong_cue and lw in L.ambiguous)
                   or (len(pieces) > 1 and all(_fold(x) in L.given for x in pieces)))
        plain = _NAME_PUNCT.sub("", lw)
        if in_list or (cap and strong_cue and lw not in L.surnames and lw not in L.given and plain.isalpha()
                       and not _sentence_start(text, m.start("n"))):
            end = m.start("n") + len(first)
            if len(parts) > 1 and parts[1].lower() not in L.not_names and (
                    parts[1].lower() in L.surnames or parts[1][0].isupper()):
                end = m.end("n")
            add((m.start("n"), end, "name", "cue"))


_NEXT_CAP = re.compile(rf"\s+({_CAP})")


def _capitalised_names(text: str, L: _Lists, add: Add) -> None:
    """Capitalised given names (with a surname after them) and surnames mid-sentence."""
    for m in _WORDCAP.finditer(text):
        word = m.group()
        lw = word.lower()
        base = lw[:-2] if lw.endswith(("'s", "’s")) else lw
        if base in L.not_names:
            continue
        nxt = _NEXT_CAP.match(text, m.end())
        surname_end = 0
        if nxt is not None and nxt.group(1).lower() in L.surnames and nxt.group(1).lower() not in L.not_names:
            surname_end = nxt.end() - m.end()
        if _fold(base) in L.given and base not in L.ambiguous:
            add((m.start(), m.end() + surname_end, "name", "given-name"))
        elif base in L.ambiguous and surname_end:
            add((m.start(), m.end() + surname_end, "name", "given-name+surname"))
        elif (base in L.surnames and base not in L.ambiguous_surnames
              and not _sentence_start(text, m.start())):
            add((m.start(), m.end(), "name", "surname"))


def _ordinary(word: str, L: _Lists) -> bool:
    """An everyday English word, a domain term, or an ambiguous name (context needed)."""
    return word in L.english or word in L.not_names or word in L.ambiguous or word in L.ambiguous_surnames


def _unknown(token: str, L: _Lists) -> tuple[bool, bool]:
    """(not an ordinary word, in a name list) for a token (possessive dropped, accents folded;
    a hyphenated token by its parts)."""
    low = token.lower()
    if low.endswith(("'s", "’s")):
        low = low[:-2]
    folded = _fold(low).replace("’", "'")
    parts = [p for p in folded.split("-") if p]
    if not parts or len(folded) < 2 or folded in L.not_names:
        return False, False
    namey = folded in L.any_name or all(p in L.any_name for p in parts)
    if _ordinary(folded, L):
        return False, namey
    if len(parts) > 1:
        unknown = not all(_ordinary(p, L) for p in parts) or namey
    else:
        unknown = True
    return unknown, namey


_NAME_PART = r"(?:Mc|Mac|O['’]|D['’]|Fitz)?[^\W\d_][^\W\d_A-Z]*(?:['’][^\W\d_][^\W\d_A-Z]*)*"
_NAME_SHAPE = re.compile(rf"{_NAME_PART}(?:-{_NAME_PART})*")


def _name_shape(word: str) -> bool:
    """Capitalised like a name: no digits, no capitals inside a part except after Mc, Mac,
    O', D' or a hyphen ("McDonald", "O'Neill", "Smith-Jones"; not "GCSEs", "F1s", "iPad")."""
    return _NAME_SHAPE.fullmatch(word) is not None


def _unlisted_names(text: str, L: _Lists, tags: frozenset[str]) -> list[tuple[int, int, str, str]]:
    """Names and places that are in no list: a capitalised word that is not an everyday
    English word or a domain term (vendored word lists), mid-sentence, or at the start of a
    sentence when it is a listed name or begins a full name; the capitalised words (and name
    particles) after it join it. After "at", "in", "from" ... or "moved to" it is a place.
    Measured on ordinary feedback (the development sets): see tests/test_qual_redact.py."""
    out: list[tuple[int, int, str, str]] = []
    words = _NAME_TOKEN.findall(text)
    caps = [k for k, w in enumerate(words) if w[0].isupper()]  # where a name can begin
    if not caps:
        return out
    toks = list(_NAME_TOKEN.finditer(text))
    i = 0
    for k in caps:
        if k < i:
            continue                      # inside a name found already
        m, word = toks[k], words[k]
        i = k + 1
        if (word.isupper() and len(word) > 1) or not _name_shape(word):
            continue
        unknown, namey = _unknown(word, L)
        if not unknown:
            continue
        j = i
        end = m.end()
        while j < len(toks) and j - i < 3:
            gap = text[end:toks[j].start()]
            nxt = toks[j].group()
            if gap not in (" ", "\u00a0"):
                break
            if nxt.lower() in _PARTICLES and j + 1 < len(toks) and toks[j + 1].group()[:1].isupper() \
                    and text[toks[j].end():toks[j + 1].start()] == " ":
                j += 1
                end = toks[j].end()
                j += 1
                continue
            u2, n2 = _unknown(nxt, L)
            if not (nxt[0].isupper() and not nxt.isupper() and (u2 or n2)):
                break
            end = toks[j].end()
            j += 1
        full = j > i
        if _sentence_start(text, m.start()) and not (namey or full):
            continue
        if _sentence_start(text, m.start()) and not full and word.lower() in L.dictionary \
                and _fold(word.lower()) not in L.given_any:
            continue                      # "Bath time ...": an everyday word starts the sentence
        before = text[:m.start()]
        prev = re.findall(r"[\w']+", before[-20:])
        is_place = bool(prev) and (prev[-1].lower() in _PLACE_PREPS or _PLACE_VERBS.search(before) is not None)
        tag = "place" if is_place else "name"
        if tag not in tags:
            tag = "name" if "name" in tags else "place"
            if tag not in tags:
                i = j
                continue
        if tag == "name" and end == m.end() and word.lower().endswith(("'s", "’s")):
            end -= 2
        out.append((m.start(), end, tag, "unlisted-capitalised"))
        i = j
    return out


def _looks_like_date(digits: str) -> bool:
    """YYYYMMDD or DDMMYYYY with a plausible year, month and day (a date, not an id)."""
    if len(digits) != 8:
        return False
    for y, m, d in ((digits[:4], digits[4:6], digits[6:]), (digits[4:], digits[2:4], digits[:2])):
        if 1900 <= int(y) <= 2100 and 1 <= int(m) <= 12 and 1 <= int(d) <= 31:
            return True
    return False


_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z]+(?:-[a-z]+)?(?![\w'’])")
_LOWER_FIRST = re.compile(r"(?<![\w'’-])([a-z]+)(?:-[a-z]+)?(?![\w'’])")  # the same words' first parts


@cache
def _lower_name_sets() -> tuple[frozenset[str], frozenset[str]]:
    """Given names and surnames that may start / end a lower-case full name: neither is also
    an everyday word, nor shorter than three letters."""
    L = _lists()
    given = frozenset(g for g in L.given if g.isalpha() and g not in L.ambiguous and g not in L.not_names
                      and len(g) > 2)
    sur = frozenset(x for x in L.surnames if x.isalpha() and x not in L.ambiguous_surnames
                    and x not in L.not_names and len(x) > 2)
    return given, sur


def _lower_full_names(text: str, add: Add) -> None:
    """A lower-case given name from the list followed by a surname from the list ("sarah
    jones"), each possibly hyphenated ("mary-jane jones")."""
    given, sur = _lower_name_sets()
    if given.isdisjoint(_LOWER_FIRST.findall(text)):
        return                            # no word starts with a listed given name
    prev = None
    for m in _LOWER_WORD.finditer(text):
        if prev is not None and text[prev.end():m.start()].isspace() and \
                prev.group().split("-")[0] in given and m.group().split("-")[0] in sur:
            add((prev.start(), m.end(), "name", "lower-case-full-name"))
        prev = m


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
