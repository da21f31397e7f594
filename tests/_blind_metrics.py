"""Agreement of evaltool's automatic coding with blind human coding, and redaction recall.

Shared by tests/test_qual_blind2.py and the closing-note measurements. The blind sets were
written by people who never saw the coder's rules (see each file's header); nothing here may
be used to write or tune rules.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

DATA = Path(__file__).parent / "data" / "qual"
BLIND2 = DATA / "blind2_coded_answers.yaml"
BLIND2_PII = DATA / "blind2_pii.yaml"
HELDOUT = DATA / "heldout_coded_answers.yaml"


def load_coded(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answers: response_id, question, text, valence; human codings: response_id, code, coder)."""
    d = yaml.safe_load(path.read_text(encoding="utf-8"))
    answers = pd.DataFrame(d["answers"]).rename(columns={"id": "response_id"})
    human = pd.DataFrame([{"response_id": r.response_id, "code": c, "coder": "human"}
                          for r in answers.itertuples() for c in r.codes], columns=["response_id", "code", "coder"])
    return answers, human


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's κ of two 0/1 vectors (1 when both are constant and equal)."""
    from sklearn.metrics import cohen_kappa_score

    if len(set(a) | set(b)) == 1:
        return 1.0
    return float(cohen_kappa_score(a, b))


def per_code_kappa(answers: pd.DataFrame, human: pd.DataFrame, machine: pd.DataFrame, codes: list[str]) -> pd.Series:
    """κ per code over all answers (unit = answer × code)."""
    ids = list(answers["response_id"])
    out = {}
    for c in codes:
        h = set(human.loc[human["code"] == c, "response_id"])
        m = set(machine.loc[machine["code"] == c, "response_id"])
        out[c] = _kappa(np.array([i in h for i in ids], int), np.array([i in m for i in ids], int))
    return pd.Series(out, name="kappa")


def rule_agreement(path: Path, with_question: bool = True) -> pd.Series:
    from evaltool.qual import code, load_codebook

    answers, human = load_coded(path)
    codes = load_codebook("resilience_training").code_ids
    frame = answers if with_question else answers.drop(columns=["question"])
    return per_code_kappa(answers, human, code(frame), codes)


def valence_kappa(path: Path) -> tuple[float, float]:
    """(κ, % agreement) of the rule valence with the human valence (4 categories)."""
    from sklearn.metrics import cohen_kappa_score

    from evaltool.qual import code_valence

    answers, _ = load_coded(path)
    v = code_valence(answers).merge(answers[["response_id", "valence"]], on="response_id", suffixes=("_m", "_h"))
    return float(cohen_kappa_score(v["valence_h"], v["valence_m"])), float((v["valence_h"] == v["valence_m"]).mean())


def model_agreement(path: Path, splits: int = 5, seed: int = 0, mode: str = "model") -> pd.Series:
    """Coding by example, trained on a random half of the blind set and tested on the other half
    (``splits`` times; κ per code averaged). ``mode``: ``"model"`` applies every trained
    classifier alone (rule hits are among its features, but a rule hit the classifier rejects
    is dropped); ``"chosen"`` applies what the coder chose per code (rules, model or both);
    ``"rules"`` is the rule coder on the same halves, for comparison."""
    import dataclasses

    from evaltool.qual import apply_coder, code, load_codebook, train_coder

    answers, human = load_coded(path)
    codes = load_codebook("resilience_training").code_ids
    rng = np.random.default_rng(seed)
    ks = []
    for _ in range(splits):
        ids = answers["response_id"].to_numpy()
        train = set(rng.choice(ids, size=len(ids) // 2, replace=False))
        tr, te = answers[answers["response_id"].isin(train)], answers[~answers["response_id"].isin(train)]
        te_human = human[~human["response_id"].isin(train)]
        if mode == "rules":
            ks.append(per_code_kappa(te, te_human, code(te), codes))
            continue
        coder = train_coder(tr, human[human["response_id"].isin(train)], codes=codes, seed=seed)
        if mode == "model":
            decisions = {c: ("model" if d in ("model", "rules", "rules_or_model") and c in coder.models else d)
                         for c, d in coder.decisions.items()}
            coder = dataclasses.replace(coder, decisions=decisions)
        ks.append(per_code_kappa(te, te_human, apply_coder(coder, te), codes))
    return pd.concat(ks, axis=1).mean(axis=1)


def redaction_recall(path: Path = BLIND2_PII) -> tuple[pd.DataFrame, float]:
    """Per kind: spans, fully removed, recall; and the share of other words removed.

    A span counts as removed when none of its word characters survive in the redacted text at
    its place (the redacted text must not contain the span's text). Other words: words outside
    every span that are missing from the redacted text.
    """
    from evaltool.qual import redact

    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
    rows = []
    other_total = other_removed = 0
    for case in cases:
        text = case["text"]
        out = str(redact(text))
        spans = []
        for sp in case["spans"]:
            occ = int(sp.get("occurrence", 1))
            start = -1
            for _ in range(occ):
                start = text.find(sp["text"], start + 1)
            spans.append((start, start + len(sp["text"]), sp))
        for s, e, sp in spans:
            tokens = re.findall(r"\w+", sp["text"])
            leaked = [t for t in tokens if len(t) > 1 and re.search(rf"(?<!\w){re.escape(t)}(?!\w)", out)]
            rows.append({"kind": sp["kind"], "removed": not leaked})
        covered = np.zeros(len(text), bool)
        for s, e, _ in spans:
            covered[s:e] = True
        out_words = re.findall(r"\w+", out)
        out_count: dict[str, int] = {}
        for w in out_words:
            out_count[w] = out_count.get(w, 0) + 1
        for m in re.finditer(r"\w+", text):
            if covered[m.start():m.end()].any():
                continue
            other_total += 1
            if out_count.get(m.group(0), 0) > 0:
                out_count[m.group(0)] -= 1
            else:
                other_removed += 1
    df = pd.DataFrame(rows)
    by_kind = df.groupby("kind")["removed"].agg(["size", "sum", "mean"]).rename(
        columns={"size": "spans", "sum": "removed", "mean": "recall"})
    by_kind.loc["(all)"] = [len(df), int(df["removed"].sum()), float(df["removed"].mean())]
    return by_kind, other_removed / max(other_total, 1)
