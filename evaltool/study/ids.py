"""Participant ids: normalisation before linking, and near-miss suggestions (never merges).

People type their participant code at every wave, so the same person appears as "P012",
"p012", "P12 " or "P012 ". Normalisation (configured in ``study.yaml``) makes those equal;
anything it cannot make equal is *suggested* as a possible match, never merged silently.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .model import IdSpec

__all__ = ["IdCandidate", "near_misses", "normalise_ids", "pad_widths", "rank_id_columns", "typo_matches",
           "typo_matches_by_rank"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PREFIX_NUMBER = r"^([^\W\d_]+[\W_]*(?:\d+[\W_]+)*|(?:\d+[\W_]+)+)?(\d+)$"
"""An id made of a prefix and a number: ``P12``, ``C3-17``, ``ST-2024-0017``, ``017``. The
prefix is letters, then optional groups of digits each closed by a separator, so a typo such
as ``P0O3`` is not taken apart."""


_PREFIX_NUMBER_RE2 = r"^(?P<prefix>[^\W\d_]+[\W_]*(?:\d+[\W_]+)*|(?:\d+[\W_]+)+)?(?P<number>\d+)$"


def _prefix_number(s: pd.Series) -> pd.DataFrame:
    """``s.str.extract(_PREFIX_NUMBER)`` (columns 0: prefix, 1: number; missing where an id
    does not match), computed by Arrow's regular expressions when every id is ASCII without a
    line break, where they mean what Python's do (RE2's digit and word classes are ASCII; Python's
    ``$`` also matches before a final line break), else by pandas: at national scale pandas'
    extract runs a Python regex per id, ~10× slower."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.string())  # type: ignore[call-overload]
    if not len(arr) or not pc.all(pc.string_is_ascii(arr)).as_py() or pc.any(pc.match_substring(arr, "\n")).as_py():
        return s.str.extract(_PREFIX_NUMBER)
    found = pc.extract_regex(arr, _PREFIX_NUMBER_RE2)
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    prefix = found.field("prefix").to_numpy(zero_copy_only=False)
    number = found.field("number").to_numpy(zero_copy_only=False)
    # an optional group that took no part in the match is "" in Arrow, missing in pandas
    prefix = np.where(matched & (prefix != ""), prefix, None)
    number = np.where(matched, number, None)
    return pd.DataFrame({0: pd.Series(prefix, index=s.index, dtype=s.dtype),
                         1: pd.Series(number, index=s.index, dtype=s.dtype)})


def _cased(raw: pd.Series, spec: IdSpec) -> tuple[pd.Series, pd.Series]:
    s = raw.astype("string")
    if spec.strip:
        s = s.str.strip()
    if spec.remove:
        s = s.str.replace(spec.remove, "", regex=True)
    is_email = s.str.match(_EMAIL.pattern).fillna(False).astype(bool)
    if spec.case == "upper":
        s = s.where(is_email, s.str.upper())
    elif spec.case == "lower":
        s = s.where(is_email, s.str.lower())
    if spec.email_lower:
        s = s.where(~is_email, s.str.lower())
    return s, is_email


def pad_widths(columns: Iterable[pd.Series], spec: IdSpec) -> dict[str, int]:
    """The number width per id prefix (``C3-`` → 3) over every export, for ``zero_pad: auto``."""
    widths: dict[str, int] = {}
    for raw in columns:
        s, is_email = _cased(raw, spec)
        parts = _prefix_number(s[~is_email]).dropna(subset=[1])
        if parts.empty:
            continue
        prefix = parts[0].fillna("")
        # plain numbers (REDCap record ids 1, 2 ... 31) are padded only when some are written
        # with leading zeros (007): otherwise 9 stays 9
        bare = prefix == ""
        zeros = bool(parts.loc[bare, 1].str.startswith("0").any())
        keep = ~bare | zeros
        lengths = parts.loc[keep, 1].str.len().groupby(prefix[keep]).max()
        for p, n in lengths.items():
            widths[str(p)] = max(widths.get(str(p), 0), int(n))
    return widths


