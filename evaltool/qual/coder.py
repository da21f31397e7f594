"""Rule-based coding of free-text answers with a codebook (codes, valence, summary).

The unit is one answer. Each code's rules (phrases, stems, regex, proximity; see
:mod:`evaltool.qual.codebook`) are compiled into one regular expression and run over all
answers at once; every match becomes a coding with its character span, so a person can check
each automatic decision. An answer can carry several codes. Very short or empty answers
("n/a", "nothing", "-") get no code and are counted by :func:`coding_summary`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import columns as C
from .._version import __version__
from ..errors import ParameterError
from . import _engine as E
from . import _prepared as P
from . import _valence as V
from . import _valence_jobs as VJ
from ._question_rules import rule_questions
from .codebook import Codebook, load_codebook

__all__ = [
    "CODINGS_COLUMNS",
    "SUMMARY_COLUMNS",
    "VALENCE_COLUMNS",
    "code",
    "code_and_valence",
    "code_valence",
    "coding_summary",
    "empty_mask",
]

NEGATED = "negated"
VALENCE = "valence"

CODINGS_COLUMNS = (C.RESPONSE_ID, C.CODE, C.START, C.END, C.EVIDENCE, C.RULE, NEGATED, C.CODER)
"""Columns of :func:`code` (the Codings table plus ``rule`` and ``negated``): ``response_id``
(the answer's id); ``code`` (the code id); ``start``, ``end`` (character offsets, Unicode code
points, end exclusive, into the original text, so ``text[start:end] == evidence``); ``evidence``
(the matched span of the original text; the whole answer for a question-context coding);
``rule`` (which rule fired: its ``name``, or ``phrase:...``, ``stem:...``, ``near:...``,
``regex:...``, or ``question context``); ``negated`` (a negation cue precedes the match within
its clause: the coding is kept; for rules marked ``negation_sensitive`` such matches are dropped
instead); ``coder`` (who coded: ``coder_name``)."""
VALENCE_COLUMNS = (C.RESPONSE_ID, VALENCE, C.EVIDENCE)
"""Columns of :func:`code_valence`."""
SUMMARY_COLUMNS = ("n_answers", "n_empty", "n_coded", "n_uncoded", "n_codings")
"""Columns of :func:`coding_summary`."""

Valence = Literal["positive", "negative", "mixed", "neutral"]
DEFAULT_CODER = f"evaltool-rules/{__version__}"


def _answers(answers: pd.DataFrame | pd.Series, text: str, id: str, caller: str) -> tuple[list[object], list[str]]:
    """Return (ids, texts) from a DataFrame (columns ``id``/``text``) or a Series (index = id)."""
    if isinstance(answers, pd.Series):
        ids, values = list(answers.index), answers
        keys: pd.Index | pd.Series = answers.index
    elif isinstance(answers, pd.DataFrame):
        for param, col in (("text", text), ("id", id)):
            if col not in answers.columns:
                raise ParameterError(
                    f"The '{param}' parameter of {caller}() names column '{col}', which is not "
                    "in the answers.",
                    fix=f"choose from the columns that exist: {list(answers.columns)}.",
                )
        column, values = answers[id], answers[text]
        ids, keys = _ids(column), column
    else:
        raise ParameterError(
            f"The 'answers' parameter of {caller}() must be a pandas DataFrame or Series. "
            f"Got {type(answers).__name__} instead.",
        )
    dup = keys.duplicated()
    if dup.any():
        raise ParameterError(
            f"{int(dup.sum())} answer id(s) appear more than once in the '{id}' column.",
            fix="give every answer its own id (e.g. participant, timepoint and question together).",
        )
    return ids, _strings(values)


def _ids(column: pd.Series) -> list[object]:
    """The values of an id column as ``list(column)`` gives them (numpy scalars for numbers);
    text and object columns through ``tolist`` (the same objects, ~10× faster for Arrow text)."""
    if isinstance(column.dtype, pd.StringDtype) or column.dtype == object:
        return column.tolist()  # type: ignore[no-any-return]
    return list(column)


def _strings(values: pd.Series) -> list[str]:
    if isinstance(values.dtype, pd.StringDtype):  # str values or missing: no per-value checks
        return values.fillna("").tolist()  # type: ignore[no-any-return]
    return ["" if (v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA) else str(v)
            for v in values.tolist()]


def _questions(answers: pd.DataFrame | pd.Series, question: str | None, caller: str) -> list[str] | None:
    """The question (id or label) of each answer, or None when there is no question column."""
    if question is None or not isinstance(answers, pd.DataFrame):
        return None
    if question not in answers.columns:
        if question == C.QUESTION:
            return None
        raise ParameterError(
            f"The 'question' parameter of {caller}() names column '{question}', which is not in "
            "the answers.",
            fix=f"choose from the columns that exist: {list(answers.columns)}, or pass question=None.",
        )
    return _strings(answers[question])


def _book(codebook: str | Codebook) -> Codebook:
    return load_codebook(codebook)


def _empty_codings(coder: str) -> pd.DataFrame:
    return pd.DataFrame({
        C.RESPONSE_ID: pd.Series([], dtype=object), C.CODE: pd.Series([], dtype=object),
        C.START: pd.Series([], dtype="int64"), C.END: pd.Series([], dtype="int64"),
        C.EVIDENCE: pd.Series([], dtype=object), C.RULE: pd.Series([], dtype=object),
        NEGATED: pd.Series([], dtype=bool), C.CODER: pd.Series([], dtype=object),
    })[list(CODINGS_COLUMNS)]


def code(
    answers: pd.DataFrame | pd.Series,
    codebook: str | Codebook = "resilience_training",
    *,
    text: str = C.TEXT,
    id: str = C.RESPONSE_ID,
    question: str | None = C.QUESTION,
    coder_name: str | None = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Code free-text answers with a codebook's rules.

    Parameters
    ----------
    answers
        Free text, one row per answer (``response_id, participant_id, timepoint, question,
        text``), or a Series of texts whose index is the answer id. Not modified.
    codebook
        A packaged codebook name, a path to a codebook YAML file, or a :class:`Codebook`.
    text, id
        Columns holding the answer text and the answer id (ids must be unique).
    question
        Column holding the question (id or label) each answer answers. Used only by codes
        that declare a ``question_context`` or an exclude rule with ``questions``; when the
        default column ``question`` is absent (or ``question=None``, or a Series is given)
        those rules do nothing.
    coder_name
        Recorded in the ``coder`` column; default ``"evaltool-rules/<version>"``.
    n_jobs
        Processes for large inputs (at least 10,000 distinct answers): ``None`` or 1 for one,
        ``-1`` for one per CPU this process may use (``EVALTOOL_JOBS`` caps it), or a number.
        The distinct answers are coded in equal chunks of at most 5,000 by forked workers
        (which inherit the compiled RE2 programs) and put back in input order, so the result
        does not depend on it; Ctrl-C stops them at once. Needs ``fork`` (Linux).

    Returns
    -------
    DataFrame
        One row per piece of evidence (an answer may have several codes, and several rows per
        code), ordered by answer then position; the columns are ``CODINGS_COLUMNS`` (described
        there).

    Notes
    -----
    How answers are matched (clauses, negation, empty answers, overlaps, question context) is
    described in docs/codebook.md, "Coding conventions".

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"response_id": ["r1", "r2"],
    ...                         "text": ["The 1:1 call was useful but too long", "n/a"]})
    >>> out = code(answers)
    >>> sorted(out["code"].unique())
    ['coaching_call', 'delivery_format']
    >>> row = out.iloc[0]
    >>> answers.text[0][row.start:row.end] == row.evidence
    True

    With a ``question`` column, an evaluating answer to the coaching-call question is about
    the call even if it does not name it:

    >>> asked = pd.DataFrame({"response_id": ["a", "b"], "question": ["fb_coaching", "fb_useful"],
    ...                       "text": ["Felt rushed", "Felt rushed"]})
    >>> code(asked)[["response_id", "code", "rule"]].values.tolist()
    [['a', 'coaching_call', 'question context'], ['b', 'delivery_format', 'length-pace-timing']]
    """
    return _code_answers(answers, codebook, text, id, question, coder_name, n_jobs, "code", valence=False)[0]


