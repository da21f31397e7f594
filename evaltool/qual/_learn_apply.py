"""Applying one code of a learned coder (private; see :func:`evaltool.qual.learn.apply_coder`):
which rule spans are kept, which answers the model alone codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import ParameterError
from ._learn_input import key_of
from ._learn_models import PROBABILITY

BASIS = "basis"


def rule_positions(rc: pd.DataFrame, keys: np.ndarray) -> np.ndarray:
    """Position in the answers of each rule coding (an error if one is not in the answers)."""
    if not len(rc):
        return np.zeros(0, dtype=np.int64)
    pos_of = {k: i for i, k in enumerate(keys)}
    rpos = np.array([pos_of.get(key_of(v), -1) for v in rc[C.RESPONSE_ID]], dtype=np.int64)
    if (rpos < 0).any():
        raise ParameterError(f"{int((rpos < 0).sum())} rule coding(s) refer to answers that are "
                             "not in the answers.", fix="pass the codings of these answers.")
    return rpos


def code_parts(code: str, how: str, p: np.ndarray | None, hit: np.ndarray, rc: pd.DataFrame,
               rpos: np.ndarray, ids: np.ndarray, texts: list[str]) -> list[pd.DataFrame]:
    """The codings of one code decided ``how``: rule spans kept (``rule``, ``rule+model``) and
    whole answers the model alone codes (``model``); ``_pos`` is the answer's position."""
    parts = []
    sel = np.flatnonzero((rc[C.CODE].astype(str) == code).to_numpy()) if len(rc) else np.zeros(0, np.int64)
    keep_rule = sel if how in ("rules", "rules_or_model") else sel[hit[rpos[sel]]]
    if len(keep_rule):
        r = rc.iloc[keep_rule]
        pr = p[rpos[keep_rule]] if p is not None else np.full(len(keep_rule), np.nan)
        parts.append(pd.DataFrame({
            C.RESPONSE_ID: ids[rpos[keep_rule]], C.CODE: code,
            C.START: r[C.START].to_numpy(), C.END: r[C.END].to_numpy(),
            C.EVIDENCE: r[C.EVIDENCE].to_numpy(dtype=object) if C.EVIDENCE in r else None,
            PROBABILITY: pr,
            BASIS: np.where(hit[rpos[keep_rule]], "rule+model", "rule"),
            C.RULE: r[C.RULE].to_numpy(dtype=object) if C.RULE in r else None, "_pos": rpos[keep_rule],
        }))
    if how != "rules" and p is not None:
        covered = set(rpos[keep_rule].tolist())
        only = np.array([i for i in np.flatnonzero(hit) if i not in covered], dtype=np.int64)
        if len(only):
            parts.append(pd.DataFrame({
                C.RESPONSE_ID: ids[only], C.CODE: code, C.START: 0,
                C.END: [len(texts[i]) for i in only], C.EVIDENCE: [texts[i] for i in only],
                PROBABILITY: p[only], BASIS: "model", C.RULE: None, "_pos": only,
            }))
    return parts
