"""Qualitative arm, first half: rule coding, valence and redaction of free-text answers.

* ``code()`` on 200,000 DISTINCT generated answers (no duplicates), in one process and with
  ``n_jobs=-1``, beside the figure for the 100,000 answers with duplicates below;
* ``code()`` with the default codebook (12 codes, ~600 phrases) on 100,000 generated answers,
  against the naive route a user would write: one ``re.search`` per rule per answer (each
  phrase compiled on its own, case-insensitive), run on a 5,000-answer subset and extrapolated.
* ``compile_codebook()`` read from the disk cache, against compiling from scratch.
* ``code_valence()`` on the same answers.
* ``redact()`` on 100,000 answers.

Answers are generated deterministically (fixed seed) to look like evaluation feedback: 10 %
empty-ish ("n/a", "-"), 20 % short ratings ("Very useful"), 70 % one to four sentences mixing
sentences about the themes (with varied fillers: professions, names, times, techniques) and
sentences about nothing in the codebook. Few answers repeat (see ``note``).
"""

from __future__ import annotations

import random
import re
from typing import Any

import pandas as pd

from ._common import best_of, best_of_each, row

SEED = 20240612

EMPTY = ["n/a", "N/A", "-", "none", "Nothing", "no", ".", "na", "No comment", "nothing to add"]
SHORT = ["Very useful", "Good", "Great session, thanks", "Really enjoyed it", "Excellent",
         "Thank you", "Helpful", "It was ok", "Not for me", "Brilliant day", "Fine",
         "Useful overall", "Loved it", "Interesting", "Could be better", "Informative"]
PROF = ["paramedic", "midwife", "student midwife", "junior doctor", "sonographer", "nurse",
        "physician associate student", "mammographer", "HCA", "ODP"]
NAME = ["Sarah", "Tom", "Priya", "Jo", "Mohammed", "Claire", "Dave", "Aisha", "Ben", "Kate"]
TECH = ["thinking traps", "breathing exercise", "reframing", "coping plan", "journaling",
        "ABC model", "three good things", "circle of control", "grounding technique"]
TIME = ["three weeks", "a month", "two months", "six weeks", "a fortnight", "ten days"]
PLACE = ["labour ward", "A&E", "ICU", "the station", "theatres", "the community", "clinic"]
THEME = [
    "The {t} really helped me when things got busy on {p}.",
    "I use the {t} most days now, even at home with my {f}.",
    "My coaching call came {w} after the workshop which felt too late.",
    "The 1:1 call with {n} was the most useful part for me.",
    "Never got my follow up call, {w} later and still waiting.",
    "Hearing that other {r}s felt the same was reassuring.",
    "Great mix of professions in the group, it felt like a safe space.",
    "Too long for a day off and the room was freezing.",
    "Zoom kept cutting out so I missed half of it, would prefer face to face.",
    "The facilitator was engaging and knew her stuff.",
    "We are always short staffed on {p} and no training fixes the rota.",
    "Management need to listen rather than send us on courses.",
    "It made me realise resilience isn't about toughing it out.",
    "Everyone makes mistakes and it's ok to feel upset after a bad shift.",
    "I feel more confident dealing with difficult situations as a {r}.",
    "I'm learning to be kinder to myself and less of a perfectionist.",
    "Since then our team does a quick debrief after difficult jobs.",
    "I talk things through with my crewmate {n} more now.",
    "Not very relevant to {r}s, more examples from our area please.",
    "The case studies matched my job as a {r} really well.",
    "A refresher in {w} would be good.",
    "Managers should do this course too.",
    "Please send the slides.",
    "It helped me get through my exams.",
    "Wasn't sure the call added much to be honest.",
    "Useful but far too much content for one afternoon.",
    "Not sure it changed anything for me.",
    "I was sceptical about resilience training at first.",
]
OTHER = [
    "I work nights on {p}.", "I've been qualified for {k} years.", "We had a new starter this week.",
    "The weather was awful on the day.", "I came with {n} from my team.", "I moved to {p} last year.",
    "It was my first course since the pandemic.", "Parking was easy enough.",
    "I had just finished a set of lates.", "There were {k} of us on the day.",
]
FAMILY = ["partner", "kids", "husband", "wife", "mum", "flatmate"]
OPEN = ["", "", "", "Overall ", "Honestly ", "To be honest ", "I think ", "On reflection ",
        "As a {r}, ", "Day {k}: ", "After {w}, ", "Looking back, "]
