"""More detectors of redaction (private; see :mod:`evaltool.qual.redact`).

* e-mails written to dodge filters ("jo dot smith at nhs dot net", "jo.smith [at] nhs.net");
* social-media handles without an @ after a platform cue ("insta jojo_rn88", "my tiktok is
  nursejo.uk") and usernames with an underscore anywhere ("jojo_rn88");
* dates of birth in more shapes ("born on the 3rd of April 1989", "dob 12th May '90",
  "born in 1989") and full dates whose year makes them a birth date (1935-2007);
* initials used for a person: "JS ran it", "thanks to AB", "J Smith", "Dr K";
* UK places from ``data/places_uk.txt`` (hand-written: towns, districts, counties, hospitals
  by their short names and nicknames, universities): capitalised anywhere, or after a place cue
  when the entry is also an everyday word, or in lower case after a place cue.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from ._redact_patterns import _MONTHS, _has_digit, _Lists, _lists, _shouted

Add = Callable[[tuple[int, int, str, str]], None]

# ------------------------------------------------------------------------------------------
# e-mails, handles, dates of birth
# ------------------------------------------------------------------------------------------
_AT = r"(?:\s*@\s*|\s*[\[({<]\s*at\s*[\])}>]\s*|\s+at\s+)"
_DOT = r"(?:\s*\.\s*|\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+)"
_PART = r"[A-Za-z0-9][A-Za-z0-9_%+'-]*"
_TLD = r"(?:com|net|org|uk|co|ac|gov|nhs|io|me|scot|wales|ie|edu|info)"
_OBF_EMAIL = re.compile(
    rf"(?i)(?<![\w.@])(?P<local>{_PART}(?:{_DOT}{_PART})*)(?P<at>{_AT})"
    rf"(?P<dom>{_PART}(?:{_DOT}{_PART})*{_DOT}{_TLD}|(?:gmail|hotmail|outlook|yahoo|icloud|btinternet|nhsmail))\b")
_PROVIDERS = ("gmail", "hotmail", "outlook", "yahoo", "icloud", "btinternet", "nhs", "live", "aol", "nhsmail")

_SOCIAL = (r"(?:insta(?:gram)?|ig|twitter|tiktok|tik\s?tok|snapchat|snap|threads|bluesky|bsky|"
           r"linkedin|facebook|fb|youtube|mastodon|reddit|discord|twitch|x\s?/\s?twitter|twitter\s?/\s?x)")
_HANDLE_CUE = re.compile(
    rf"(?i)\b(?:{_SOCIAL}(?:\s+(?:handle|account|name|username|page|channel))?|user\s?name|handle|screen\s?name)\b"
    r"(?=[\s:=@-])(?:\s+(?:is|was))?\s*[:=\-–]?\s*(?:(?:me\s+)?(?:as|at|on|@)\s+)?"
    r"(?P<h>@?[A-Za-z0-9_][A-Za-z0-9_.]{1,29}(?:#\d{4})?)")
_QUOTED_CHANNEL = re.compile(
    r"(?i)\b(?:channel|page|account|blog|podcast|handle|username)\s+(?:is\s+|called\s+|name\s+is\s+)?"
    r"(?P<q>['\"“‘][^'\"”’\n]{2,40}['\"”’])")
_CAMEL = re.compile(r"(?<![\w@.'’-])(?P<w>[A-Z]?[a-z]{2,}(?:[A-Z][a-z]+)+\d*|[A-Z][a-z]+[A-Z][a-z]{2,}(?:[A-Z][a-z]+)*\d*)(?![\w@'’-])")
_NOT_CAMEL = frozenset("""youtube whatsapp linkedin tiktok powerpoint facebook instagram systmone nhsmail ipad iphone
elearning sharepoint onedrive mentimeter healthroster careflow nervecentre trakcare emis dropbox gmail hotmail
jamboard eportfolio turas mcdonald mcdonalds macdonald mackenzie mcleod macleod mckenzie mcgregor macgregor
mcintyre mclaughlin mcgrath mccarthy mcbride mccann mcdermott mckay mcmahon mcnally mcneil deborah devine
desouza dasilva demello lebron vandyke""".split())
_UNDERSCORE = re.compile(r"(?<![\w@.])[A-Za-z][A-Za-z0-9]*(?:[_.][A-Za-z0-9]+)*_[A-Za-z0-9_.]*[A-Za-z0-9](?![\w@])")
_LETTERS_DIGITS = re.compile(r"(?<![\w@.])(?P<w>[a-z]{3,})[._]?\d{2,4}(?![\w@])"
                             r"|(?<![\w@.])(?P<d>[A-Za-z]{2,}[._][A-Za-z]{2,}\d{1,4})(?![\w@])")
_NOT_HANDLE_STEMS = frozenset("""covid sars year band room ward bay level week day grade module unit session page
step phase cohort group team floor nhs fy st ct kpi version ios windows office""".split())

_DOB_LABEL = (r"(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|birth\s*date|b\.?\s?day|birthday(?:\s+is)?|"
              r"born(?:\s+on)?)")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:(?:19|20)\d{2}|['’]?\d{2})"
_DATE_ANY = (rf"(?:(?:the\s+)?{_DAY}(?:\s+of)?[\s/.\-]+(?:{_MONTHS}|\d{{1,2}})\.?,?[\s/.\-]+{_YEAR}"
             rf"|{_MONTHS}\.?\s+{_DAY},?\s+{_YEAR}|(?:19|20)\d{{2}}[-/.]\d{{1,2}}[-/.]\d{{1,2}})")
_ORDINAL = r"(?:[a-z]+(?:-[a-z]+)?(?:st|nd|rd|th)|first|second|third)"
_YEAR_WORDS = r"(?:nineteen|twenty|two\s+thousand)(?:[\s-]+(?:and\s+)?[a-z]+){1,2}"
_DOB2 = re.compile(rf"(?i)\b{_DOB_LABEL}\s*(?:is|was|=|:|-|–|\()?\s*(?:on\s+)?(?:the\s+)?(?P<d>{_DATE_ANY}"
                   rf"|(?:19|20)\d{{6}}|\d{{2}}[01]\d(?:19|20)\d{{2}}"
                   rf"|(?:the\s+)?{_ORDINAL}\s+(?:of\s+)?{_MONTHS}\s+{_YEAR_WORDS}"
                   rf"|(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MONTHS}|{_MONTHS}\s+{_DAY})(?![\w/])")
_TURNED = re.compile(rf"(?i)\bturned\s+\d{{2}}\s+(?:on\s+)?(?:the\s+)?(?P<d>{_DAY}(?:\s+of)?\s+{_MONTHS}|{_MONTHS}\s+{_DAY})\b")
_BORN_YEAR = re.compile(rf"(?i)\b(?:born|d\.?o\.?b\.?|year\s+of\s+birth)\s*(?:in\s+|:\s*)?(?P<d>(?:{_MONTHS}\s+)?(?:19|20)\d{{2}})\b")
_OLD_DATE = re.compile(
    rf"(?i)(?<![\w/.])(?P<d>{_DAY}(?:\s+of)?\s+{_MONTHS}\.?,?\s+(?:19[3-9]\d|200[0-7])"
    rf"|{_MONTHS}\.?\s+{_DAY},?\s+(?:19[3-9]\d|200[0-7])"
    r"|\d{1,2}[/.\-]\d{1,2}[/.\-](?:19[3-9]\d|200[0-7])|(?:19[3-9]\d|200[0-7])-[01]\d-[0-3]\d)(?![\w/])")


_AREAS = """AB AL BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CV CW DA DD DE DG DH DL DN DT DY EC EH EN
EX FK GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY LA LD LE LL LN LS LU ME MK ML NE NG NN NP NR NW OL
OX PA PE PH PL PO PR RG RH RM SA SE SG SK SL SM SN SO SP SR SS SW SY TA TD TF TN TQ TR TS TW UB WA WC WD WF
WN WR WS WV YO ZE""".split()
"""Two-letter UK postcode areas (Royal Mail); CT, FY and ST are left out: CT1, FY1 and ST3 are grades."""
_OUTWARD = re.compile(
    r"(?i)(?:\b(?:in|near|nearer\s+to|to|from|around|postcode|post\s+code|live\s+in|area|round)\s+)"
    rf"(?P<p>(?:{'|'.join(_AREAS)})\d{{1,2}}[A-Z]?)(?![\w-])")
_SHORT_STAFF = re.compile(r"(?i)\b(?:staff|badge|payroll|employee|emp|personnel|locker|student)\s*"
                          r"(?:no|nr|number|num|id|#)\.?\s*[:#=\-–]?\s*(?:is\s+)?(?P<n>\d{3,5})\b")


_DOB_WORDS = ("born", "dob", "d.o.b", "d o b", "birth", "bday", "b-day", "b'day", "turned")
_SOCIAL_WORDS = ("insta", "ig", "twitter", "tiktok", "tik tok", "snap", "threads", "bsky", "bluesky", "linkedin",
                 "facebook", "fb", "youtube", "mastodon", "reddit", "discord", "twitch", "user", "handle", "screen")
_CHANNEL_WORDS = ("channel", "page", "account", "blog", "podcast", "handle", "username")
_CAMEL_HINT = re.compile(r"[a-z][A-Z]")


def contact_spans(text: str, tags: frozenset[str], L: _Lists, add: Add) -> None:
    """Obfuscated e-mails, handles without @, more dates of birth, postcode districts after a
    place word ("nearer to NE46"), short staff numbers after their label ("badge no 4471").
    Each pattern runs only when a cheap test says it can match (redaction runs on hundreds
    of thousands of answers)."""
    low = text.lower()
    digits = _has_digit(text)
    if digits and "postcode" in tags:
        for m in _OUTWARD.finditer(text):
            add((m.start("p"), m.end("p"), "postcode", "postcode-district"))
    if digits and "id" in tags:
        for m in _SHORT_STAFF.finditer(text):
            add((m.start("n"), m.end("n"), "id", "labelled-short-number"))
    if "email" in tags and (" at " in low or "at]" in low or "at)" in low or " @" in text or "@ " in text):
        _spelt_emails(text, L, add)
    if "handle" in tags:
        _handles(text, low, digits, L, add)
    if "date_of_birth" in tags:
        rules = [(_DOB2, "dob-label"), (_BORN_YEAR, "born-year"), (_TURNED, "turned-age-on")] \
            if any(k in low for k in _DOB_WORDS) else []
        if digits:
            rules.append((_OLD_DATE, "birth-year-date"))
        for rx, rule in rules:
            for m in rx.finditer(text):
                add((m.start("d"), m.end("d"), "date_of_birth", rule))


def _spelt_emails(text: str, L: _Lists, add: Add) -> None:
    for m in _OBF_EMAIL.finditer(text):
        plain_at = m.group("at").strip().lower() == "at"
        dotted = re.search(r"(?i)\bdot\b|\.", m.group("local")) is not None
        if plain_at and not dotted and not m.group("dom").lower().startswith(_PROVIDERS) \
                and not re.search(r"(?i)\bdot\b", m.group("dom")):
            continue                      # "I work at home dot com" needs a dot or a provider
        if plain_at and m.group("local").lower() in L.english and not dotted:
            continue
        add((m.start(), m.end(), "email", "email-spelt-out"))


def _handles(text: str, low: str, digits: bool, L: _Lists, add: Add) -> None:
    if any(k in low for k in _SOCIAL_WORDS):
        for m in _HANDLE_CUE.finditer(text):
            h = m.group("h").rstrip(".")
            hl = h.lower().lstrip("@")
            if h.startswith("@") or re.search(r"[_.\d]", h) or (hl not in L.english and hl not in L.not_names
                                                                  and len(hl) > 2):
                add((m.start("h"), m.start("h") + len(h), "handle", "platform-cue"))
    if "_" in text:
        for m in _UNDERSCORE.finditer(text):
            add((m.start(), m.end(), "handle", "underscore-username"))
    if digits:
        for m in _LETTERS_DIGITS.finditer(text):
            if m.group("d") or m.group("w") not in _NOT_HANDLE_STEMS:
                add((m.start(), m.end(), "handle", "letters-digits-username"))
    if any(k in low for k in _CHANNEL_WORDS):
        for m in _QUOTED_CHANNEL.finditer(text):
            add((m.start("q") + 1, m.end("q") - 1, "handle", "quoted-channel"))
    if _CAMEL_HINT.search(text):
        for m in _CAMEL.finditer(text):
            if m.group("w").lower().rstrip("0123456789") not in _NOT_CAMEL:
                add((m.start(), m.end(), "handle", "camel-case-username"))


# ------------------------------------------------------------------------------------------
# initials
# ------------------------------------------------------------------------------------------
_ACRONYMS = frozenset("""
ae ed gp gps hr oh it uk nhs icu itu hdu ccu mau amu sau eau cdu ot ots pt pts slt salt dn dns hca hcas csw
rn rns rm rgn rmn odp odps anp acp acps cns np pa pas fy st sho spr reg ct mdt si sis rca qi cpd nmc gmc hcpc
rcn bma trim cbt dbt act emdr ptsd ocd adhd asd bp ecg cpr bls ils als ppe iv im ok am pm tv pc md ceo hq ipc
sdec ent msk ahp ahps cqc dhsc hee nhse icb ccg pcn epr ehr tbh fyi asap lol omg btw imo aka etc vr ai pdf ppt
kpi sop ld mh camhs iapt eap ohs mhfa ftsu sos rip dnr eol ics sas ga or op opd ip nicu scbu picu epau mlu
mri us xr utc wic miu pfa smart grow abc diy nb ps vip hiv tb uti copd mi cva tia dka aki gi og ccot news sbar
rag bame edi lgbt lgbtq usa eu ni ooh gpst hcsw ra ma mba msc bsc phd rnld lgi rvi qmc qe uch osce osces ward
bay ai ae aed dvt pe sats obs ews mews tpr hb ct cts ctpa ecmo rrt ice dol dols mca lpa cpa cmht crht hbt pcsw
sw sws ssw cqi ics fa ltd llp plc cic csu cyp yp hv hvs sn isn ssp mat pat aa na wtf sjt ie eg vs cc bc ps pps
ig dm dms rt img imgs ooo wfh pto ssp ctd pgd pgcert sr ha hi ty xx xxx
gcse gcses nvq btec ucas dbs hmrc dwp pip esa uc ot ots pdp iq eq stem sim sims tel elearning
""".split())
_SHORT_WORDS = frozenset("""am an as at be by do go he if in is it me my no of oh on or so to up us we ok hi
yes the and but for not you all any can did get got has had her him his how its let may new now old one our out
own say see she too two use was way who why yet off via per few lot bit big top day end far job met ran set
won wow yay omg""".split())
_INIT_TOKEN = re.compile(r"(?<![\w.'’&/-])(?P<i>[A-Z]{1,2}['’][A-Z]|[A-Z]{2,3}|(?:[A-Z]\.){2,3}|[A-Z]\.[A-Z])(?![\w&/-])")
_PERSON_VERB = re.compile(
    r"(?:'s\b|’s\b|,\s*(?:our|my|the|a)\s|\s*\((?:physio|nurse|hca|odp|sister|matron|dr|consultant|"
    r"manager|facilitator|educator|mentor)|\s+(?:was|is|has|had|did|ran|runs|led|leads|said|says|told|"
    r"helped|explained|showed|gave|made|listened|delivered|facilitated|took|kept|covered|shared|taught|"
    r"organised|organized|came|who|and\s+[A-Z]|&\s*[A-Z]|were|are|asked|spoke|talked|supported|"
    r"presented|hosted|did|really|always|never|from|on\s+the|got|gets|says|went|does|knows|thinks|felt|"
    r"loved|enjoyed|recommended|mentioned|suggested|sent|put|on\s+(?:our|my|the)\s+\w+|i\s+said|signed|"
    r"will|would|could|should|can|might|must)\b)")
_PERSON_CUE = re.compile(
    r"(?i)(?:\b(?:thanks|thank\s+you|thankyou|thx|cheers|shout\s*-?\s*out|kudos|credit|well\s+done|"
    r"with|by|from|to|ask|asked|told|and|&|like|via|contact|love|signed|regards|colleague|mentor|"
    r"manager|facilitator|educator|dr|mr|mrs|ms|miss|sister|nurse|matron|prof|tell|reckon|think|"
    r"lead|boss|consultant|mentor|coach|buddy|friend|preceptor|supervisor|registrar|charge\s+nurse|"
    r"team\s+leader|colleague)\s*[,:(]?\s*|[-–—~]\s*)$")
_LETTER_SURNAME = re.compile(r"(?<![\w.'’&-])(?P<l>[B-HJ-Z])\.?\s(?P<s>[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?)(?![\w])")
_TITLE_LETTER = re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Miss|Sister|Nurse|Prof|Matron)\.?\s+(?P<l>[A-Z])(?![\w'’.-]|\.\w)")


def _defines_abbreviation(text: str, start: int, tok: str) -> bool:
    """Whether ``tok`` in brackets spells the capitalised words just before it."""
    if not text[:start].endswith("("):
        return False
    words = re.findall(r"[A-Za-z][\w'’-]*", text[max(0, start - 60):start])
    caps = "".join(w[0] for w in words[-len(tok):]).upper()
    return caps == tok.upper()


def initials_spans(text: str, L: _Lists, add: Add) -> None:
    """Initials used for a person ("JS ran it", "thanks to AB", "J Smith", "Dr K")."""
    if _shouted(text):
        return                                   # shouted text: capitals say nothing
    for m in _INIT_TOKEN.finditer(text):
        tok = m.group("i")
        low = tok.replace(".", "").lower()
        if "." not in tok and (low in _ACRONYMS or low in _SHORT_WORDS or low in L.not_names):
            continue
        if text[m.start():m.start() + 5].upper() == "D.O.B":
            continue
        before = text[max(0, m.start() - 30):m.start()]
        after = text[m.end():m.end() + 30]
        if _defines_abbreviation(text, m.start(), tok):
            continue                              # "Schwartz Rounds (SR)"
        if not tok.isalpha() or len(tok) == 2 or _PERSON_CUE.search(before) or _PERSON_VERB.match(after):
            add((m.start(), m.end(), "name", "initials"))
    for m in _LETTER_SURNAME.finditer(text):
        s = m.group("s").lower()
        if s in L.not_names or (s in L.english and s not in L.any_name):
            continue
        add((m.start(), m.end(), "name", "initial-surname"))
    for m in _TITLE_LETTER.finditer(text):
        add((m.start("l"), m.end("l"), "name", "title-initial"))


# ------------------------------------------------------------------------------------------
# UK places
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Gazetteer:
    anywhere: frozenset[str]     # capitalised anywhere
    cued: frozenset[str]         # capitalised after a place cue (also everyday words)
    lower: frozenset[str]        # lower case after a place cue too
    caps: frozenset[str]         # short names written in capitals (LGI, QMC, UCLan)
    longest: int
    first: frozenset[str]        # first words of every entry (a fast first test)
    unheard: frozenset[str]      # entries with no English word or name: lower case anywhere


@cache
def _gazetteer() -> _Gazetteer:
    L = _lists()
    text = (files("evaltool.qual") / "data" / "places_uk.txt").read_text(encoding="utf-8")
    anywhere: set[str] = set()
    cued: set[str] = set()
    lower: set[str] = set()
    caps: set[str] = set()
    listed = frozenset(L.places)                 # names.yaml: towns that are not common words
    frequent = _frequent()
    section = ""
    longest = 1
    for line in text.splitlines():
        e = line.strip().replace("’", "'")
        if not e or e.startswith("#"):
            continue
        if e.startswith("["):
            section = e
            continue
        words = e.split()
        longest = max(longest, len(words))
        if section == "[sites]" and e.isalpha() and len(e) <= 5:
            caps.add(e)
            continue
        plain = e.removeprefix("the ").split()
        everyday = len(plain) == 1 and e not in listed and (plain[0] in frequent or plain[0] in _EVERYDAY_TOWNS)
        (cued if everyday else anywhere).add(e)
        common = [w in frequent or w in L.given or w in L.ambiguous or w in L.not_names for w in plain]
        if not any(common) or (len(plain) > 1 and not all(common)) or len(plain) > 2:
            lower.add(e)
    anywhere.update(listed)
    lower.update(x for x in listed if not any(w in frequent or w in L.given for w in x.split()))
    first = frozenset(e.split()[0] for e in anywhere | cued | lower | caps)
    unheard = frozenset(e for e in lower if not any(w in L.dictionary or w in L.any_name or w in L.not_names
                                                    for w in e.replace("-", " ").split()))
    return _Gazetteer(frozenset(anywhere), frozenset(cued), frozenset(lower), frozenset(caps), longest, first,
                      unheard)


_EVERYDAY_TOWNS = frozenset("""bath rye wells hope sandwich ware fleet hook sandy reading eye wool bourne reddish
leek chard poplar welling lancing barrow hull derby beds
flint barking ince hale wick rugby portland soho borough clifton canton wellington nelson mold thorne stone sale
deal battle bow kingston richmond newton stanley shirley keith hamilton barry ramsey washington boston bury
leigh shaw hyde street march sutton walton carlton clayton chester lancaster lincoln bedford sunderland
alexandra angus stamford windsor victoria dore heath grange conquest aston hallam mater freeman lister""".split())
"""Towns and sites that are also everyday words or common names: only after a place cue."""


@cache
def _frequent() -> frozenset[str]:
    """The most frequent English words (an entry made only of them is an everyday phrase)."""
    from ._redact_patterns import ORDINARY_RANK, _word_file

    return frozenset(_word_file("english_words.txt")[:ORDINARY_RANK])


_GENERIC_FIRST = frozenset("""the a an my our your their this that his her its care nursing residential
retirement big small new old main large local town city country national public white car staff visitor
visitors bike play theme business retail science holiday caravan family open water year forward
sea river lake good great nice lovely best""".split())
_WORD = re.compile(r"[^\W\d_][\w'’&]*(?:-[\w'’&]+)*")
_CUE_BEFORE = re.compile(
    r"(?i)(?:\b(?:at|in|from|near|outside|around|nr|via|towards|to|of)|"
    r"\b(?:moved|move|moving|relocated|transferred|commute|commuting|travel|travelling|drive|driving|"
    r"back|went|go|going|placement|based|live|living|lives|work|working|works|trained|studied|"
    r"studying|qualified|graduated)\s+(?:over\s+|up\s+|down\s+)?(?:to|in|at|from|near))\s+(?:the\s+)?$")


_PLACE_NOUN = re.compile(
    r"(?<![\w'’-])(?<!\d )(?P<p>(?:[A-Z][a-z'’]+\s+){1,2}(?:Bank|View|House|Court|Park|Manor|Grange|Gardens|Hall|Mews|"
    r"Hill|Green|Fields|Meadows|Heights|Villa|Villas|Cottage|Towers|Priory|Abbey|Lodge|Estate|Village))\b")


def place_spans(text: str, L: _Lists, add: Add) -> None:
    """UK towns, districts, hospitals and universities from the hand-written gazetteer; named
    homes, parks and estates ("Willow Bank", "Roundhay Park")."""
    for m in _PLACE_NOUN.finditer(text):
        words = m.group("p").split()
        if words[0].lower() in L.not_names or words[0].lower() in _GENERIC_FIRST:
            words = words[1:]
            if len(words) < 2:
                continue
        add((m.end("p") - len(" ".join(words)), m.end("p"), "place", "named-home-or-park"))
    G = _gazetteer()
    toks = list(_WORD.finditer(text))
    i = 0
    for k in _first_words(text, toks, G.first):   # where an entry can start, in order
        if k < i:
            continue                                # inside a place already found
        i = k
        hit = 0
        for n in range(min(G.longest, len(toks) - i), 0, -1):
            seq = toks[i:i + n]
            if any(text[a.end():b.start()] != " " for a, b in zip(seq, seq[1:], strict=False)):
                continue
            raw = " ".join(t.group() for t in seq).replace("’", "'")
            if _place_ok(text, seq[0].start(), raw, raw.lower(), G):
                # "the LGI": the article stays
                start = seq[1].start() if n > 1 and raw.lower().startswith("the ") else seq[0].start()
                add((start, seq[-1].end(), "place", "gazetteer"))
                hit = n
                break
        i += hit or 1


def _first_words(text: str, toks: list[re.Match[str]], first: frozenset[str]) -> list[int]:
    """Positions in ``toks`` of the words that begin a gazetteer entry (lower case, ’ as ')."""
    if text.isascii():  # lower case keeps the same words: compare them all in one set operation
        lows = _WORD.findall(text.lower())
        if first.isdisjoint(lows):
            return []
        return [k for k, w in enumerate(lows) if w in first]
    return [k for k, t in enumerate(toks) if t.group().lower().replace("’", "'") in first]


def _place_ok(text: str, start: int, raw: str, key: str, G: _Gazetteer) -> bool:
    if key in G.caps:
        return sum(c.isupper() for c in raw) >= 2
    if key not in G.anywhere and key not in G.cued and key not in G.lower:
        return False
    first = raw.split()[1] if raw.lower().startswith("the ") and " " in raw else raw
    capital = first[:1].isupper()
    if key in G.anywhere and capital:
        return True
    if key in G.unheard and raw.islower():
        return True                                   # "hexham", "cambs": no English word
    cue = _CUE_BEFORE.search(text[max(0, start - 40):start]) is not None
    return cue and (capital or key in G.lower)
