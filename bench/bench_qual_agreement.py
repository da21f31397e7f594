"""Qualitative arm, second half: inter-coder agreement, REFI-QDA exchange, coding by example.

* ``agreement()`` on 100,000 answers × 12 codes × 2 coders (long codings in), against the
  by-hand route on prebuilt matrices: ``sklearn.metrics.cohen_kappa_score`` and
  ``krippendorff.alpha(level_of_measurement="nominal")`` per code.
* ``to_qdpx()`` / ``read_qdpx()`` of 10,000 answers, against writing / reading the same texts
  as a bare ZIP (plus parsing ``project.qde``).
* ``train_coder()`` (5-fold cross-validation + final fit) on 2,000 answers × 3 codes, against
  the same features and classifier fitted once per code without cross-validation.

Data are generated in memory with fixed seeds (small enough not to need ``bench/_data``).
"""

from __future__ import annotations

import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd

from ._common import best_of, best_of_each, row

SEED = 20240611
WORDS = ("staff rota shift call coach group others safe family home sleep tired kind helpful "
         "long short room slides workload manager culture break colleague").split()


def _agreement_data(n: int, k: int) -> tuple[list[pd.DataFrame], pd.DataFrame, np.ndarray, list[str]]:
    rng = np.random.default_rng(SEED)
    codes = [f"code{i:02d}" for i in range(k)]
    truth = rng.random((k, n)) < 0.2
    frames, values = [], np.zeros((k, 2, n))
    ids = np.array([f"r{i}" for i in range(n)], dtype=object)
    for j in range(2):
        pres = truth ^ (rng.random((k, n)) < 0.05)
        values[:, j] = pres
        ci, ui = np.nonzero(pres)
        frames.append(pd.DataFrame({"response_id": ids[ui], "code": np.array(codes, dtype=object)[ci],
                                    "coder": f"coder{j}"}))
    return frames, pd.DataFrame({"response_id": ids}), values, codes


def _texts(n: int, rng: np.random.Generator) -> list[str]:
    return [" ".join(rng.choice(WORDS, rng.integers(8, 40))) + " 😀" for _ in range(n)]


