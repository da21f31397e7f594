"""Features for coding by example (private): rule hits, valence evidence, n-grams, question.

:class:`Featurizer` turns answers into one sparse matrix per call:

* **rule hits** of the codebook's rule coder, per code: any non-negated match, matches that
  are all negated, and a question-context coding (so a model can learn where the rules are
  right for this team and where they are not);
* **valence evidence** of :func:`evaltool.qual._valence.answer_valence`: counts of positive,
  negative, mixed, sarcasm, proposal and administrative terms (capped at 3) and the rule
  valence as one-hot;
* **word** 1–2-grams and **character** 3–5-grams within word boundaries (TF-IDF, sublinear tf,
  characters seen in two answers or more; each block L2-normalised), fitted on the training
  answers only;
* the **question** (one-hot on its id or label; unseen questions are all zeros).

Rule and valence features do not depend on the training data (no fitting), so they are
computed once per answer and reused across folds. scikit-learn is imported when used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from . import _engine as E
from . import _valence as V
from .codebook import Codebook

__all__ = ["Featurizer", "rule_features"]

_VALENCES = ("positive", "negative", "mixed", "neutral")


def rule_features(texts: list[str], questions: list[str] | None, book: Codebook | None
                  ) -> tuple[np.ndarray, list[str], pd.DataFrame]:
    """(matrix, column names, rule codings) of the codebook's rules on ``texts``.

    The rule codings (``response_id`` = position) are returned so that callers can reuse
    them as evidence.
    """
    from .coder import code

    n = len(texts)
    if book is None:
        return np.zeros((n, 0)), [], pd.DataFrame(columns=[C.RESPONSE_ID, C.CODE])
    frame = pd.DataFrame({C.RESPONSE_ID: np.arange(n), C.TEXT: texts})
    if questions is not None:
        frame[C.QUESTION] = questions
    codings = code(frame, book)
    comp = E.compile_codebook(book)
    ids = [cm.code for cm in comp.codes]
    cols: list[str] = []
    blocks: list[np.ndarray] = []
    rid = codings[C.RESPONSE_ID].to_numpy(dtype=np.int64)
    codes = codings[C.CODE].to_numpy(dtype=object)
    negated = codings["negated"].to_numpy(dtype=bool)
    qc = (codings[C.RULE] == V.QUESTION_CONTEXT).to_numpy()
    for cid in ids:
        m = codes == cid
        hit = np.zeros(n)
        hit[rid[m & ~negated & ~qc]] = 1.0
        neg = np.zeros(n)
        neg[rid[m & negated]] = 1.0
        neg[hit > 0] = 0.0
        ctx = np.zeros(n)
        ctx[rid[m & qc]] = 1.0
        blocks += [hit, neg, ctx]
        cols += [f"rule:{cid}", f"rule_negated:{cid}", f"question_context:{cid}"]
    if comp.valence is not None:
        val = V.answer_valence(texts, questions, comp)
        for j, name in enumerate(V.FEATURES):
            blocks.append(np.minimum(val.features[:, j], 3) / 3.0)
            cols.append(f"valence_terms:{name}")
        for lab in _VALENCES:
            blocks.append((val.label == lab).astype(float))
            cols.append(f"valence_rule:{lab}")
    return np.column_stack(blocks) if blocks else np.zeros((n, 0)), cols, codings


@dataclass
class Featurizer:
    """Fitted text vectorisers and question vocabulary; rule features are passed in."""

    words: Any = None
    chars: Any = None
    questions: list[str] = field(default_factory=list)
    rule_columns: list[str] = field(default_factory=list)
    rule_weight: float = 1.0

    def fit(self, texts: list[str], questions: list[str] | None, rule_columns: list[str]) -> Featurizer:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                     lowercase=True, token_pattern=r"(?u)\b\w[\w'’]*\b")
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                     lowercase=True, min_df=2)
        docs = [t if t.strip() else "_" for t in texts]
        self.words.fit(docs)
        self.chars.fit(docs)
        self.questions = sorted(set(questions)) if questions is not None else []
        self.rule_columns = list(rule_columns)
        return self

    def transform(self, texts: list[str], questions: list[str] | None, rules: np.ndarray) -> Any:
        import scipy.sparse as sp

        docs = [t if t.strip() else "_" for t in texts]
        parts = [self.words.transform(docs), self.chars.transform(docs)]
        if rules.shape[1]:
            parts.append(sp.csr_matrix(rules * self.rule_weight))
        if self.questions:
            q = np.zeros((len(texts), len(self.questions)))
            if questions is not None:
                index = {v: i for i, v in enumerate(self.questions)}
                for r, v in enumerate(questions):
                    if v in index:
                        q[r, index[v]] = 1.0
            parts.append(sp.csr_matrix(q))
        return sp.hstack(parts, format="csr")
