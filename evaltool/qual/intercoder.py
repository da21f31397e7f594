"""Agreement between coders of free-text answers (docs/statistics.md, "Agreement between coders").

The unit is one answer × one code, valued *present* (the coder gave the code to the answer at
least once) or *absent* (the coder saw the answer and did not give the code). A code whose
codings carry a ``value`` (valence: positive, negative, mixed, neutral) is a *multi-category*
code: the unit is the answer and its value is the category the coder gave (missing when the
coder gave none). An answer that
a coder did not see is *missing* for that coder — so the set of answers each coder saw must be
known: pass ``units`` (which answers each coder coded) or ``answers`` (every coder saw every
answer). Per code the result gives percent agreement, Cohen's κ with the large-sample standard
error of Fleiss, Cohen & Everitt (1969) (two coders) and Krippendorff's α for nominal data (two
or more coders, missing values allowed), plus a pooled row over every code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from .. import columns as C
from ..errors import ParameterError
from ._agreement_input import VALUE, _key, _values
from ._agreement_stats import cohen_kappa_table, krippendorff_alpha_nominal

__all__ = [
    "AGREEMENT_COLUMNS",
    "VALUE",
    "DISAGREEMENT_COLUMNS",
    "OVERALL",
    "agreement",
    "disagreements",
]

OVERALL = "(all codes)"
"""Value of the ``code`` column in the pooled row of :func:`agreement`."""

AGREEMENT_COLUMNS = (
    C.CODE, "n_coders", "n_units", "n_coded", "percent_agreement",
    "kappa", "kappa_se", "ci_low", "ci_high", "alpha", "method", "note",
)
"""Columns of :func:`agreement`, one row per code then the pooled row (``code == OVERALL``):

- ``code``
- ``n_coders``: coders compared.
- ``n_units``: answers with values from at least two coders (for two coders: complete pairs).
- ``n_coded``: of these, answers on which at least one coder marked the code present.
- ``percent_agreement``: share of ``n_units`` on which every coder who saw the answer gave the
  same value (0–1).
- ``kappa``, ``kappa_se``, ``ci_low``, ``ci_high``: Cohen's κ with its large-sample SE and Wald
  CI (two coders only; NaN otherwise).
- ``alpha``: Krippendorff's α, nominal.
- ``method``: what was computed.
- ``note``: why a coefficient is undefined, or "perfect agreement"; empty otherwise.
"""
AGREEMENT_METHOD = """What :func:`agreement` computes.

