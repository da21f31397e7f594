"""Simulate the example study's people, waves and numeric answers (deterministic).

The model (README "True effects"): a person factor ``u`` drives baseline confidence,
resilience, knowledge and burnout; cohorts add random intercepts and a random shift in the
confidence gain; each person has their own confidence and resilience gains. Item answers are
latent values plus item offsets and noise, rounded and clipped to the response range.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from . import _design as d

_STREAMS = ("people", "attrition", "items", "missing", "meta", "ids", "text")


def streams(seed: int = d.SEED) -> dict[str, np.random.Generator]:
    """One independent generator per part of the simulation, all from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {name: np.random.default_rng(ss) for name, ss in zip(_STREAMS, children, strict=True)}


@dataclass
class People:
    pid: list[str]
    cohort: np.ndarray  # index into the cohort names (d.COHORTS for the example)
    profession: np.ndarray  # code 1..6
    u: np.ndarray  # general person factor
    call_happened: np.ndarray  # bool
    present: dict[str, np.ndarray]  # wave -> bool
    cc_gain: np.ndarray  # person's own confidence gain (deviation), used for text valence


@dataclass
class Response:
    wave: str
    person: int | None  # index into People, None for the preview row
    kind: str  # ok / preview / duplicate_first / unfinished
    answers: dict[str, object] = field(default_factory=dict)
    typed_id: str = ""
    start: dt.datetime = dt.datetime(2025, 1, 1)
    end: dt.datetime | None = None
    recorded: dt.datetime | None = None
    duration: int = 0
    progress: int = 100
    finished: int = 1
    status: int = 0
    response_id: str = ""
    ip: str = ""
    lat: str = ""
    lon: str = ""
    channel: str = "anonymous"