def _codings(hits: dict[str, Any], unique: list[str], inv: np.ndarray, ids: list[object], texts: list[str],
             questions: list[str] | None, comp: E.Compiled, coder: str) -> pd.DataFrame:
    """The codings table of the answers from the hits of their distinct texts."""
    rows = _per_answer(hits, unique, inv)
    if comp.rule_questions:
        rows = rule_questions(rows, questions, comp)
    if questions is not None and (comp.question_veto or comp.question_context):
        rows = V.question_rules(rows, texts, questions, comp)
    if len(rows["row"]) == 0:
        return _empty_codings(coder)
    return _codings_frame(rows, ids, np.array([cm.code for cm in comp.codes], dtype=object), coder)


def _per_answer(hits: dict[str, Any], unique: list[str], inv: np.ndarray) -> dict[str, np.ndarray]:
    """The hits of each distinct text, sorted by (text, start, code), repeated for every answer
    with that text in input order (``row`` = the answer's position)."""
    u = hits["u"]
    order = np.lexsort((hits["code"], hits["s"], u))
    u, s, e = u[order], hits["s"][order], hits["e"][order]
    evidence = np.empty(len(u), dtype=object)
    evidence[:] = [unique[a][b:c] for a, b, c in zip(u.tolist(), s.tolist(), e.tolist(), strict=True)]
    rules = np.array(hits["rule"], dtype=object)[order]
    counts = np.bincount(u, minlength=len(unique))
    first = np.cumsum(counts) - counts
    rep = counts[inv]
    row_idx = np.repeat(np.arange(len(inv)), rep)
    within = np.arange(int(rep.sum())) - np.repeat(np.cumsum(rep) - rep, rep)
    h = first[inv[row_idx]] + within
    return {"row": row_idx, "code": hits["code"][order][h], "s": s[h], "e": e[h],
            "evidence": evidence[h], "rule": rules[h], "neg": hits["neg"][order][h]}