def normalise_ids(raw: pd.Series, spec: IdSpec, widths: dict[str, int] | None = None) -> pd.Series:
    """Normalise typed participant ids according to the study's ``participant_id`` rules.

    Steps, in order: strip surrounding white space; remove what ``remove`` matches (default:
    inner white space); e-mail addresses lower-cased (``email_lower``); other ids upper- or
    lower-cased (``case``); the number of a prefix + number id zero-padded (``zero_pad``: a
    width, or ``auto`` = the widest number typed with the same prefix, from ``widths`` or
    else from ``raw``), so ``C3-17`` and ``C3-017`` are one id. Blank ids become missing.
    Vectorised; the input is not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.study.model import IdSpec
    >>> normalise_ids(pd.Series([" p12", "P012 ", "Jo@NHS.net", ""]), IdSpec(zero_pad=3)).tolist()
    ['P012', 'P012', 'jo@nhs.net', nan]
    >>> normalise_ids(pd.Series(["C3-17", "c3-017", "C12-5"]), IdSpec()).tolist()
    ['C3-017', 'C3-017', 'C12-5']
    """
    s, is_email = _cased(raw, spec)
    if spec.zero_pad is not None:
        parts = _prefix_number(s)
        prefix = parts[0].fillna("")
        number = parts[1]
        if spec.zero_pad == "auto":
            table = widths if widths is not None else pad_widths([raw], spec)
            width = prefix.map(table).fillna(0).astype("int64")
            digits = number.copy()
            for w in pd.unique(width[number.notna()]):  # one vectorised pad per width
                sel = (width == w) & number.notna()
                digits[sel] = number[sel].str.zfill(int(w))
            padded = prefix + digits
        else:
            padded = prefix + number.str.zfill(int(spec.zero_pad))
        s = s.where(number.isna() | is_email, padded)
    s = s.where(s.notna() & (s != ""), None)
    return s.astype(object).where(s.notna(), np.nan)


_LOOKALIKES = str.maketrans("OILSZ", "01152")  # O→0, I→1, L→1, S→5, Z→2


_NOT_SKELETON = re.compile(r"[^A-Z0-9@.]")
_PADDING = re.compile(r"(?<=\D)0+(?=\d)|^0+(?=\d)")


@lru_cache(maxsize=1 << 18)
def _skeleton(x: str) -> str:
    """A lenient form for near-miss search: O→0, I/L→1, S→5, no separators, no zeros padding.

    Cached (bounded): one linking looks the same ids up several times (held-back ids per
    timepoint, then the match report's suggestions)."""
    return _PADDING.sub("", _NOT_SKELETON.sub("", x.upper().translate(_LOOKALIKES)))


_ARROW_SKELETONS = 1_000
"""From this many ids on, skeletons are made by Arrow's string kernels (when all are ASCII)."""


def _skeletons(ids: list[str]) -> list[str]:
    r""":func:`_skeleton` of each id; for many ASCII ids by Arrow's kernels, which give the same
    text there (ASCII upper case; the zero-padding rule without look-behind, which RE2 lacks:
    ``(^|\D)0+(\d)`` → ``\1\2`` removes the same zeros, a match ending on the digit after them).

    >>> _skeletons(["p-0o7", "C3-017", "sz00"]) == [_skeleton(x) for x in ["p-0o7", "C3-017", "sz00"]]
    True
    """
    if len(ids) < _ARROW_SKELETONS:
        return [_skeleton(x) for x in ids]
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(ids, type=pa.string())
    except (pa.ArrowException, TypeError):
        return [_skeleton(x) for x in ids]
    if arr.null_count or not pc.all(pc.string_is_ascii(arr)).as_py():
        return [_skeleton(x) for x in ids]
    s = pc.ascii_upper(arr)
    for a, b in zip("OILSZ", "01152", strict=True):
        s = pc.replace_substring(s, a, b)
    s = pc.replace_substring_regex(s, "[^A-Z0-9@.]", "")
    return pc.replace_substring_regex(s, "(^|[^0-9])0+([0-9])", r"\1\2").to_pylist()


def _within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        if len(diff) == 2 and diff[1] == diff[0] + 1:  # transposition
            i = diff[0]
            return a[i] == b[i + 1] and a[i + 1] == b[i]
        return False
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _transposed(a: str, b: str) -> bool:
    """``b`` is ``a`` with two neighbouring characters swapped (``P105`` / ``P015``)."""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _swaps(a: str) -> set[str]:
    """Every text that is ``a`` with two neighbouring characters swapped (and is not ``a``):
    ``b in _swaps(a)`` exactly when ``_transposed(a, b)``."""
    return {a[:i] + a[i + 1] + a[i] + a[i + 2:] for i in range(len(a) - 1)} - {a}


