"""Inductive theme suggestions: clusters of answers for a person to read, name and decide on.

Suggestions only. Nothing here codes the data: the result is one row per candidate theme
(its characteristic words, how many answers lean towards it, a few short redacted quotes) for
a researcher doing thematic analysis to look at — typically on the answers the codebook did
not code (``uncoded_only=True``). scikit-learn is imported only when the function runs.

Method (:func:`suggest_themes`): texts are redacted first. TF-IDF of word 1–2-grams (English
stop words and ``DOMAIN_STOP_WORDS`` — filler such as "bit", "tbh", "really", "thank", "think" —
removed, words of letters only, sublinear tf; terms must occur in at least two answers when
there are 40 or more) factorised by non-negative matrix factorisation (scikit-learn NMF,
``init="nndsvda"``). Answers with no remaining term are left out. When ``n_themes`` is None,
each candidate k is refitted on five random 80 % subsamples and the k whose top-``n_terms`` term
sets are most stable (mean matched Jaccard; Greene, O'Callaghan & Cunningham 2014, "How many
topics? Stability analysis for topic models") is chosen; ties go to the smaller k. The themes
are never applied to the data. Inputs are not modified.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import EvaltoolWarning, ParameterError

__all__ = ["DOMAIN_STOP_WORDS", "THEMES_COLUMNS", "suggest_themes"]

THEME = "theme"
THEMES_COLUMNS = (
    THEME, "label", "top_terms", "n_answers", "share", "stability", "overlap", "example_ids",
    "examples", "method",
)
"""Columns of :func:`suggest_themes`, one row per theme: ``theme`` (1, 2, ..., largest first),
``label`` (its most distinctive phrase: the strongest two-word term, else the two strongest
words), ``top_terms`` (comma-separated, strongest first), ``n_answers`` (answers whose strongest
theme this is), ``share`` (of the answers modelled), ``stability`` (mean Jaccard overlap of the
top terms with the matching theme refitted on 80 % subsamples; 1 = always the same words),
``overlap`` (how the theme overlaps existing codes: how many of its answers carry which code in
``codings``, and which codes' definitions share its words — or that none does), ``example_ids``
and ``examples`` (the most typical answers' ``response_id`` and short redacted quotes, joined by
" | "), ``method``."""
DOMAIN_STOP_WORDS = frozenset("""
bit bits tbh lol lols xx xxx really thank thanks thankyou ty think thought thinking ve ll re don
didn doesn isn wasn weren wouldn couldn shouldn haven hasn im ive id dont didnt doesnt isnt wasnt
cant wont felt feel feeling feels lot lots just like liked got get getting good great quite also
much many things thing stuff one two day days session sessions workshop workshops course courses
training overall honestly genuinely actually definitely probably maybe perhaps basically yes yeah
yep nope okay ok fine nice lovely useful helpful found find made make bit abit way ways time
times today really very pretty kind sort went going gone come came say said know knew use used
people person everyone someone everything something anything nothing would could should might
will shall must need needed want wanted well better best enjoyed enjoy loved love thanks cheers
name place phone email id postcode handle date_of_birth nhs_number birth
""".split())
"""Filler and evaluation words of feedback answers, removed before modelling (with scikit-learn's
English stop words): they say how people felt about the day, not what a theme is about. The
tag words of redaction are here too (texts are redacted before modelling)."""
_SUBSAMPLES = 5
_SUBSAMPLE_FRACTION = 0.8
_QUOTE_CHARS = 140
_MIN_ANSWERS = 10
MAX_ANSWERS = 2_000
"""Answers modelled at most by default (a random sample beyond; see ``max_answers``)."""


def _quote(text: str, redactor: Any) -> str:
    text = re.sub(r"\s+", " ", str(text)).strip()
    if redactor is not None:
        text = redactor(text)
    if len(text) > _QUOTE_CHARS:
        cut = text[:_QUOTE_CHARS].rsplit(" ", 1)[0]
        text = cut.rstrip(",;:.") + " …"
    return text


def _redactor() -> Any:
    """:func:`evaltool.qual.redact.redact_text`, imported lazily (None if unavailable)."""
    import importlib

    try:
        return importlib.import_module("evaltool.qual.redact").redact_text
    except (ImportError, AttributeError):  # pragma: no cover - partial installation
        return None


def _top_sets(h: np.ndarray, n_terms: int) -> list[set[int]]:
    return [set(np.argsort(-row, kind="stable")[:n_terms]) for row in h]


def _stability(ref: list[set[int]], other: list[set[int]]) -> np.ndarray:
    """Per reference topic: Jaccard of its top terms with the matched topic (Hungarian)."""
    from scipy.optimize import linear_sum_assignment

    sim = np.array([[len(a & b) / len(a | b) if a | b else 0.0 for b in other] for a in ref])
    rows, cols = linear_sum_assignment(-sim)
    out = np.zeros(len(ref))
    out[rows] = sim[rows, cols]
    return out


def _fit(x: Any, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=1000, tol=1e-5)
    # suggestions only: an unconverged or exactly reconstructed fit is still usable
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        w = model.fit_transform(x)
    return w, model.components_


def _theme_stability(x: Any, k: int, seed: int, n_terms: int, h_full: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ref = _top_sets(h_full, n_terms)
    n = x.shape[0]
    scores = []
    for _ in range(_SUBSAMPLES):
        rows = np.sort(rng.choice(n, size=max(k + 1, int(round(_SUBSAMPLE_FRACTION * n))),
                                  replace=False))
        _, h = _fit(x[rows], k, seed)
        scores.append(_stability(ref, _top_sets(h, n_terms)))
    return np.mean(scores, axis=0)


def suggest_themes(
    answers: pd.DataFrame,
    *,
    n_themes: int | None = None,
    uncoded_only: bool = False,
    codings: pd.DataFrame | None = None,
    seed: int = 0,
    n_terms: int = 8, n_examples: int = 3, max_themes: int = 10,
    codebook: Any = None, redact: dict[str, Any] | None = None,
    stop_words: Any = None, max_answers: int | None = MAX_ANSWERS,
) -> pd.DataFrame:
    """Suggest candidate themes: NMF clusters of the answers' words, for a person to judge.

    Parameters
    ----------
    answers
        Free text (``response_id, text``).
    n_themes, max_themes
        Number of themes; ``None`` chooses it by stability (module docstring) between 2 and
        ``min(max_themes, n_answers // 5)``.
    uncoded_only, codings
        Only answers without any coding in ``codings`` (``response_id``): what the codebook missed.
    seed
        Seed for NMF, the subsamples and the sample (same inputs + seed = same result).
    n_terms, n_examples
        Top terms shown per theme (also the term sets compared for stability); representative
        answers per theme.
    codebook
        A Codebook: each suggestion says which codes' definitions share its words.
    redact
        ``{"names": [...], "places": [...]}`` for :func:`evaltool.qual.redact.redact` (texts are
        redacted before modelling: no term, label or quote carries a name, place or number).
    stop_words
        More words to leave out (beside English stop words and ``DOMAIN_STOP_WORDS``).
    max_answers
        Model a random sample (``seed``) of this many answers when there are more, as said in
        ``method`` and a warning (module docstring); None: all answers.

    Returns
    -------
    pandas.DataFrame
        One row per theme, largest first, ``THEMES_COLUMNS`` (described there). Empty, with an
        ``EvaltoolWarning`` saying why and what to do, when too few answers have words left or
        the model cannot be fitted: never raises on data.

    Examples
    --------
    Sixteen answers about staffing and the coaching call; the number of themes is chosen:

    >>> import pandas as pd
    >>> texts = ["rota gaps every week on the ward", "short staffing on nights again",
    ...          "the rota never has enough staff", "staffing is the real problem on the ward",
    ...          "rota changes at short notice", "too few staff on the ward most shifts",
    ...          "night shifts with short staffing", "the ward rota leaves gaps",
    ...          "the coaching call helped me plan", "my coach listened on the call",
    ...          "the coaching call came too late", "a second coaching call would help",
    ...          "the coach was kind on the phone call", "the call with my coach felt rushed",
    ...          "coaching call gave me a plan", "my coach rang twice before the call"]
    >>> answers = pd.DataFrame({"response_id": range(16), "text": texts})
    >>> suggest_themes(answers, n_terms=4)[["theme", "label", "top_terms", "n_answers"]]
       theme          label                                    top_terms  n_answers
    0      1    rota / ward                     rota, ward, staff, short          8
    1      2   coach rushed  coach, coach rushed, rushed, coach listened          4
    2      3  coaching late          coaching, plan, coaching late, late          4
    """
    _check_theme_parameters(answers, n_themes, n_terms, n_examples, max_themes)
    data, sampled = _sample(_answers_to_model(answers, uncoded_only, codings), max_answers, seed)
    texts = _redacted(data[C.TEXT].fillna("").astype(str), redact)
    vec, x_all = _vectorise(texts, stop_words)
    if (modelled := _modelled(texts, x_all, n_themes, max_themes)) is None:
        return _no_themes()
    keep, n, upper = modelled
    try:
        with _one_blas_thread():
            out = _themes(x_all[keep], np.array(vec.get_feature_names_out(), dtype=object), data, texts, keep, n,
                          n_themes, upper, seed, n_terms, n_examples, codings, codebook, redact)
    except ValueError as exc:  # scikit-learn on degenerate data (e.g. short repetitive answers)
        return _not_fitted(exc)
    out["method"] = out["method"] + ("; " + sampled if sampled else "")
    return out


def _one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """Single-threaded BLAS while the topic models are fitted: their matrices are small (at most
    ``MAX_ANSWERS`` rows), and on a busy machine OpenBLAS threads waiting for each other made
    the QR factorisations of NMF's initialisation ~8× slower than one thread (same results)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _not_fitted(exc: ValueError) -> pd.DataFrame:
    warnings.warn(f"no theme suggestions: the topic model could not be fitted on these answers "
                  f"({exc}). Read them directly, or pool answers from more cohorts or questions.",
                  EvaltoolWarning, stacklevel=3)
    return _no_themes()


def _sample(data: pd.DataFrame, max_answers: int | None, seed: int) -> tuple[pd.DataFrame, str]:
    """At most ``max_answers`` answers: a simple random sample (input order kept) when there
    are more, and the note saying so ("" when all are modelled)."""
    if max_answers is not None and not (isinstance(max_answers, int) and max_answers >= _MIN_ANSWERS):
        raise ParameterError(f"The 'max_answers' parameter of suggest_themes() must be None or an "
                             f"integer >= {_MIN_ANSWERS}. Got {max_answers!r} instead.")
    n = len(data)
    if max_answers is None or n <= max_answers:
        return data, ""
    pick = np.sort(np.random.default_rng(seed).choice(n, size=max_answers, replace=False))
    note = (f"modelled a random sample of {max_answers:,} of the {n:,} answers (seed={seed}); "
            "counts and shares are of the sample")
    warnings.warn(f"theme suggestions {note}: pass max_answers=None to model them all (slower).",
                  EvaltoolWarning, stacklevel=3)
    return data.iloc[pick], note


def _no_themes() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in THEMES_COLUMNS})