def _codings_frame(rows: dict[str, np.ndarray], ids: list[object], code_ids: np.ndarray,
                   coder: str) -> pd.DataFrame:
    id_arr = np.empty(len(ids), dtype=object)
    id_arr[:] = ids
    return pd.DataFrame({
        C.RESPONSE_ID: pd.Series(id_arr[rows["row"]], dtype=object),
        C.CODE: pd.Series(code_ids[rows["code"]], dtype=object),
        C.START: rows["s"].astype("int64"),
        C.END: rows["e"].astype("int64"),
        C.EVIDENCE: pd.Series(rows["evidence"], dtype=object),
        C.RULE: pd.Series(rows["rule"], dtype=object),
        NEGATED: rows["neg"].astype(bool),
        C.CODER: pd.Series([coder] * len(rows["row"]), dtype=object),
    })[list(CODINGS_COLUMNS)]


def _n_jobs(n_jobs: int | None) -> int:

    if n_jobs is None:
        return 1
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0 or n_jobs < -1:
        raise ParameterError(
            f"The 'n_jobs' parameter of code() must be None, -1 or a positive integer. Got {n_jobs!r} instead."
        )
    from .._parallel import n_workers

    return n_workers() if n_jobs == -1 else n_jobs


CHUNK = VJ.CHUNK


_unique = VJ.distinct