_LETTER = re.compile(r"[A-Za-z]")
_BRUTE_PAIRS = 2_000_000
"""Above this many (unmatched × known) pairs, typing slips are found by skeleton only."""


def typo_matches(unmatched: Iterable[str], known: Iterable[str]) -> dict[str, list[str]]:
    """Known ids an unmatched id is a *typing slip* of: equal after O→0, I/L→1, S→5, Z→2,
    separators and leading zeros removed, or with two neighbouring characters swapped.

    Stricter than :func:`near_misses` (no arbitrary one-character change: ``P004`` is not a
    slip for ``P003``; swapped digits only in codes with letters, so record numbers 12 and 21
    are two records), so it is safe to hold such ids back until the study says who they are.

    Examples
    --------
    >>> typo_matches(["PO18", "P0l3", "C3017", "P105", "P004"], ["P018", "P013", "C3-017", "P015", "P003"])
    {'PO18': ['P018'], 'P0l3': ['P013'], 'C3017': ['C3-017'], 'P105': ['P015']}
    """
    known = list(dict.fromkeys(known))
    skeletons = _skeletons(known)
    unmatched = list(dict.fromkeys(unmatched))
    by_skel: dict[str, list[str]] | None = None
    if len(unmatched) > 8:  # else a few late ids against many: one scan each, no dictionary of all
        by_skel = defaultdict(list)
        for k, sk in zip(known, skeletons, strict=True):
            by_skel[sk].append(k)
    out: dict[str, list[str]] = {}
    brute = len(unmatched) * len(known) <= _BRUTE_PAIRS  # national scale: the skeleton only
    for u in unmatched:
        su = _skeleton(u)
        same = by_skel.get(su, []) if by_skel is not None else [k for k, o in zip(known, skeletons, strict=True) if o == su]
        hits = set(same) - {u}
        if not hits and brute and _LETTER.search(u):  # plain numbers (REDCap records 12, 21) are not slips
            swaps = _swaps(u.upper())  # what _transposed(u.upper(), k.upper()) accepts
            hits = {k for k in known if k.upper() in swaps}
        if hits:
            out[u] = sorted(hits)
    return out


def typo_matches_by_rank(ids: list[str], ranks: np.ndarray, late: np.ndarray) -> dict[str, list[str]]:
    """:func:`typo_matches` of the ids whose rank is in ``late``, each against the ids of a
    lower rank, rank by rank (the ids first seen at each timepoint against those seen before):
    the same matches, in the same order, with the skeletons of all ids grouped once instead
    of once per rank. ``ids`` are distinct; ``ranks[i]`` is the rank of ``ids[i]``.

    >>> typo_matches_by_rank(["P018", "PO18", "P0l3", "P013"], np.array([0, 1, 2, 0]),
    ...                      np.array([False, True, True, False]))
    {'PO18': ['P018'], 'P0l3': ['P013']}
    """
    out: dict[str, list[str]] = {}
    by_skel: dict[str, list[int]] | None = None
    for rank in sorted(set(ranks[late].tolist())):
        unmatched = [ids[i] for i in np.flatnonzero(late & (ranks == rank))]
        earlier = ranks < rank
        if len(unmatched) * int(earlier.sum()) <= _BRUTE_PAIRS:  # small: the general search
            out.update(typo_matches(unmatched, list(itertools.compress(ids, earlier.tolist()))))
            continue
        if by_skel is None:
            by_skel = defaultdict(list)
            skel = _skeletons(ids)
            for i, k in enumerate(skel):
                by_skel[k].append(i)
        for u, at in zip(unmatched, np.flatnonzero(late & (ranks == rank)).tolist(), strict=True):
            hits = {ids[j] for j in by_skel.get(skel[at], ()) if ranks[j] < rank} - {u}
            if hits:
                out[u] = sorted(hits)
    return out


