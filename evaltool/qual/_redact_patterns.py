"""Patterns and word lists of redaction (private; see :mod:`evaltool.qual.redact`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml


def _fold(word: str) -> str:
    """Lower case without accents (Zoë → zoe) for word-list look-ups."""
    if word.isascii():  # nothing to decompose: the same as below, without the per-letter pass
        return word.lower()
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


_ASCII_UPPER = re.compile(r"[A-Z]")
_ASCII_LOWER = re.compile(r"[a-z]")


def _shouted(text: str) -> bool:
    """More than half of the letters are capitals."""
    if text.isascii():  # letters are [A-Za-z]: counted by the regex engine, not letter by letter
        upper = len(_ASCII_UPPER.findall(text))
        return upper > 0.5 * (upper + len(_ASCII_LOWER.findall(text)))
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) > 0.5 * len(letters)


def _has_digit(text: str) -> bool:
    """Any character that is a digit (``str.isdigit``)."""
    return _DIGIT.search(text) is not None if text.isascii() else any(c.isdigit() for c in text)


_DIGIT = re.compile(r"\d")

_PRIORITY = {"email": 0, "nhs_number": 1, "phone": 2, "date_of_birth": 3, "id": 4, "postcode": 5,
             "handle": 6, "place": 7, "name": 8}
"""Which tag wins when two spans overlap (lower first)."""

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
    english: frozenset[str] = frozenset()        # ordinary English words (not names)
    any_name: frozenset[str] = frozenset()       # given names and surnames of every list
    dictionary: frozenset[str] = frozenset()     # the 20,000 English words, names among them
    given_any: frozenset[str] = frozenset()      # every given name (curated, world, Faker)


ORDINARY_RANK = 3000
"""A name from the broad (Faker) lists that is also among this many most frequent English
words ("will", "grace", "long") is treated as an everyday word: redacted with context only."""


def _word_file(name: str) -> list[str]:
    text = (files("evaltool.qual") / "data" / name).read_text(encoding="utf-8")
    return [w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#")]


@cache
def _lists() -> _Lists:
    data = yaml.safe_load((files("evaltool.qual") / "data" / "names.yaml").read_text(encoding="utf-8"))
    low = lambda key: frozenset(str(x).lower() for x in data[key])  # noqa: E731
    english_ranked = _word_file("english_words.txt")
    faker_given = frozenset(_fold(w) for w in _word_file("given_names_faker.txt"))
    faker = faker_given | frozenset(_word_file("surnames_faker.txt"))
    given, surnames = low("given_names"), low("surnames")
    world = frozenset(_word_file("given_names_world.txt"))
    frequent = frozenset(english_ranked[:ORDINARY_RANK])
    names = given | surnames | world | frozenset(_fold(w) for w in faker)
    # ordinary English: frequent words that are not names, and every listed word that is
    # frequent enough to be an everyday word even if it is also a name
    english = (frozenset(english_ranked) - names) | (frequent - given - surnames)
    # given names of many origins: listed names unless they are also everyday words ("Long",
    # "Ruby", "Lovely"), which need context like the curated ambiguous names
    not_names = low("not_names")
    everyday_world = frozenset(w for w in world if w in frequent or w in not_names)
    return _Lists(
        given=given | (world - everyday_world), ambiguous=low("ambiguous_given") | everyday_world,
        surnames=surnames,
        ambiguous_surnames=low("ambiguous_surnames"),
        places=tuple(str(x) for x in data["places"]), not_names=low("not_names"),
        english=english, any_name=names, dictionary=frozenset(english_ranked),
        given_any=given | world | faker_given,
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
    r"(\d{2}[A-Z]\d{4}[A-Z]|[A-Z]{0,2}\d[\d ]{3,11}\d(?:-\d{1,2})?|[A-Z]{1,2}\d{4,10})(?![\w/:.]\d)")
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
    r"Birth(?:ing)?\s+Cent(?:re|er)|Surgery|Clinic|Practice|Hub|Lodge|General(?!\s+(?:Infirmary|Hospital))|"
    r"(?:[Cc]are|[Nn]ursing|[Rr]esidential|[Rr]etirement)\s+[Hh]omes?|Medical\s+Group|"
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


# places without a suffix: "St Mary's", "Royal Derby", "the Queen Elizabeth"; universities;
# street addresses ("14 Laburnum Grove", "Beech Road")
_NAMED_SITE = re.compile(
    r"\b(?:St\.?|Saint|Royal|Queen|King|King's|Kings|Princess|Prince)\s+"
    r"(?!(?:College|Society|Mail|Navy|Air|Marines|Family|Mint|Academy|Institution|Pharmaceutical|"
    r"Colleges|Charter|Assent|Highness|Commission|Warrant|Appointment)\b)"
    r"[A-Z][\w'’]*(?:\s+(?!(?:Hospital|Infirmary|College|Society|Mail|Navy|Air)\b)[A-Z][\w'’]+)?")
_UNIVERSITY = re.compile(
    r"\b(?:(?:University|Uni)\s+of\s+(?:the\s+)?[A-Z][\w'’]+(?:\s+[A-Z][\w'’]+)?"
    r"|University\s+Hospitals?\s+(?:of\s+)?[A-Z][\w'’]+(?:\s+(?:and\s+)?[A-Z][\w'’]+){0,2}"
    r"|(?:[A-Z][\w'’]+\s+){1,2}(?:University|Uni|College)\b)")
_STREETS = (r"(?:Road|Rd|Street|Lane|Ln|Avenue|Ave|Close|Drive|Crescent|Cres|Grove|Place|"
            r"Terrace|Court|Gardens|Gdns|Square|Mews|Row|Walk|Rise|Way|St\.?(?!\s+[A-Z]))")
_STREET = re.compile(rf"\b(?:\d{{1,4}}[A-Za-z]?,?\s+)?(?:[A-Z][\w'’]+\s+){{1,2}}{_STREETS}\b")
_NAME_TOKEN = re.compile(r"(?<![\w'’@.\-/])[^\W\d_]\w*(?:['’][^\W\d_]+)*(?:-[^\W\d_]\w*(?:['’][^\W\d_]+)*)*")
_PLACE_PREPS = frozenset({"at", "in", "from", "near", "outside", "into"})
_PLACE_VERBS = re.compile(r"(?i)\b(?:moved|move|moving|transferred|transfer|went|go|going|commute|commuting|"
                          r"travel|travelling|drive|driving|back)\s+(?:over\s+)?to\s*$")
_PARTICLES = frozenset({"ní", "ni", "nic", "mac", "mc", "van", "von", "de", "der", "den", "del", "della",
                        "di", "da", "du", "la", "le", "bin", "binti", "ibn", "al", "el", "thi", "van der",
                        "ter", "ten", "dos", "das", "ó", "o"})


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