Unit = answer × code, present/absent. κ = (p_o − p_e) / (1 − p_e) (Cohen 1960) on the 2 × 2
table of complete pairs; SE from Fleiss, Cohen & Everitt (1969):
Var(κ) = [Σ_i p_ii (1 − (p_i. + p_.i)(1 − κ))² + (1 − κ)² Σ_{i≠j} p_ij (p_.i + p_j.)²
− (κ − p_e (1 − κ))²] / [n (1 − p_e)²]; CI = κ ± z SE (not truncated at 1).
α (nominal) = 1 − (n − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k from the coincidence matrix
(Krippendorff 2011). The pooled row treats every answer × code as one unit of a single
binary variable. Both coefficients are undefined when only one value occurs (for example
a code nobody used): the row says so in ``note``.

A multi-category code (rows with a ``value``: valence, or any nominal variable): unit =
answer, value = the category a coder gave (an answer without a value from a coder is
missing for that coder). κ comes from the K × K table of the answers both coders valued,
with the same formula and SE; α (nominal) from the per-answer category counts;
``percent_agreement`` is the share of pairable answers on which all values agree;
``n_coded`` = ``n_units``. Multi-category codes are not part of the pooled row.

Checked against Cohen (1960, Table 1, three categories: κ = .492), the statpsych::ci.kappa
example, Krippendorff (2011, five categories: α = 0.743), ``sklearn.metrics.cohen_kappa_score``
and ``krippendorff.alpha(..., level_of_measurement="nominal")``.
"""
DISAGREEMENT_COLUMNS = (
    C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.CODE,
    "present_by", "absent_by", C.EVIDENCE, C.TEXT,
)
"""Columns of :func:`disagreements`, one row per disagreement: ``response_id``,
``participant_id``, ``timepoint``, ``question`` (missing without ``answers``), ``code``,
``present_by`` and ``absent_by`` (coder names joined by ", "), ``evidence`` ("coder: evidence"
for each coding that marked it present, joined by " | "), ``text``."""

_METHOD_TWO = "cohen_kappa (SE: Fleiss, Cohen & Everitt 1969; Wald CI); krippendorff_alpha nominal"
_METHOD_MANY = "krippendorff_alpha nominal"
_METHOD_CAT_TWO = ("cohen_kappa over {k} categories (SE: Fleiss, Cohen & Everitt 1969; Wald CI); "
                   "krippendorff_alpha nominal")
_METHOD_CAT_MANY = "krippendorff_alpha nominal over {k} categories"


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------
def agreement(
    *codings: pd.DataFrame | Mapping[str, pd.DataFrame],
    units: pd.DataFrame | Mapping[str, Iterable[Any]] | None = None,
    answers: pd.DataFrame | None = None,
    codes: Sequence[str] | Any | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Agreement between two or more coders, per code and overall.

    Parameters
    ----------
    *codings
        The coders' codings (columns ``response_id, code, coder``; ``start``, ``end``,
        ``evidence`` are not needed): one long frame holding several coders, one frame per
        coder, or a single dict ``{coder: codings}`` (then no ``coder`` column is needed).
        Rows with a ``value`` (a category, e.g. ``code="valence"``, ``value="positive"``)
        make their code a multi-category code (see Notes).
    units
        Which answers each coder coded: a frame with ``response_id, coder`` (one row per answer
        a coder saw) or a dict ``{coder: response_ids}``. An answer a coder saw but did not give
        a code to is *absent*; an answer the coder did not see is *missing*.
    answers
        The free-text answers (``response_id`` needed). Without ``units``, every coder is taken
        to have seen every answer in ``answers``. Without both, only answers that some coder
        coded are units (a warning says so).
    codes
        Code ids to report (in this order), or a Codebook; default: every code used.
        Codings with other codes are ignored.
    confidence
        Level of the κ confidence interval.

    Returns
    -------
    pandas.DataFrame
        One row per code, then a pooled row with ``code == "(all codes)"``; the columns are
        ``AGREEMENT_COLUMNS`` (described there).

    Notes
    -----
    The formulas (κ with its SE, α, the pooled row, multi-category codes) and the published
    examples they are checked against are in ``AGREEMENT_METHOD``. Inputs are not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"response_id": ["r1", "r2", "r3", "r4"]})
    >>> a = pd.DataFrame({"response_id": ["r1", "r2"], "code": "workload", "coder": "A"})
    >>> b = pd.DataFrame({"response_id": ["r1", "r3"], "code": "workload", "coder": "B"})
    >>> res = agreement(a, b, answers=answers)
    >>> res[["code", "n_units", "percent_agreement", "kappa", "alpha"]].round(3)
              code  n_units  percent_agreement  kappa  alpha
    0     workload        4                0.5    0.0  0.125
    1  (all codes)        4                0.5    0.0  0.125
    """
    if not (isinstance(confidence, float | int) and 0 < confidence < 1):
        raise ParameterError(
            f"The 'confidence' parameter of agreement() must be a number between 0 and 1. "
            f"Got {confidence!r} instead."
        )
    per_coder, coders, code_list, universe, seen, present = _values(
        codings, units, answers, codes, "agreement")
    n_coders = len(coders)
    categorical = _categorical_codes(per_coder, code_list)
    binary = np.array([c not in categorical for c in code_list], dtype=bool)
    m_u = seen.sum(axis=0)                               # values per answer
    n1 = (present & seen[None]).sum(axis=1)              # (codes, units): coders saying present
    counts = np.stack([m_u[None, :] - n1, n1], axis=-1)[:, m_u >= 2]  # (codes, pairable units, 2)
    tables = _pair_tables(seen, present) if n_coders == 2 else None
    per_code = _binary_stats(counts, tables)
    bc = counts[binary]
    pooled = _binary_stats(bc.reshape(1, -1, 2), None if tables is None else tables[binary].sum(0)[None])
    pooled["n_units"] = np.array([bc.shape[0] * bc.shape[1]])
    z = norm.ppf(0.5 + confidence / 2)
    pooled_note = f"multi-category codes {sorted(categorical)} are not pooled" if categorical else ""
    out = pd.concat([_agreement_frame(code_list, per_code, n_coders, z, ""),
                     _agreement_frame([OVERALL], pooled, n_coders, z, pooled_note)], ignore_index=True)
    for code in categorical:
        row = _categorical_row(per_coder, coders, code, universe, seen, z)
        out.loc[out.index[out[C.CODE] == code][0], list(row)] = list(row.values())
    return out.loc[:, list(AGREEMENT_COLUMNS)]


def _binary_stats(cnt: np.ndarray, table: np.ndarray | None) -> dict[str, np.ndarray]:
    """Per code (leading axes) from the (units, [absent, present]) counts, and κ from the 2 × 2
    tables of two coders."""
    nn0, nn1 = cnt[..., 0], cnt[..., 1]
    n_units = np.full(cnt.shape[:-2], cnt.shape[-2])
    agree = ((nn0 == 0) | (nn1 == 0)).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = np.where(n_units > 0, agree / n_units, np.nan)
    out = {"n_units": n_units, "n_coded": (nn1 > 0).sum(axis=-1), "percent_agreement": pa,
           "alpha": krippendorff_alpha_nominal(cnt), "n_present": nn1.sum(axis=-1),
           "n_values": (nn0 + nn1).sum(axis=-1)}
    if table is not None:
        out["kappa"], out["kappa_se"] = cohen_kappa_table(table)
    return out


def _pair_tables(seen: np.ndarray, present: np.ndarray) -> np.ndarray:
    """(codes, 2, 2) tables [A value, B value] of two coders on the answers both saw."""
    both = seen[0] & seen[1]
    a = present[:, 0, both]
    b = present[:, 1, both]
    return np.stack([
        np.stack([(~a & ~b).sum(-1), (~a & b).sum(-1)], -1),
        np.stack([(a & ~b).sum(-1), (a & b).sum(-1)], -1),
    ], -2).astype("float64")


def _agreement_frame(names: list[str], st: dict[str, np.ndarray], n_coders: int, z: float,
                     extra_note: str) -> pd.DataFrame:
    """Rows of :func:`agreement` for binary codes (or the pooled row)."""
    kappa = st.get("kappa", np.full(len(names), np.nan))
    se = st.get("kappa_se", np.full(len(names), np.nan))
    notes = _notes(st, n_coders)
    if extra_note:
        notes = ["; ".join(x for x in (note, extra_note) if x) for note in notes]
    return pd.DataFrame({
        C.CODE: pd.Series(names, dtype=object),
        "n_coders": n_coders,
        "n_units": st["n_units"].astype("int64"),
        "n_coded": st["n_coded"].astype("int64"),
        "percent_agreement": st["percent_agreement"],
        "kappa": kappa, "kappa_se": se, "ci_low": kappa - z * se, "ci_high": kappa + z * se,
        "alpha": st["alpha"],
        "method": _METHOD_TWO if n_coders == 2 else _METHOD_MANY,
        "note": notes,
    })


def _categorical_codes(per_coder: dict[str, pd.DataFrame], code_list: list[str]) -> set[str]:
    """Codes whose codings carry a ``value`` (multi-category codes such as valence)."""
    out: set[str] = set()
    for frame in per_coder.values():
        if VALUE in frame.columns:
            has = frame[VALUE].notna()
            out |= {str(c) for c in frame.loc[has, C.CODE].unique()}
    return out & set(code_list)


def _categorical_row(per_coder: dict[str, pd.DataFrame], coders: list[str], code: str,
                     universe: pd.Index, seen: np.ndarray, z: float) -> dict[str, Any]:
    """Agreement on one multi-category code: unit = answer, value = category (or missing)."""
    values = np.full((len(coders), len(universe)), None, dtype=object)
    for j, coder in enumerate(coders):
        f = per_coder[coder]
        if VALUE not in f.columns:
            continue
        f = f[(f[C.CODE].astype(str) == code) & f[VALUE].notna()]
        pos = universe.get_indexer(_key(f[C.RESPONSE_ID]))
        vals = f[VALUE].astype(str).to_numpy(dtype=object)
        dup = pd.Series(pos).duplicated(keep=False).to_numpy()
        if dup.any():
            clash = pd.DataFrame({"pos": pos, "v": vals})[dup].groupby("pos")["v"].nunique()
            if (clash > 1).any():
                raise ParameterError(
                    f"coder '{coder}' gives answer(s) {list(universe[clash[clash > 1].index][:5])} "
                    f"more than one value of the multi-category code '{code}'.",
                    fix="give each answer one value per coder.")
        ok = (pos >= 0) & seen[j, np.clip(pos, 0, None)]
        values[j, pos[ok]] = vals[ok]
    cats = sorted({v for v in values.ravel().tolist() if v is not None})
    index = {c: i for i, c in enumerate(cats)}
    given = values != None  # noqa: E711 (object array)
    pairable = given.sum(axis=0) >= 2
    cnt = np.zeros((int(pairable.sum()), len(cats)))
    for u_i, u in enumerate(np.flatnonzero(pairable).tolist()):
        for v in values[given[:, u], u].tolist():
            cnt[u_i, index[v]] += 1
    n_units = int(pairable.sum())
    agree = int((cnt.max(axis=1) == cnt.sum(axis=1)).sum()) if n_units else 0
    row: dict[str, Any] = {
        "n_units": n_units, "n_coded": n_units,
        "percent_agreement": agree / n_units if n_units else np.nan,
        "alpha": float(krippendorff_alpha_nominal(cnt)) if n_units else np.nan,
        "kappa": np.nan, "kappa_se": np.nan, "ci_low": np.nan, "ci_high": np.nan,
        "method": (_METHOD_CAT_TWO if len(coders) == 2 else _METHOD_CAT_MANY).format(k=len(cats)),
        "note": "",
    }
    if len(coders) == 2 and n_units:
        both = given[0] & given[1]
        table = np.zeros((len(cats), len(cats)))
        for a, b in zip(values[0, both].tolist(), values[1, both].tolist(), strict=True):
            table[index[a], index[b]] += 1
        k, se = cohen_kappa_table(table)
        row.update(kappa=float(k), kappa_se=float(se), ci_low=float(k - z * se), ci_high=float(k + z * se))
    notes = []
    if n_units == 0:
        notes.append("no answer was given a value by two or more coders: nothing to compare")
    elif len(cats) < 2:
        notes.append("only one category occurs, so kappa and alpha are undefined")
    elif agree == n_units:
        notes.append("perfect agreement")
    if len(coders) > 2:
        notes.append("kappa is for two coders; use alpha")
    row["note"] = "; ".join(notes)
    return row


def _notes(st: dict[str, np.ndarray], n_coders: int) -> list[str]:
    notes = []
    for i in range(len(st["n_units"])):
        parts = []
        if st["n_units"][i] == 0:
            parts.append("no answer was coded by two or more coders: nothing to compare")
        elif st["n_present"][i] == 0:
            parts.append("code not used by any coder on the shared answers: only 'absent' "
                         "occurs, so kappa and alpha are undefined (agreement is trivially 100%)")
        elif st["n_present"][i] == st["n_values"][i]:
            parts.append("every coder marked the code present on every shared answer: only one "
                         "category occurs, so kappa and alpha are undefined")
        elif st["percent_agreement"][i] == 1.0:
            parts.append("perfect agreement")
        if n_coders > 2:
            parts.append("kappa is for two coders; use alpha")
        notes.append("; ".join(parts))
    return notes


def disagreements(
    *codings: pd.DataFrame | Mapping[str, pd.DataFrame],
    units: pd.DataFrame | Mapping[str, Iterable[Any]] | None = None,
    answers: pd.DataFrame | None = None,
    codes: Sequence[str] | Any | None = None,
) -> pd.DataFrame:
    """Every answer × code on which the coders who saw the answer disagree, with its text.

    Parameters
    ----------
    *codings, units, answers, codes
        As for :func:`agreement`. With ``answers`` (``response_id, participant_id, timepoint,
        question, text``) the rows carry the answer's text and identifiers.

    Returns
    -------
    pandas.DataFrame
        One row per disagreement, ordered by code then answer; the columns are
        ``DISAGREEMENT_COLUMNS`` (described there).

    Notes
    -----
    Disagreements are meant to be discussed, not only counted (MAXQDA's intercoder help
    makes the same point). Inputs are not modified.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"response_id": ["r1", "r2"], "text": ["Too much work.", "Fine."]})
    >>> a = pd.DataFrame({"response_id": ["r1"], "code": ["workload"], "coder": ["A"],
    ...                   "evidence": ["much work"]})
    >>> b = pd.DataFrame({"response_id": ["r2"], "code": ["workload"], "coder": ["B"],
    ...                   "evidence": ["Fine"]})
    >>> disagreements(a, b, answers=answers)[["response_id", "present_by", "absent_by", "evidence"]]
      response_id present_by absent_by       evidence
    0          r1          A         B  A: much work
    1          r2          B         A        B: Fine
    """
    per_coder, coders, code_list, universe, seen, present = _values(
        codings, units, answers, codes, "disagreements")
    pairable = seen.sum(axis=0) >= 2
    vals = present & seen[None]
    n1 = vals.sum(axis=1)
    m = seen.sum(axis=0)[None, :]
    dis = (n1 > 0) & (n1 < m) & pairable[None, :]
    ci, ui = np.nonzero(dis)
    coder_arr = np.array(coders, dtype=object)
    present_by = [", ".join(coder_arr[vals[c, :, u]]) for c, u in zip(ci, ui, strict=True)]
    absent_by = [", ".join(coder_arr[seen[:, u] & ~vals[c, :, u]]) for c, u in zip(ci, ui, strict=True)]
    out = pd.DataFrame({
        C.RESPONSE_ID: pd.Series(universe[ui], dtype=object),
        C.CODE: pd.Series(np.array(code_list, dtype=object)[ci], dtype=object),
        "present_by": pd.Series(present_by, dtype=object),
        "absent_by": pd.Series(absent_by, dtype=object),
    })
    out = _with_evidence(out, per_coder)
    return _with_answers(out, answers)


def _with_evidence(out: pd.DataFrame, per_coder: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The disagreements with the evidence of the codings that marked the code present."""
    ev_parts = []
    for coder, frame in per_coder.items():
        if C.EVIDENCE in frame.columns:
            ev_parts.append(pd.DataFrame({
                C.RESPONSE_ID: _key(frame[C.RESPONSE_ID]), C.CODE: frame[C.CODE].astype(str).to_numpy(),
                C.EVIDENCE: coder + ": " + frame[C.EVIDENCE].fillna("").astype(str).to_numpy(dtype=object),
            }))
    if ev_parts and len(out):
        ev = pd.concat(ev_parts, ignore_index=True)
        ev = ev[ev[C.RESPONSE_ID].isin(out[C.RESPONSE_ID])]
        ev = ev.groupby([C.RESPONSE_ID, C.CODE], sort=False)[C.EVIDENCE].agg(" | ".join).reset_index()
        out = out.merge(ev, on=[C.RESPONSE_ID, C.CODE], how="left")
    else:
        out[C.EVIDENCE] = pd.Series([None] * len(out), dtype=object)
    return out


def _with_answers(out: pd.DataFrame, answers: pd.DataFrame | None) -> pd.DataFrame:
    """The disagreements with the answers' identifiers and text, and their original ids."""
    for col in (C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.TEXT):
        if answers is not None and col in answers.columns and len(out):
            lookup = answers.drop_duplicates(C.RESPONSE_ID).set_index(_key(
                answers.drop_duplicates(C.RESPONSE_ID)[C.RESPONSE_ID]))[col]
            out[col] = lookup.reindex(out[C.RESPONSE_ID].to_numpy()).to_numpy()
        else:
            out[col] = pd.Series([None] * len(out), dtype=object)
    if answers is not None and len(out):
        first = answers.drop_duplicates(C.RESPONSE_ID)
        originals = pd.Series(first[C.RESPONSE_ID].to_numpy(), index=_key(first[C.RESPONSE_ID]))
        out[C.RESPONSE_ID] = originals.reindex(out[C.RESPONSE_ID].to_numpy()).to_numpy()
    return out.loc[:, list(DISAGREEMENT_COLUMNS)].reset_index(drop=True)