def near_misses(unmatched: Iterable[str], known: Iterable[str], *, max_pairs: int = 20000) -> dict[str, list[str]]:
    """Suggest known ids an unmatched id may have been meant as (one typo, O/0, I/1 ...).

    Parameters
    ----------
    unmatched
        Normalised ids found only at later waves (no baseline record).
    known
        Normalised ids that have a baseline record.
    max_pairs
        Above ``len(unmatched) * len(known)`` pairs only the skeleton match (O→0, I→1, padding)
        is tried, so that national-scale data stay fast.

    Returns
    -------
    dict
        ``unmatched id -> suggested known ids`` (only ids with suggestions): those equal after
        the lenient skeleton (O→0, I/L→1, zero padding) when there are any, else those one
        edit (substitution, insertion, deletion or transposition) away.

    Examples
    --------
    >>> near_misses(["P0O5", "P999"], ["P005", "P016"])
    {'P0O5': ['P005']}
    """
    unmatched = list(dict.fromkeys(unmatched))
    if not unmatched:
        return {}
    known = list(dict.fromkeys(known))
    by_skel: dict[str, list[str]] = defaultdict(list)
    for k, sk in zip(known, _skeletons(known), strict=True):
        by_skel[sk].append(k)
    out: dict[str, list[str]] = {}
    brute = len(unmatched) * len(known) <= max_pairs
    for u in unmatched:
        strong = sorted(set(by_skel.get(_skeleton(u), [])) - {u})
        weak = sorted({k for k in known if _within_one_edit(u, k)} - {u}) if brute and not strong else []
        if strong or weak:
            out[u] = strong + weak
    return out


# ------------------------------------------------------------------------------------------
# which column holds participant ids
# ------------------------------------------------------------------------------------------
_ID_WORDS = re.compile(r"participant|pseudonym|study.?code|staff.?(id|number|no)|identifier|\bid\b|"
                       r"^pid$|_pid$|record_id|your code|unique code|personal code|\bcode\b", re.I)
_PER_RESPONSE = {"ResponseId", "ResponseID", "Respondent ID", "ID", "Collector ID", "_recordId",
                 "Response ID", "Timestamp"}
"""Columns a platform fills with a new value for every response: they cannot link waves."""


@dataclass(frozen=True)
class IdCandidate:
    """A column that may hold participant ids, and why (header words and fill only)."""

    column: str
    named: bool
    per_response: bool
    filled: float
    unique: float

    @property
    def why(self) -> str:
        parts = ["named like a participant code" if self.named else "a column the platform uses for ids"]
        parts.append(f"filled in {self.filled:.0%} of rows")
        parts.append("unique per response" if self.unique >= 0.999 else f"{self.unique:.0%} unique")
        if self.per_response:
            parts.append("but the platform gives a new one to every response")
        return ", ".join(parts)


def rank_id_columns(data: pd.DataFrame, info: object) -> list[IdCandidate]:
    """Columns of one export that may hold participant ids, best first.

    Scored on the header and question text (participant code, id, e-mail ...), the reader's
    own candidates, how often they are filled in and how unique they are (per timepoint in a
    long export). Columns the platform fills per response (``ResponseId``, Microsoft Forms
    ``ID``) come last: they identify a response, not a person across waves. Values are only
    counted, never shown.
    """
    qtext = getattr(info, "question_text", {}) or {}
    reader = tuple(getattr(info, "id_column_candidates", ()) or ())
    tcol = getattr(info, "timepoint_column", None)
    meta = set(getattr(info, "metadata_columns", ()) or ())
    out = []
    for c in [str(c) for c in data.columns if c != "row"]:
        named = bool(_ID_WORDS.search(c) or _ID_WORDS.search(str(qtext.get(c, ""))[:120]))
        if not (named or c in reader) or (c in meta and c not in reader):
            continue
        s = data[c].astype("string").str.strip()
        keep = (s.notna() & (s != "")).to_numpy(dtype=bool)
        n = int(keep.sum())
        if not n or s[keep].str.len().max() > 80:
            continue
        key = s[keep] if not tcol or tcol not in data.columns else s[keep] + "\x1f" + data.loc[keep, tcol].astype("string")
        out.append(IdCandidate(c, named, c in _PER_RESPONSE, n / max(len(data), 1), key.nunique() / n))
    good = [x for x in out if x.filled >= 0.8 and x.unique >= 0.8]
    return sorted(good, key=lambda x: (x.per_response, not x.named, c_rank(x.column, reader), -x.filled))


def c_rank(column: str, reader: tuple[str, ...]) -> int:
    return reader.index(column) if column in reader else len(reader)
