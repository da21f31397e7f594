"""Inductive theme suggestions: clusters of answers for a person to read, name and decide on.

Suggestions only. Nothing here codes the data: the result is one row per candidate theme
(its characteristic words, how many answers lean towards it, a few short redacted quotes) for
a researcher doing thematic analysis to look at — typically on the answers the codebook did
not code (``uncoded_only=True``). scikit-learn is imported only when the function runs.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError

__all__ = ["THEMES_COLUMNS", "suggest_themes"]

THEME = "theme"
THEMES_COLUMNS = (
    THEME, "top_terms", "n_answers", "share", "stability", "example_ids", "examples", "method",
)
_SUBSAMPLES = 5
_SUBSAMPLE_FRACTION = 0.8
_QUOTE_CHARS = 140
_MIN_ANSWERS = 10


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
    n_terms: int = 8,
    n_examples: int = 3,
    max_themes: int = 10,
) -> pd.DataFrame:
    """Suggest candidate themes: NMF clusters of the answers' words, for a person to judge.

    Parameters
    ----------
    answers
        Free text (``response_id, text``).
    n_themes
        Number of themes; ``None`` chooses it (see Notes) between 2 and
        ``min(max_themes, n_answers // 5)``.
    uncoded_only
        Only answers without any coding in ``codings`` (what the codebook missed).
    codings
        Codings (``response_id``), needed with ``uncoded_only``.
    seed
        Seed for NMF and the stability subsamples (same inputs + seed = same result).
    n_terms
        Top terms shown per theme (also the term sets compared for stability).
    n_examples
        Representative answers per theme.
    max_themes
        Upper bound when choosing ``n_themes``.

    Returns
    -------
    pandas.DataFrame
        One row per theme, largest first (``THEMES_COLUMNS``): ``theme`` (1, 2, ...),
        ``top_terms`` (comma-separated, strongest first), ``n_answers`` (answers whose
        strongest theme this is), ``share`` (of the answers modelled), ``stability`` (mean
        Jaccard overlap of the top terms with the matching theme refitted on 80 % subsamples;
        1 = always the same words), ``example_ids`` and ``examples`` (the most typical answers'
        ``response_id`` and short quotes, redacted when :mod:`evaltool.qual.redact` is
        available, joined by " | "), ``method``.

    Notes
    -----
    TF-IDF of word 1–2-grams (English stop words removed, words of letters only, sublinear
    tf; terms must occur in at least two answers when there are 20 or more) factorised by
    non-negative matrix factorisation (scikit-learn NMF, ``init="nndsvda"``). Answers with no
    remaining term are left out. When ``n_themes`` is None, each candidate k is refitted on
    five random 80 % subsamples and the k whose top-``n_terms`` term sets are most stable
    (mean matched Jaccard; Greene, O'Callaghan & Cunningham 2014, "How many topics? Stability
    analysis for topic models") is chosen; ties go to the smaller k. The themes are never
    applied to the data. Inputs are not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> texts = (["rota gaps and short staffing on the ward"] * 6
    ...          + ["the coaching call with the coach helped"] * 6)
    >>> answers = pd.DataFrame({"response_id": range(12), "text": texts})
    >>> suggest_themes(answers, n_themes=2)[["theme", "n_answers"]]
       theme  n_answers
    0      1          6
    1      2          6
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    for col in (C.RESPONSE_ID, C.TEXT):
        if not isinstance(answers, pd.DataFrame) or col not in answers.columns:
            raise ParameterError(f"The answers passed to suggest_themes() need a '{col}' column.",
                                 fix="pass the tidy free-text table (response_id, text).")
    for name, value, low in (("n_terms", n_terms, 2), ("n_examples", n_examples, 0),
                             ("max_themes", max_themes, 2)):
        if not (isinstance(value, int) and value >= low):
            raise ParameterError(f"The '{name}' parameter of suggest_themes() must be an integer "
                                 f">= {low}. Got {value!r} instead.")
    data = answers
    if uncoded_only:
        if codings is None or C.RESPONSE_ID not in codings.columns:
            raise ParameterError("uncoded_only=True needs the codings (with 'response_id').",
                                 fix="pass codings=code(answers, codebook).")
        coded = set(codings[C.RESPONSE_ID].astype(str))
        data = answers[~answers[C.RESPONSE_ID].astype(str).isin(coded)]
    texts = data[C.TEXT].fillna("").astype(str)
    n_all = len(texts)
    vec = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", sublinear_tf=True,
                          token_pattern=r"(?u)\b[^\W\d_]{2,}\b", min_df=2 if n_all >= 20 else 1,
                          max_df=0.9 if n_all >= 20 else 1.0)
    try:
        x_all = vec.fit_transform(texts.to_numpy(dtype=object))
    except ValueError:  # no term at all
        x_all = None
    keep = np.zeros(n_all, dtype=bool) if x_all is None else np.asarray(x_all.sum(axis=1)).ravel() > 0
    n = int(keep.sum())
    upper = min(max_themes, n // 5)
    if n < _MIN_ANSWERS or (n_themes is None and upper < 2):
        raise ParameterError(
            f"only {n} answer(s) have words to model; suggesting themes needs at least "
            f"{max(_MIN_ANSWERS, 10)}.", fix="code these answers by hand, or pool more answers.")
    if n_themes is not None and not (isinstance(n_themes, int) and 2 <= n_themes <= n // 2):
        raise ParameterError("The 'n_themes' parameter of suggest_themes() must be an integer "
                             f"between 2 and {n // 2} (half the answers modelled). "
                             f"Got {n_themes!r} instead.")
    x = x_all[keep]
    terms = np.array(vec.get_feature_names_out(), dtype=object)
    if n_themes is None:
        best_k, best_score = 2, -1.0
        for k in range(2, upper + 1):
            _, h = _fit(x, k, seed)
            score = float(np.mean(_theme_stability(x, k, seed, n_terms, h)))
            if score > best_score + 1e-12:
                best_k, best_score = k, score
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
    redactor = _redactor() if n_examples else None
    method = f"NMF (nndsvda) on TF-IDF word 1-2-grams; {how}; seed={seed}"
    rows = []
    for t in range(k):
        members = np.flatnonzero(strongest == t)
        top = members[np.argsort(-w[members, t], kind="stable")][:n_examples]
        rows.append({
            "top_terms": ", ".join(terms[np.argsort(-h[t], kind="stable")[:n_terms]]),
            "n_answers": len(members), "share": len(members) / n, "stability": float(stab[t]),
            "example_ids": " | ".join(str(i) for i in ids[top]),
            "examples": " | ".join(_quote(s, redactor) for s in kept_texts[top]),
            "method": method,
        })
    out = pd.DataFrame(rows).sort_values("n_answers", ascending=False, kind="stable")
    out.insert(0, THEME, np.arange(1, k + 1))
    return out.loc[:, list(THEMES_COLUMNS)].reset_index(drop=True)