def _modelled(texts: pd.Series, x_all: Any, n_themes: int | None,
              max_themes: int) -> tuple[np.ndarray, int, int] | None:
    """``(answers with words left, how many, largest k to try)``; None (with a warning saying
    what to do) when too few answers are left to model."""
    keep = np.zeros(len(texts), dtype=bool) if x_all is None else np.asarray(x_all.sum(axis=1)).ravel() > 0
    n = int(keep.sum())
    n_distinct = len(set(texts[keep].str.lower().str.split().str.join(" "))) if n else 0
    upper = min(max_themes, n // 5, max(n_distinct - 1, 0))
    if n < _MIN_ANSWERS or n_distinct < 4 or (n_themes is None and upper < 2) or x_all is None:
        warnings.warn(
            f"no theme suggestions: only {n} answer(s) ({n_distinct} distinct) have words left to "
            "model once filler words are removed; suggesting themes needs at least "
            f"{_MIN_ANSWERS} answers with some variety. Read these answers directly (or code them "
            "in the review sheet), or pool answers from more cohorts or questions.",
            EvaltoolWarning, stacklevel=3)
        return None
    if n_themes is not None and n_themes > n // 2:
        raise ParameterError("The 'n_themes' parameter of suggest_themes() must be an integer "
                             f"between 2 and {n // 2} (half the answers modelled). "
                             f"Got {n_themes!r} instead.")
    return keep, n, upper


def _check_theme_parameters(answers: Any, n_themes: Any, n_terms: Any, n_examples: Any,
                            max_themes: Any) -> None:
    for col in (C.RESPONSE_ID, C.TEXT):
        if not isinstance(answers, pd.DataFrame) or col not in answers.columns:
            raise ParameterError(f"The answers passed to suggest_themes() need a '{col}' column.",
                                 fix="pass the tidy free-text table (response_id, text).")
    for name, value, low in (("n_terms", n_terms, 2), ("n_examples", n_examples, 0),
                             ("max_themes", max_themes, 2)):
        if not (isinstance(value, int) and value >= low):
            raise ParameterError(f"The '{name}' parameter of suggest_themes() must be an integer "
                                 f">= {low}. Got {value!r} instead.")
    if n_themes is not None and not (isinstance(n_themes, int) and n_themes >= 2):
        raise ParameterError("The 'n_themes' parameter of suggest_themes() must be an integer >= 2. "
                             f"Got {n_themes!r} instead.")


def _answers_to_model(answers: pd.DataFrame, uncoded_only: bool,
                      codings: pd.DataFrame | None) -> pd.DataFrame:
    """All answers, or with ``uncoded_only`` those without any coding."""
    if not uncoded_only:
        return answers
    if codings is None or C.RESPONSE_ID not in codings.columns:
        raise ParameterError("uncoded_only=True needs the codings (with 'response_id').",
                             fix="pass codings=code(answers, codebook).")
    # compared as Python strings: pandas' isin of Arrow-backed text is ~15× slower here; each
    # distinct coded id converted once (answers have several codings)
    ids_coded = pd.Series(pd.unique(codings[C.RESPONSE_ID].to_numpy(dtype=object)), dtype=object)
    coded = pd.unique(ids_coded.astype(str).to_numpy(dtype=object))
    ids = pd.Series(answers[C.RESPONSE_ID].astype(str).to_numpy(dtype=object), dtype=object)
    return answers[~ids.isin(coded).to_numpy(dtype=bool)]


def _vectorise(texts: pd.Series, stop_words: Any) -> tuple[Any, Any]:
    """The TF-IDF vectoriser and matrix of word 1–2-grams (matrix None when no term at all)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    n_all = len(texts)
    stop = sorted(set(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS | {w.lower() for w in (stop_words or [])})
    vec = TfidfVectorizer(ngram_range=(1, 2), stop_words=stop, sublinear_tf=True,
                          token_pattern=r"(?u)\b[^\W\d_]{2,}\b", min_df=2 if n_all >= 40 else 1,
                          max_df=0.9 if n_all >= 40 else 1.0)
    try:
        return vec, vec.fit_transform(texts.to_numpy(dtype=object))
    except ValueError:  # no term at all
        return vec, None


def _redacted(texts: pd.Series, options: dict[str, Any] | None) -> pd.Series:
    """Redacted before modelling: no name, place or number can become a term or a label."""
    try:
        from .redact import redact as _redact
    except ImportError:  # pragma: no cover - partial installation
        return texts
    opts = {k: v for k, v in (options or {}).items() if k in ("names", "places")}
    texts = texts.reset_index(drop=True)
    # each distinct text redacted once (short answers repeat: "nothing", "more time")
    codes, distinct = pd.factorize(texts)
    done = _redact(pd.Series(np.asarray(distinct, dtype=object), dtype=object), **opts).to_numpy(dtype=object)
    out = np.array([*done, None], dtype=object)[codes]
    if (missing := codes < 0).any():
        out[missing] = texts.to_numpy(dtype=object)[missing]
    return pd.Series(out, index=texts.index, name=texts.name, dtype=object)


def _label(terms: np.ndarray, weights: np.ndarray) -> str:
    """The theme's most distinctive phrase: its strongest two-word term, else its two
    strongest words."""
    order = np.argsort(-weights, kind="stable")
    top = [str(terms[i]) for i in order[:12] if weights[i] > 0]
    phrases = [t for t in top[:6] if " " in t]
    if phrases:
        return phrases[0]
    return " / ".join(top[:2])


def _ids_in(codings: pd.DataFrame, ids: Any) -> np.ndarray:
    """Which codings' ``response_id`` as a string is one of ``ids`` (each distinct id
    converted once)."""
    at, distinct = pd.factorize(codings[C.RESPONSE_ID], use_na_sentinel=False)
    as_str = pd.Series(np.asarray(distinct, dtype=object), dtype=object).astype(str)
    return as_str.isin(ids).to_numpy(dtype=bool)[at]


def _overlap(member_ids: list[str], top_terms: list[str], codings: pd.DataFrame | None,
             codebook: Any) -> str:
    """How a theme overlaps existing codes: what the codings of its answers say, and which
    codes' definitions share its words."""
    parts = []
    if codings is not None and len(member_ids) and C.CODE in codings.columns:
        sub = codings[_ids_in(codings, member_ids)]
        counts = sub.drop_duplicates([C.RESPONSE_ID, C.CODE])[C.CODE].value_counts()
        for code, k in counts.head(3).items():
            parts.append(f"{k}/{len(member_ids)} coded {code}")
        if counts.empty:
            parts.append(f"none of its {len(member_ids)} answers has a code")
    if codebook is not None and hasattr(codebook, "flat_codes"):
        words = {w for t in top_terms for w in t.split()}
        shared = []
        for c in codebook.flat_codes():
            bag = " ".join([c.label, c.definition, *c.include, *c.examples]).lower()
            vocab = set(re.findall(r"[^\W\d_]{3,}", bag))
            common = sorted(words & vocab)
            if common:
                shared.append((len(common), c.id, common))
        shared.sort(key=lambda r: (-r[0], r[1]))
        for _, cid, common in shared[:2]:
            parts.append(f"shares {', '.join(common[:3])} with {cid}")
        if not shared:
            parts.append("no code's definition shares its words: a candidate new code")
    return "; ".join(parts)