def code_valence(
    answers: pd.DataFrame | pd.Series,
    codebook: str | Codebook = "resilience_training",
    *,
    text: str = C.TEXT,
    id: str = C.RESPONSE_ID,
    question: str | None = C.QUESTION,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Valence of each answer: positive, negative, mixed or neutral, with its evidence.

    Parameters
    ----------
    answers
        As for :func:`code`. Not modified.
    codebook
        Its ``valence`` settings (lexicons, proposal codes, denials, per-question defaults)
        and ``negation`` cues are used.
    text, id
        Columns holding the answer text and the answer id.
    question
        Column holding the question each answer answers (id or label). Valence is read in the
        light of the question (docs/codebook.md, "Valence"): "Nothing" is negative as the most
        useful part and neutral as what to change; an answer to "what would you change" that
        proposes a change is negative. Without the column (or with ``question=None``, or a Series) the
        per-question rules do nothing.
    n_jobs
        As for :func:`code` (each distinct text and question pair is judged once).

    Returns
    -------
    DataFrame
        One row per answer, in input order:

        - ``response_id``;
        - ``valence``: ``positive``, ``negative``, ``mixed`` or ``neutral`` (also for empty
          answers);
        - ``evidence``: what decided it, joined by ``" | "``: polarity terms (a negated term is
          shown from its cue: "not … useful"), ``proposal: <span>`` for a proposal, or
          ``question default (…)`` / ``denial (…)`` when the question decided.

    Notes
    -----
    Lexicon terms are matched like phrases (leftmost, longest first; a ``neutral`` phrase such
    as "would be good to" or "a terrible shift" masks the polarity words inside it, so clinical
    words in a described situation do not count). A positive or negative term with a negation
    cue at most ``negation.window`` words before it in the same clause counts with the opposite
    polarity ("wasn't useful" → negative, "not too long" → positive; with ``flip_negated:
    false`` it does not count). Doubt phrases listed as cues ("not sure", "unsure") act as
    negation ("not sure it helped" → negative). Evidence of the ``valence.proposal_codes`` is
    a wish for change (negative), unless it overlaps a positive term ("more of these please")
    or shares its clause with an ``administrative`` term (a request for the slides or a
    certificate is neutral). Approval together with criticism or a wish for change is
    ``mixed``, as is a ``mixed`` phrase. A ``sarcasm`` marker makes the answer negative and its
    positive terms do not count; ``evaluative`` terms ("ok", "fine") change nothing but stop
    the question default. The steps are in :func:`evaltool.qual._valence.answer_valence`.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.Series(["Really useful", "The call wasn't useful",
    ...                      "Useful but far too long", "n/a"], index=["a", "b", "c", "d"])
    >>> code_valence(answers)["valence"].tolist()
    ['positive', 'negative', 'mixed', 'neutral']

    The question decides what a bare answer means:

    >>> asked = pd.DataFrame({"response_id": [1, 2, 3, 4],
    ...                       "question": ["most_useful", "change", "change", "change"],
    ...                       "text": ["Nothing", "Nothing", "Smaller groups", "Could we get the slides?"]})
    >>> code_valence(asked)["valence"].tolist()
    ['negative', 'neutral', 'negative', 'neutral']
    """
    ids, texts = _answers(answers, text, id, "code_valence")
    questions = _questions(answers, question, "code_valence")
    comp = E.compile_codebook(_book(codebook))
    unique, inv = _unique(texts)
    pairs = VJ.distinct_pairs(len(unique), inv, questions)
    _, judged = VJ.code_and_judge(unique, pairs, comp, _n_jobs(n_jobs), codes=False)
    return _valence_frame(ids, judged, pairs)


def _valence_frame(ids: list[object], judged: Any, pairs: VJ.Pairs) -> pd.DataFrame:
    per = [judged[i] for i in pairs.inv.tolist()]
    label, evidence = [p[0] for p in per], [p[1] for p in per]
    return pd.DataFrame({C.RESPONSE_ID: pd.Series(ids, dtype=object), VALENCE: pd.Series(label, dtype=object),
                         C.EVIDENCE: pd.Series(evidence, dtype=object)})[list(VALENCE_COLUMNS)]


def code_and_valence(
    answers: pd.DataFrame | pd.Series,
    codebook: str | Codebook = "resilience_training",
    *,
    text: str = C.TEXT,
    id: str = C.RESPONSE_ID,
    question: str | None = C.QUESTION,
    coder_name: str | None = None,
    n_jobs: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(code(answers, ...), code_valence(answers, ...))`` in one pass: the same two tables.

    Parameters
    ----------
    answers, codebook, text, id, question, coder_name, n_jobs
        As for :func:`code`. With ``n_jobs``, each chunk of distinct texts is coded, and its
        (text, question) pairs judged, by the same forked worker: one pool of workers, each
        starting once, and the proposal codes' matches of the coding reused for the valence.

    Returns
    -------
    tuple of DataFrame
        The codings (as :func:`code`) and the valence (as :func:`code_valence`).

    Examples
    --------
    >>> import pandas as pd
    >>> codings, valence = code_and_valence(pd.Series(["The call was really useful", "n/a"], index=["a", "b"]))
    >>> codings["code"].tolist(), valence["valence"].tolist()
    (['coaching_call'], ['positive', 'neutral'])
    """
    codings, valence = _code_answers(answers, codebook, text, id, question, coder_name, n_jobs, "code_and_valence")
    assert valence is not None
    return codings, valence


def _code_answers(answers: pd.DataFrame | pd.Series, codebook: str | Codebook, text: str, id: str,
                  question: str | None, coder_name: str | None, n_jobs: int | None, caller: str,
                  valence: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """:func:`code` (and the valence of :func:`code_and_valence`): one pool codes and judges."""
    comp = E.compile_codebook(_book(codebook))
    with VJ.warming(comp, _n_jobs(n_jobs), len(answers)):   # the workers' RE2 programs, beside the reading
        ids, texts = _answers(answers, text, id, caller)
        questions = _questions(answers, question, caller)
        coder = coder_name if coder_name is not None else DEFAULT_CODER
        unique, inv = _unique(texts)
        pairs = VJ.distinct_pairs(len(unique), inv, questions) if valence else None
        hits, judged = VJ.code_and_judge(unique, pairs, comp, _n_jobs(n_jobs))
    assert hits is not None
    codings = _codings(hits, unique, inv, ids, texts, questions, comp, coder)
    return codings, None if pairs is None else _valence_frame(ids, judged, pairs)


def coding_summary(
    answers: pd.DataFrame | pd.Series,
    codings: pd.DataFrame | None = None,
    codebook: str | Codebook = "resilience_training",
    *,
    text: str = C.TEXT,
    id: str = C.RESPONSE_ID,
    prepared: Any = None,
) -> pd.DataFrame:
    """Count answers that are empty, coded and left uncoded.

    Parameters
    ----------
    answers
        As for :func:`code`. Not modified.
    codings
        The output of :func:`code` (or any table with ``response_id``); computed when omitted.
    codebook
        Decides which answers are empty (``empty_answers``, ``min_letters``).
    text, id
        Columns holding the answer text and the answer id.
    prepared
        Internal: these ``codings`` joined to these ``answers`` once for several tables
        (see :func:`evaltool.qual.code_frequencies`); the result is the same.

    Returns
    -------
    DataFrame
        One row: ``n_answers`` (all answers), ``n_empty`` (empty-ish, never coded),
        ``n_coded`` (non-empty with at least one code), ``n_uncoded`` (non-empty, no code),
        ``n_codings`` (rows of ``codings``). ``n_answers = n_empty + n_coded + n_uncoded``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(["More refresher sessions please", "-", "Fine"], index=[1, 2, 3])
    >>> coding_summary(s)[["n_answers", "n_empty", "n_coded", "n_uncoded"]].iloc[0].tolist()
    [3, 1, 1, 1]
    """
    book = _book(codebook)
    if prepared is not None and codings is not None and P.summarised(prepared, answers, codings, book, text, id):
        return P.summary_frame(len(answers), prepared.empty(), prepared.rows, len(codings), SUMMARY_COLUMNS)
    ids, texts = _answers(answers, text, id, "coding_summary")
    if codings is None:
        codings = code(answers, book, text=text, id=id)
    elif C.RESPONSE_ID not in codings.columns:
        raise ParameterError(
            "The 'codings' parameter of coding_summary() needs a 'response_id' column.",
            fix=f"pass the output of code(); columns given: {list(codings.columns)}.",
        )
    corpus_empty = E.empty_flags(texts, E.compile_codebook(book))
    coded_ids = set(codings[C.RESPONSE_ID].tolist())
    coded = np.array([i in coded_ids for i in ids], dtype=bool)
    return P.summary_frame(len(ids), corpus_empty, np.flatnonzero(coded), len(codings), SUMMARY_COLUMNS)


def empty_mask(
    answers: pd.DataFrame | pd.Series,
    codebook: str | Codebook = "resilience_training",
    *,
    text: str = C.TEXT,
    id: str = C.RESPONSE_ID,
) -> np.ndarray:
    """Which answers are empty-ish under the codebook's rules (they are never coded).

    Parameters
    ----------
    answers, codebook, text, id
        As for :func:`code`. Not modified.

    Returns
    -------
    numpy.ndarray
        One bool per answer, in input order: True when the answer, lower-cased and stripped of
        punctuation, is one of ``codebook.empty_answers`` ("n/a", "nothing", "-" ...) or has
        fewer than ``codebook.min_letters`` letters.

    Examples
    --------
    >>> import pandas as pd
    >>> empty_mask(pd.Series(["n/a", "The call helped", "-"])).tolist()
    [True, False, True]
    """
    ids, texts = _answers(answers, text, id, "empty_mask")
    return E.empty_flags(texts, E.compile_codebook(_book(codebook)))


def _seq(value: Sequence[str] | str) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