TAIL = ["", "", "", "", " Thanks {n}!", " Cheers.", " ({k}/10)", " x", " - {n}",
        " Would come again.", " Ward {k} says hi.", " Still thinking about it {w} on."]
FILLER = ["really", "quite", "honestly", "actually", "genuinely", "a bit", "so", "very", "kind of"]


def make_answers(n: int, seed: int = SEED) -> list[str]:
    """``n`` generated feedback answers (deterministic)."""
    rng = random.Random(seed)

    def fill(s: str) -> str:
        return s.format(t=rng.choice(TECH), p=rng.choice(PLACE), f=rng.choice(FAMILY),
                        w=rng.choice(TIME), n=rng.choice(NAME), r=rng.choice(PROF),
                        k=rng.randint(2, 25))

    out = []
    for _ in range(n):
        u = rng.random()
        if u < 0.10:
            out.append(rng.choice(EMPTY))
        elif u < 0.30:
            out.append(rng.choice(SHORT) + rng.choice(["", ".", "!", " :)", " 😊"]))
        else:
            parts = []
            for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
                pool = THEME if rng.random() < 0.6 else OTHER
                parts.append(fill(rng.choice(pool)))
            text = fill(rng.choice(OPEN)) + " ".join(parts) + fill(rng.choice(TAIL))
            words = text.split(" ")
            for _ in range(rng.randint(0, 2)):  # a filler word somewhere
                words.insert(rng.randrange(len(words) + 1), rng.choice(FILLER))
            text = " ".join(words)
            if rng.random() < 0.2:
                text = text.lower()
            out.append(text)
    return out


def make_distinct_answers(n: int, seed: int = SEED) -> list[str]:
    """``n`` generated answers, all different (deterministic): the answers of
    :func:`make_answers` in order, each kept only the first time it appears, with further
    seeds until there are ``n``. Short and empty answers repeat in real data; here they are
    used once, so the set leans to longer answers (harder to code)."""
    seen: dict[str, None] = {}
    k = 0
    while len(seen) < n:
        for t in make_answers(n, seed + k):
            if t not in seen:
                seen[t] = None
                if len(seen) == n:
                    break
        k += 1
    return list(seen)


def _naive_coder(codebook: Any) -> Any:
    """The baseline: every phrase of every rule as its own case-insensitive regex."""
    from evaltool.qual import _patterns as P

    rules = []
    for c in codebook.flat_codes():
        for r in c.rules:
            phrases = list(r.phrases) + [s if s.endswith("*") else s + "*" for s in r.stems]
            if r.near is not None:
                phrases += r.near.phrases()
            for p in phrases:
                alts = P.phrase_atoms(p)
                src = P.compile_trie([(a, f"m{i}") for i, a in enumerate(alts)])
                rules.append((c.id, re.compile(src, re.IGNORECASE)))

    def run(texts: list[str]) -> int:
        n = 0
        for t in texts:
            for _, rx in rules:
                if rx.search(t):
                    n += 1
        return n

    return run


def _compile_row(book: Any, repeat: int) -> dict:
    """``compile_codebook()`` read from the disk cache (a fresh temporary cache folder, filled
    once) against compiling from scratch (cache off); in-process caches cleared each time."""
    import os
    import tempfile

    from evaltool.qual import _compile as K

    def fresh() -> Any:
        K._CACHE.clear()
        K._BY_CONTENT.clear()
        return K.compile_codebook(book)

    saved = os.environ.get("EVALTOOL_CACHE_DIR")
    try:
        with tempfile.TemporaryDirectory() as folder:
            os.environ["EVALTOOL_CACHE_DIR"] = "off"
            t_cold, _ = best_of(fresh, 1)
            os.environ["EVALTOOL_CACHE_DIR"] = folder
            fresh()  # fills the cache
            t_hot, _ = best_of(fresh, repeat)
    finally:
        if saved is None:
            os.environ.pop("EVALTOOL_CACHE_DIR", None)
        else:
            os.environ["EVALTOOL_CACHE_DIR"] = saved
    return row("compile_codebook() default codebook, from the disk cache", t_hot,
               "compiled from scratch (cache off)", t_cold, "≤ 0.25 s", goal_seconds=0.25,
               note=f"{t_cold / t_hot:,.0f}× faster than compiling; once per machine and codebook")


