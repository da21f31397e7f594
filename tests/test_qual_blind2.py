"""Blind set 2 (issue 13, "Done when"): the coder against people who never saw its rules.

``tests/data/qual/blind2_coded_answers.yaml``: 266 answers written and coded from the codebook
page alone by a helper who never saw the rules; ``blind2_pii.yaml``: 263 texts with identifying
details planted by a second helper (spans marked by kind). Neither was used to write or tune
rules; the metrics are in ``tests/_blind_metrics.py``.

Measured on 2026-12-06 after the val13 and redact13 work (the first measurement, before qual13,
in brackets):

* rule coder, macro κ over 12 codes with the question: 0.801 (0.757), weakest code 0.665
  (reframing_resilience);
* coding by example (trained on a random half, tested on the other half, 5 splits), the model
  alone: 0.771 (≈ 0.04); what the coder chose per code: 0.796;
* valence (4 categories), Cohen's κ: 0.652 (0.28), agreement 77.1 %;
* redaction: 255 of 268 planted spans removed, recall 0.951 (0.64); other words removed 0.13 %.

The floors below are the measured values rounded down (valence and redaction: the issue's
goals, which the measured values just clear): a regression guard, not a target.
"""

from __future__ import annotations

import warnings

import pytest
from _blind_metrics import (
    BLIND2,
    BLIND2_PII,
    model_agreement,
    redaction_recall,
    rule_agreement,
    valence_kappa,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("blind2")]


def test_rule_coder_on_blind_set_2() -> None:
    k = rule_agreement(BLIND2)
    assert k.mean() >= 0.80
    assert k.min() >= 0.66, k.round(3).to_dict()


def test_coding_by_example_on_blind_set_2() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = model_agreement(BLIND2, mode="model")
    assert alone.mean() >= 0.76, alone.round(3).to_dict()


def test_valence_on_blind_set_2() -> None:
    kappa, agree = valence_kappa(BLIND2)
    assert kappa >= 0.65 and agree >= 0.77


def test_redaction_on_blind_set_2() -> None:
    by_kind, other = redaction_recall(BLIND2_PII)
    assert by_kind.loc["(all)", "recall"] >= 0.95, by_kind["recall"].round(2).to_dict()
    assert other <= 0.01
