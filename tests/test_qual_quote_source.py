"""Quotes read one at a time (evaltool.qual.outputs.quote_source) give exactly what the whole
exemplar table gives, redacting only the answers whose quotes are read.

The reference is the rule ``pick_quotes`` had before quotes were read lazily: build the whole
:func:`exemplar_quotes` table (``per_code + 6`` per code) and take each code's first quotes
that are long enough and not near-duplicates.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from evaltool.analysis.steps.quotes import pick_quotes
from evaltool.qual import _exemplars as X
from evaltool.qual import code, exemplar_quotes
from evaltool.qual.outputs import quote_source

_TEMPLATES = [
    "The coaching call with Dr Patel helped me a lot. Too long though, ring 07700 900123.",
    "My team debrief after bad shifts is better now, thanks to Sarah Jones on Ward 7.",
    "Please send the slides. The breathing exercise helped.",
    "Too long and too many sessions; more breaks please. The coaching call was useful.",
    "I use the breathing exercise before handover. Email jo.smith@nhs.net for the slides.",
    "The coaching call helped. The coaching call helped.",
    "Shorter sessions please, and a coaching call at Pinderfields would help.",
    "n/a",
]


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for i in range(48):
        rows.append({"response_id": f"r{i:02d}", "participant_id": f"P{i // 2:02d}",
                     "timepoint": "T2" if i % 2 else "T3", "question": "q1",
                     "cohort": "AB"[i % 3 == 0],
                     "text": _TEMPLATES[(i * 5) % len(_TEMPLATES)] + ("" if i % 4 else f" Thanks Priya {i}.")})
    answers = pd.DataFrame(rows)
    return answers, code(answers)


def _reference(codings: pd.DataFrame, answers: pd.DataFrame, codes: list[str], per_code: int,
               min_chars: int, used: set[str], limits: dict[str, int] | None) -> list[tuple[str, int, str, str]]:
    ex = exemplar_quotes(codings, answers, n=per_code + 6, redact=True, max_chars=160)
    when = dict(zip(answers["response_id"], answers["timepoint"], strict=True))
    out = []
    for c in codes:
        cap = per_code if limits is None else min(per_code, limits.get(c, 0))
        taken = 0
        for quote, rid in ex.loc[ex["code"] == c, ["quote", "response_id"]].itertuples(index=False):
            if taken >= cap:
                break
            key = re.sub(r"\W+", " ", quote.casefold()).strip()
            if len(quote) < min_chars or key in used:
                continue
            used.add(key)
            taken += 1
            out.append((c, taken, quote, when[rid]))
    return out


@pytest.mark.parametrize(("per_code", "min_chars", "capped"), [(1, 20, False), (2, 20, False), (2, 60, False),
                                                                (3, 10, True)])
def test_lazy_quotes_equal_the_whole_table(data, per_code, min_chars, capped):
    answers, codings = data
    codes = sorted(codings["code"].unique())
    assert len(codes) >= 3
    limits = None
    if capped:  # coaching calls capped at 1, one code hidden (0), the others at 2
        limits = {**{c: 2 for c in codes}, "coaching_call": 1, codes[-1]: 0}
    got = pick_quotes(codings, answers, codes, codebook="resilience_training", redact=True, per_code=per_code,
                      min_chars=min_chars, limits=limits)
    want = _reference(codings, answers, codes, per_code, min_chars, set(), limits)
    assert [(r["code"], r["rank"], r["quote"], r["timepoint"]) for r in got] == want
    assert len({c for c, *_ in want}) >= 2  # several codes have quotes to pick
    if capped:
        assert [c for c, *_ in want].count("coaching_call") == 1 and codes[-1] not in {c for c, *_ in want}


def test_groups_of_one_source_equal_a_source_per_group(data):
    answers, codings = data
    cohort = codings["response_id"].map(dict(zip(answers["response_id"], answers["cohort"], strict=True)))
    whole = quote_source(codings, answers, n=4, by=cohort.to_numpy())
    for g, ans in answers.groupby("cohort"):
        own = codings[codings["response_id"].isin(ans["response_id"])]
        alone = quote_source(own, ans.reset_index(drop=True), n=4)
        for c in codings["code"].unique():
            assert list(whole.quotes(c, 4, g)) == list(alone.quotes(c, 4))


def test_only_the_answers_read_are_redacted_and_each_once(data, monkeypatch):
    answers, codings = data
    seen: list[str] = []
    real = X._spans_one

    def counting(text, *args):
        seen.append(text)
        return real(text, *args)

    monkeypatch.setattr(X, "_spans_one", counting)
    src = quote_source(codings, answers, n=8)
    assert seen == []                                   # nothing redacted before a quote is read
    rank, rid, quote = next(src.quotes("coaching_call", 8))
    assert (rank, len(seen)) == (1, 1) and "Patel" not in quote
    everything = [q for c in codings["code"].unique() for q in src.quotes(c, 8)]
    n_first = len(seen)
    again = [q for c in codings["code"].unique() for q in src.quotes(c, 8)]
    assert everything == again and len(seen) == n_first  # read again: nothing redacted again
    assert n_first <= codings["response_id"].nunique()  # each answer at most once