def run(quick: bool = False) -> list[dict]:
    from evaltool.qual import code, code_valence, load_codebook, redact

    n = 2_000 if quick else 100_000
    n_base = 200 if quick else 5_000
    texts = make_answers(n)
    answers = pd.DataFrame({"response_id": range(n), "text": texts})
    book = load_codebook("resilience_training")
    code(answers.head(50), book)  # compile once, outside the timing
    naive = _naive_coder(book)
    repeat = 1 if quick else 3
    import os

    cpus = os.cpu_count() or 1
    timed = best_of_each({
        "code": lambda: code(answers, book),
        "code_jobs": lambda: code(answers, book, n_jobs=-1),
        "naive": lambda: naive(texts[:n_base]),
    }, repeat=repeat)
    t_code, codings = timed["code"]
    t_jobs, codings_jobs = timed["code_jobs"]
    t_naive = timed["naive"][0] * n / n_base
    distinct = len(set(texts)) / n
    same = codings.equals(codings_jobs)
    rows = [row(
        f"code() default codebook, one process ({n:,} answers)", t_code,
        f"re.search per rule per answer ({n_base:,}-answer subset, extrapolated)", t_naive,
        "≥ 20,000 answers/s", goal_seconds=n / 20_000,
        note=(f"{n / t_code:,.0f} answers/s; {len(codings):,} codings; "
              f"{distinct:.0%} of answers distinct; {t_naive / t_code:,.0f}× faster than the baseline"),
    ), row(
        f"code(n_jobs=-1), {cpus} CPU(s) ({n:,} answers)", t_jobs,
        "code() in one process", t_code, "≥ 20,000 answers/s", goal_seconds=n / 20_000,
        note=f"{n / t_jobs:,.0f} answers/s; same codings as one process: {'yes' if same else 'NO'}",
    )]
    # distinct texts: code() codes each distinct text once, so duplicates flatter the figure
    n_distinct = 2_000 if quick else 200_000
    distinct_texts = make_distinct_answers(n_distinct)
    assert len(set(distinct_texts)) == n_distinct
    dist = pd.DataFrame({"response_id": range(n_distinct), "text": distinct_texts})
    timed_d = best_of_each({
        "one": lambda: code(dist, book),
        "jobs": lambda: code(dist, book, n_jobs=-1),
    }, repeat=repeat)
    t_d, cod_d = timed_d["one"]
    t_dj, cod_dj = timed_d["jobs"]
    rows.append(row(
        f"code() on {n_distinct:,} DISTINCT answers, one process", t_d,
        f"code() on {n:,} answers, {distinct:.0%} distinct (per answer)", t_code * n_distinct / n,
        "≥ 20,000 answers/s", goal_seconds=n_distinct / 20_000,
        note=(f"{n_distinct / t_d:,.0f} answers/s distinct vs {n / t_code:,.0f} answers/s with "
              f"duplicates; {len(cod_d):,} codings"),
    ))
    rows.append(row(
        f"code(n_jobs=-1) on {n_distinct:,} DISTINCT answers, {cpus} CPU(s)", t_dj,
        "code() in one process, distinct answers", t_d, "≥ 20,000 answers/s",
        goal_seconds=n_distinct / 20_000,
        note=(f"{n_distinct / t_dj:,.0f} answers/s; same codings as one process: "
              f"{'yes' if cod_d.equals(cod_dj) else 'NO'}"),
    ))
    rows.append(_compile_row(book, repeat))
    t_val, _ = best_of(lambda: code_valence(answers, book), repeat)
    rows.append(row(f"code_valence() ({n:,} answers)", t_val, "none", None, "information",
                    note=f"{n / t_val:,.0f} answers/s"))
    t_red, _ = best_of(lambda: redact(answers["text"]), repeat)
    rows.append(row(f"redact() ({n:,} answers)", t_red, "none", None, "information",
                    note=f"{n / t_red:,.0f} answers/s"))
    return rows
