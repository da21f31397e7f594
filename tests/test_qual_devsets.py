"""The development sets of the default codebook (regression guard, not an agreement estimate).

``tests/data/qual/dev_coded_answers_2.yaml`` (267 answers) and ``dev_coded_answers_3.yaml``
(294 answers, written and hand-coded per CODEBOOK.md before the issue-13 rule changes) were
used to tune the rules, so agreement on them is optimistic; the blind sets are kept apart and
never read here. Set 2's valence is read with ``dev_coded_answers_2_valence.yaml`` (its
answers re-coded by CODEBOOK.md's valence definitions). The floors are the values measured
when the rules of issue 13 were finished, rounded down to two decimals: they only catch
regressions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evaltool.qual import agreement, code, code_valence, load_codebook

DATA = Path(__file__).parent / "data" / "qual"


def load_dev(n: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(answers, human codings, human valence) of development set ``n`` (2 or 3)."""
    rows = yaml.safe_load((DATA / f"dev_coded_answers_{n}.yaml").read_text(encoding="utf-8"))["answers"]
    valence = {a["id"]: a["valence"] for a in rows}
    overlay = DATA / f"dev_coded_answers_{n}_valence.yaml"
    if overlay.exists():
        valence.update({r["id"]: r["valence"] for r in yaml.safe_load(overlay.read_text(encoding="utf-8"))["valence"]})
    answers = pd.DataFrame({"response_id": [a["id"] for a in rows], "question": [a["question"] for a in rows],
                            "text": [a["text"] for a in rows]})
    human = pd.DataFrame([(a["id"], c, "human") for a in rows for c in a["codes"]],
                         columns=["response_id", "code", "coder"])
    return answers, human, pd.Series(valence).reindex(answers["response_id"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def book():
    return load_codebook("resilience_training")


# (macro kappa, every code, valence kappa), measured when written
FLOORS = {2: (0.94, 0.79, 0.88), 3: (0.92, 0.85, 0.88)}


@pytest.mark.parametrize("n", [2, 3])
def test_development_set_agreement_does_not_regress(book, n):
    answers, human, valence = load_dev(n)
    rules = code(answers, book).assign(coder="rules")[["response_id", "code", "coder"]]
    res = agreement(human, rules, answers=answers, codes=book.code_ids).set_index("code")
    per_code = res.drop(index="(all codes)")["kappa"]
    macro, lowest, val_floor = FLOORS[n]
    assert per_code.mean() >= macro
    assert per_code.min() >= lowest, per_code.idxmin()
    v = code_valence(answers, book)["valence"]
    long = pd.concat([pd.DataFrame({"response_id": answers.response_id, "code": "valence", "value": valence,
                                    "coder": "human"}),
                      pd.DataFrame({"response_id": answers.response_id, "code": "valence", "value": v,
                                    "coder": "rules"})])
    got = agreement(long, answers=answers).set_index("code").loc["valence", "kappa"]
    assert got >= val_floor
    assert np.isclose(got, _kappa(valence.to_numpy(), v.to_numpy()))


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    cats = sorted(set(a) | set(b))
    t = np.zeros((len(cats), len(cats)))
    for x, y in zip(a, b, strict=True):
        t[cats.index(x), cats.index(y)] += 1
    t /= t.sum()
    po, pe = np.trace(t), float(t.sum(1) @ t.sum(0))
    return (po - pe) / (1 - pe)