def _project_data(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(SEED + 1)
    texts = _texts(n, rng)
    answers = pd.DataFrame({
        "response_id": [f"r{i}" for i in range(n)], "participant_id": [f"P{i // 3}" for i in range(n)],
        "timepoint": rng.choice(["T2", "T3", "T4"], n), "question": "feedback", "text": texts,
        "cohort": [f"C{(i // 3) % 8}" for i in range(n)],
    })
    rows = []
    for i, t in enumerate(texts):
        first = t.split(" ", 1)[0]
        for c in np.flatnonzero(rng.random(12) < 0.12):
            rows.append((f"r{i}", f"code{c:02d}", 0, len(first), first,
                         "rules" if rng.random() < 0.5 else "human"))
    codings = pd.DataFrame(rows, columns=["response_id", "code", "start", "end", "evidence", "coder"])
    return answers, codings


def _learn_data(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(SEED + 2)
    phrases = {"workload": ["short staffed", "relentless workload", "no breaks", "rota gaps"],
               "coaching_call": ["the coaching call", "one to one call", "the coach listened"],
               "group_learning": ["others felt the same", "the group shared", "safe space"]}
    rows, codings = [], []
    for i in range(n):
        parts = list(rng.choice(WORDS, rng.integers(3, 10)))
        for code, ph in phrases.items():
            if rng.random() < 0.3:
                parts.insert(int(rng.integers(len(parts) + 1)), ph[rng.integers(len(ph))])
                if rng.random() > 0.05:               # 5 % of the human's codings missed
                    codings.append((f"a{i}", code))
        rows.append((f"a{i}", " ".join(parts)))
    return (pd.DataFrame(rows, columns=["response_id", "text"]),
            pd.DataFrame(codings, columns=["response_id", "code"]))


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Time agreement, REFI-QDA export/import and train_coder against their baselines."""
    repeat = 1 if quick else 3
    return [*_bench_agreement(quick, repeat), *_bench_qdpx(quick, repeat), *_bench_learn(quick)]


def _bench_agreement(quick: bool, repeat: int) -> list[dict[str, Any]]:
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    from evaltool.qual.intercoder import agreement

    n, k = (2_000, 4) if quick else (100_000, 12)
    frames, answers, values, codes = _agreement_data(n, k)

    def by_hand() -> list[tuple[float, float]]:
        return [(cohen_kappa_score(values[c, 0], values[c, 1]),
                 krippendorff.alpha(reliability_data=values[c], level_of_measurement="nominal"))
                for c in range(k)]

    timed = best_of_each({"ours": lambda: agreement(*frames, answers=answers), "ref": by_hand}, repeat)
    res = timed["ours"][1].set_index("code")
    diff = max(max(abs(res.loc[c, "kappa"] - kr[0]), abs(res.loc[c, "alpha"] - kr[1]))
               for c, kr in zip(codes, timed["ref"][1], strict=True))
    n_codings = sum(len(f) for f in frames)
    return [row(
        f"agreement(): κ + SE/CI, α, % agreement per code + pooled ({n:,} answers × {k} codes × 2 "
        f"coders, {n_codings:,} codings)", timed["ours"][0],
        "per code: sklearn cohen_kappa_score + krippendorff.alpha(nominal) on prebuilt matrices",
        timed["ref"][0], "≤ 3× baseline", goal_ratio=3.0,
        note=f"agreement includes building the matrices from long codings; max |Δ| κ, α vs "
             f"sklearn/krippendorff = {diff:.1e}")]


def _bench_qdpx(quick: bool, repeat: int) -> list[dict[str, Any]]:
    from evaltool.qual.qdpx import read_qdpx, to_qdpx

    out = []
    n_ans = 300 if quick else 10_000
    answers, codings = _project_data(n_ans)
    with tempfile.TemporaryDirectory() as tmp:
        path, bare = Path(tmp) / "p.qdpx", Path(tmp) / "bare.zip"

        def export() -> Path:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")      # the emoji / data-loss notices
                return to_qdpx(answers, codings, None, path)

        def bare_zip() -> None:
            with zipfile.ZipFile(bare, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for i, t in enumerate(answers["text"]):
                    zf.writestr(f"sources/{i}.txt", t.encode("utf-8"))

        timed = best_of_each({"ours": export, "ref": bare_zip}, repeat)
        out.append(row(
            f"to_qdpx(): {n_ans:,} answers, {len(codings):,} codings, 2 coders → .qdpx", timed["ours"][0],
            "zipfile: the same texts written as a bare ZIP", timed["ref"][0], "≤ 10× baseline",
            goal_ratio=10.0, note=f"file size {path.stat().st_size / 1e6:.1f} MB"))

        def bare_read() -> Any:
            with zipfile.ZipFile(path) as zf:
                texts = [zf.read(nm).decode("utf-8") for nm in zf.namelist() if nm.endswith(".txt")]
                return ET.fromstring(zf.read("project.qde")), texts

        timed = best_of_each({"ours": lambda: read_qdpx(path), "ref": bare_read}, repeat)
        proj = timed["ours"][1]
        same = len(proj.codings) == len(codings) and len(proj.answers) == n_ans
        out.append(row(
            "read_qdpx(): the same project back to answers + codings + codebook", timed["ours"][0],
            "zipfile read of every member + ElementTree parse of project.qde", timed["ref"][0],
            "≤ 5× baseline", goal_ratio=5.0,
            note=f"round trip gives every coding back: {'yes' if same else 'NO'}"))
    return out


def _bench_learn(quick: bool) -> list[dict[str, Any]]:
    from evaltool.qual._learn_features import Featurizer, rule_features
    from evaltool.qual.codebook import load_codebook
    from evaltool.qual.learn import _base, train_coder

    n_learn = 300 if quick else 2_000
    answers, human = _learn_data(n_learn)
    texts = answers["text"].astype(str).tolist()
    book = load_codebook("resilience_training")
    labels = {c: answers["response_id"].isin(human.loc[human.code == c, "response_id"]).to_numpy()
              for c in sorted(set(human["code"]))}

    def fit_only() -> None:
        # the same features (rule hits + n-grams, fitted once) and one classifier per code
        rules, cols, _ = rule_features(texts, None, book)
        x = Featurizer().fit(texts, None, cols).transform(texts, None, rules)
        for y in labels.values():
            _base(0).fit(x, y)

    t_train, learned = best_of(lambda: train_coder(answers, human, cv=5, seed=0), 1)
    t_fit, _ = best_of(fit_only, 1)
    kappas = ", ".join(f"{r.code} {r.kappa:.3f}" for r in learned.cv_report.itertuples())
    return [row(
        f"train_coder(): 5-fold CV report + final fit, {n_learn:,} answers × {len(labels)} codes",
        t_train, "the same features and classifier fitted once per code (no CV)", t_fit, "≤ 8× baseline",
        goal_ratio=8.0, note=f"cross-validated κ vs the (5 % noisy) human coding: {kappas}")]
