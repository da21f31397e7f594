"""Remove identifying details from free text: names, e-mails, phones, NHS numbers, places.

No statistical model is used (none can be downloaded here); detection is by patterns and
word lists: ``evaltool/qual/data/names.yaml`` (curated), ``places_uk.txt`` (hand-written UK
towns, districts, counties, hospitals by their nicknames, universities) and
``given_names_world.txt`` (hand-written given names of many origins), and vendored as data
(licences in ``data/NOTICE-wordlists.txt``) the given names and surnames of Faker's
Latin-script locales and the 20,000 most frequent English words of wordfreq:

* ``[email]`` — e-mail addresses, also spelt out ("jo dot smith at nhs dot net",
  "jo.smith [at] nhs [dot] net");
* ``[phone]`` — UK numbers (``07700 900123``, ``+44 (0)7700 900 123``, ``(0161) 496 0000``,
  ``020-7946-0958``), extensions and bleeps (``ext 4321``, ``bleep 1234``);
* ``[nhs_number]`` — ten digits (``943 476 5919``, ``943-476-5919``, ``9434765919``) whose
  Modulus 11 check digit is valid; other ten-digit numbers in those shapes become ``[id]``;
* ``[place]`` — the user's ``places``; hospitals, infirmaries, hospices, surgeries, trusts,
  care homes, lodges, stations with a proper name ("St Mary's Hospital", "Royal Derby
  Infirmary", "Beech House care home"); UK towns, districts and hospitals from the gazetteer
  ("Ossett", "the LGI", "Pinderfields"; an entry that is also an everyday word, like "Bath",
  only after "at", "in", "from", "moved to" ...; in lower case when it is no English word);
  named homes, parks and estates ("Willow Bank", "Roundhay Park"). Wards, bays and units
  ("Ward 7", "Rowan Ward", "Resus", "NICU") are not redacted (issue 13's convention: they do
  not identify anyone outside the trust); pass them in ``places`` to remove them;
* ``[id]`` — also staff, payroll, employee, badge, ESR/assignment and registration numbers
  after their label ("staff no 40123987", "emp id E123456", "badge no 4471"), and bare runs
  of 6–10 digits that are not a date (YYYYMMDD) or a time;
* ``[postcode]`` — UK postcodes (``LS6 3QP``, ``sw1a 2aa``), and a postcode district after a
  place word ("nearer to NE46"; not CT1, FY1 or ST3, which are grades);
* ``[handle]`` — social media handles (``@nurse_jenny_x``; an e-mail is not a handle), a
  username after a platform ("insta jojo_rn88", "my tiktok is nursejo.uk"), and usernames by
  their shape anywhere (an underscore, "sarah.okoro2", "NurseNav");
* ``[date_of_birth]`` — a date after "DOB", "date of birth", "born", "birthday" in many shapes
  ("12th May '90", "19891107", "nineteenth of may nineteen eighty"), "born in 1989", and a full
  date whose year (1935–2007) makes it a birth date (other dates are kept: "June 2024");
* ``[name]`` — the user's ``names`` (and each part of a full name: in any case unless the part
  is an everyday word, then capitalised only); initials with a surname ("J. Smith", "A.K.
  Patel"); lower-case full names whose given name and surname are both in the lists ("sarah
  jones"); names with particles after a title ("Mr van der Berg"), apostrophes and "Mc"
  ("Dr O'Neill", "McDonald"), hyphens ("Jo-Anne", "Smith-Jones"); a capitalised word after a title (Dr, Mr, Mrs, Ms, Miss,
  Prof, Sister, Nurse, Matron ...: the title is kept); after a cue ("my colleague", "thanks
  to", "called", signed "- Tom"); a given name from the word list (capitalised, and not one
  that is also an English word unless a cue or a surname comes with it), with the surname
  that follows it; and names in no list: a capitalised word that is not an everyday English
  word or a domain term (mid-sentence; at a sentence start only when it is a listed name or
  begins a full name), with the capitalised words and particles after it ("Nguyen Thi Lan",
  "Aoife Ní Bhriain"), lower-case after a cue ("with tunde");
* ``[place]`` also: such a word after "at", "in", "from", "near" or "moved to"
  ("Pinderfields", "at Jimmy's"), "St Mary's", "Royal Derby", "University of Salford",
  "Edge Hill Uni", street addresses ("14 Laburnum Grove");
* ``[name]`` also: initials used for a person ("JS ran it", "my manager (DW)", "J Smith",
  "Dr K"; not abbreviations being defined, "Schwartz Rounds (SR)", nor known acronyms);
  lower-case names after a title or from the given-name lists ("dr priya", "eilidh here");
  any lower-case word that is not English after "thanks", "cheers", "shout out to";
  an everyday-word name before a person's verb ("Will was great", not "Will recommend");
  the rest of a list of names ("Priya, Will and Grace"); and every other occurrence in the
  text of a word found as a name or place.

Tags are replaced by ``[tag]``. Redaction favours recall: it is run before quotes leave the
tool, and the facilitator report only ever shows redacted text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError, one_of
from ._redact_detect import _resolve, _spans_one
from ._redact_patterns import _lists, nhs_number_valid

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
    Detection rules are listed in the module docstring. Measured on the planted cases of
    ``tests/data/qual/redaction_cases*.yaml`` (see ``tests/test_qual_redact.py``: recall by
    kind and the share of other words removed); names are the hardest (no model): lower-case
    names without a cue and names that are also English words can be missed. Check a sample
    of quotes by eye before publishing.

    Examples
    --------
    >>> redact("Thanks to Sarah Jones on Ward 7, email sarah.jones@nhs.net or ring 07700 900123")
    'Thanks to [name] on Ward 7, email [email] or ring [phone]'
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