def _themes(x: Any, terms: np.ndarray, data: pd.DataFrame, texts: pd.Series, keep: np.ndarray,
            n: int, n_themes: int | None, upper: int, seed: int, n_terms: int, n_examples: int,
            codings: pd.DataFrame | None, codebook: Any, redact: dict[str, Any] | None) -> pd.DataFrame:
    if n_themes is None:
        best_score, best_k = -1.0, 2
        for k in range(2, upper + 1):
            w_k, h_k = _fit(x, k, seed)
            stab_k = _theme_stability(x, k, seed, n_terms, h_k)
            if float(np.mean(stab_k)) > best_score + 1e-12:  # the best fit is kept, not refitted
                best_score, best_k, w, h, stab = float(np.mean(stab_k)), k, w_k, h_k, stab_k
        k = best_k
        how = f"k={k} chosen by top-term stability over k=2..{upper} (Greene et al. 2014)"
    else:
        k = n_themes
        how = f"k={k} given"
        w, h = _fit(x, k, seed)
        stab = _theme_stability(x, k, seed, n_terms, h)
    strongest = np.where(w.max(axis=1) > 0, w.argmax(axis=1), -1)
    ids = data[C.RESPONSE_ID].to_numpy(dtype=object)[keep]
    kept_texts = texts.to_numpy(dtype=object)[keep]
    redactor = None  # the texts were redacted before modelling
    method = f"NMF (nndsvda) on TF-IDF word 1-2-grams; {how}; seed={seed}"
    if codings is not None and C.RESPONSE_ID in codings.columns:  # those of the modelled answers, once
        codings = codings[_ids_in(codings, [str(i) for i in ids])]
    rows = []
    for t in range(k):
        members = np.flatnonzero(strongest == t)
        top = members[np.argsort(-w[members, t], kind="stable")][:n_examples]
        top_terms = [str(v) for v in terms[np.argsort(-h[t], kind="stable")[:n_terms]]]
        rows.append({
            "label": _label(terms, h[t]),
            "top_terms": ", ".join(top_terms),
            "overlap": _overlap([str(i) for i in ids[members]], top_terms, codings, codebook),
            "n_answers": len(members), "share": len(members) / n, "stability": float(stab[t]),
            "example_ids": " | ".join(str(i) for i in ids[top]),
            "examples": " | ".join(_quote(s, redactor) for s in kept_texts[top]),
            "method": method,
        })
    out = pd.DataFrame(rows).sort_values("n_answers", ascending=False, kind="stable")
    out.insert(0, THEME, np.arange(1, k + 1))
    return out.loc[:, list(THEMES_COLUMNS)].reset_index(drop=True)