def _choose(rng: np.random.Generator, candidates: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    p = weights[candidates] / weights[candidates].sum()
    return np.sort(rng.choice(candidates, size=k, replace=False, p=p))


def make_people(rs: dict[str, np.random.Generator], size: d.Size = d.EXAMPLE_SIZE) -> People:
    rng = rs["people"]
    n = size.participants
    cohort = np.repeat(np.arange(size.cohorts), size.cohort_sizes())
    profession = rng.permutation(np.repeat(np.arange(1, 7), size.profession_counts()))
    u = rng.standard_normal(n)
    call_happened = np.ones(n, dtype=bool)
    call_happened[rng.choice(n, size=size.n_without_call(), replace=False)] = False
    cc_gain = rng.normal(0.0, 0.6, n)
    pid = [f"P{k:03d}" for k in range(1, n + 1)]
    return People(pid, cohort, profession, u, call_happened, {}, cc_gain)


def attrition(people: People, baseline_cc: np.ndarray, rng: np.random.Generator,
              size: d.Size = d.EXAMPLE_SIZE) -> None:
    """Who answers at each wave: 66 -> 62 -> 47 -> 33 (scaled to ``size``), lower baseline
    confidence leaves more."""
    n = len(people.pid)
    sizes = size.wave_sizes()
    back_t3, back_t4 = size.returners()
    z = (baseline_cc - baseline_cc.mean()) / baseline_cc.std()
    stay = np.exp(0.5 * z)  # mild: one SD of confidence ~ 1.6 times the odds of staying
    everyone = np.arange(n)
    t2 = np.ones(n, dtype=bool)
    t2[_choose(rng, everyone, n - sizes["T2"], 1.0 / stay)] = False
    t3_weight = stay * np.where(people.call_happened, 1.0, 0.35)
    t3 = np.zeros(n, dtype=bool)
    t3[_choose(rng, everyone[t2], sizes["T3"] - back_t3, t3_weight)] = True
    t3[_choose(rng, everyone[~t2], back_t3, t3_weight)] = True  # back after missing T2
    t4 = np.zeros(n, dtype=bool)
    t4[_choose(rng, everyone[t3], sizes["T4"] - back_t4, stay)] = True
    t4[_choose(rng, everyone[~t3 & t2], back_t4, stay)] = True
    people.present = {"T1": np.ones(n, dtype=bool), "T2": t2, "T3": t3, "T4": t4}


def _likert(latent: np.ndarray, low: int, high: int) -> np.ndarray:
    return np.clip(np.rint(latent), low, high).astype(int)


def simulate_items(people: People, rng: np.random.Generator,
                   n_cohorts: int = len(d.COHORTS)) -> dict[str, dict[str, np.ndarray]]:
    """Complete (no missing) item answers for every person at every wave: wave -> item -> codes."""
    n = len(people.pid)
    u = people.u
    k = n_cohorts
    coh = people.cohort
    c_level = rng.standard_normal(k)[coh]
    c_gain = rng.normal(0.0, 0.3, k)[coh]
    e = rng.standard_normal((4, n))

    cc_base = 5.1 + 1.3 * (0.8 * u + 0.6 * e[0]) + 0.35 * c_level
    brs_base = 3.30 + 0.55 * (0.7 * u + 0.71 * e[1]) + 0.10 * c_level
    theta = 0.6 * u + 0.8 * e[2]
    burn = -(0.75 * u + 0.66 * e[3])  # higher = more burnt out
    cbi_base = {"personal": 52 + 14 * burn, "work": 47 + 13 * burn, "patient": 30 + 11 * burn}
    brs_gain = rng.normal(0.0, 0.2, n)

    cc_off = np.array([0.3, -0.4, 0.1, 0.2, -0.2])
    brs_off = np.array([0.1, -0.1, 0.05, -0.15, 0.2, -0.1])
    rk_difficulty = np.array([-0.6, 0.2, -0.3, 0.5, -0.8, 0.3, 0.9, 0.0])

    out: dict[str, dict[str, np.ndarray]] = {}
    for t in d.WAVES:
        items: dict[str, np.ndarray] = {}
        shift = 0.0 if t == "T1" else d.TRUE_EFFECTS["cc"][t] + people.cc_gain + c_gain
        wave_noise = 0.0 if t == "T1" else rng.normal(0.0, 0.35, n)
        cc_level = cc_base + shift + wave_noise
        for j, (item, _) in enumerate(d.CC_ITEMS):
            items[item] = _likert(cc_level + cc_off[j] + rng.normal(0.0, 0.9, n), 0, 10)
        brs_level = brs_base + (0.0 if t == "T1" else d.TRUE_EFFECTS["brs"][t] + brs_gain)
        for j, item in enumerate(d.BRS_ITEMS):
            agree = _likert(brs_level + brs_off[j] + rng.normal(0.0, 0.6, n), 1, 5)
            items[item] = 6 - agree if item in d.BRS_REVERSED else agree
        if t in ("T1", "T2", "T4"):
            gain = d.TRUE_EFFECTS["rk"].get(t, 0.0)
            for j, q in enumerate(d.QUIZ_ITEMS):
                p = 1.0 / (1.0 + np.exp(-(0.05 + 0.9 * theta - rk_difficulty[j] + gain)))
                correct = rng.random(n) < p
                wrong = rng.integers(1, 4, n)  # 1..3 -> one of the three wrong options
                wrong = np.where(wrong >= q.correct, wrong + 1, wrong)
                items[q.item] = np.where(correct, q.correct, wrong)
        if t in ("T1", "T4"):
            for sub, base in cbi_base.items():
                level = base + (d.TRUE_EFFECTS[f"cbi_{sub}"]["T4"] if t == "T4" else 0.0)
                level = level + (rng.normal(0.0, 6.0, n) if t == "T4" else 0.0)
                for item in d.CBI_SUBSCALES[sub]:
                    spec = next(i for i in d.CBI_ITEMS if i.item == item)
                    steps = np.clip(np.rint((level + rng.normal(0.0, 16.0, n)) / 25.0), 0, 4)
                    # printed order: code 1 = Always / very high degree = 100 burnout; the
                    # reverse-keyed item (energy for family and friends) runs the other way
                    items[item] = (1 + steps if spec.reverse else 5 - steps).astype(int)
        out[t] = items
    return out


def baseline_confidence(items: dict[str, dict[str, np.ndarray]]) -> np.ndarray:
    return np.mean([items["T1"][i] for i, _ in d.CC_ITEMS], axis=0)


# --- timing ------------------------------------------------------------------------------


def _date(s: str) -> dt.datetime:
    return dt.datetime.strptime(s, "%Y-%m-%d")


def wave_times(people: People, rng: np.random.Generator,
               dates: tuple[str, ...] = d.WORKSHOP_DATES) -> dict[str, list[dt.datetime]]:
    """Start time of each person's survey at each wave (fixed dates in 2025; ``dates`` are
    the cohorts' workshop days)."""
    n = len(people.pid)
    days = [_date(s) for s in dates]
    workshop = [days[c] for c in people.cohort]
    before = rng.integers(1, 11, n)
    t1_minutes = rng.integers(7 * 60, 23 * 60, n)
    t2_minutes = 13 * 60 + rng.integers(0, 300, n)
    call_after = rng.integers(7, 22, n)
    t3_after = rng.integers(0, 3, n)
    t3_minutes = rng.integers(8 * 60, 22 * 60, n)
    t4_after = rng.integers(28, 43, n)
    t4_minutes = rng.integers(7 * 60, 23 * 60, n)
    m = dt.timedelta(minutes=1)
    sec = rng.integers(0, 60, (4, n))
    day = dt.timedelta(days=1)
    t1 = [w - int(b) * day + int(x) * m for w, b, x in zip(workshop, before, t1_minutes, strict=True)]
    t2 = [w + int(x) * m for w, x in zip(workshop, t2_minutes, strict=True)]
    t3 = [w + int(a + b) * day + int(x) * m
          for w, a, b, x in zip(workshop, call_after, t3_after, t3_minutes, strict=True)]
    t4 = [s.replace(hour=0, minute=0) + int(a) * day + int(x) * m
          for s, a, x in zip(t1, t4_after, t4_minutes, strict=True)]
    one_sec = dt.timedelta(seconds=1)
    out = {"T1": t1, "T2": t2, "T3": t3, "T4": t4}
    return {w: [t + int(x) * one_sec for t, x in zip(ts, sec[k], strict=True)]
            for k, (w, ts) in enumerate(out.items())}
