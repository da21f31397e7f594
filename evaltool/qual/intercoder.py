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

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from .. import columns as C
from ..errors import EvaltoolWarning, ParameterError

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
DISAGREEMENT_COLUMNS = (
    C.RESPONSE_ID, C.PARTICIPANT_ID, C.TIMEPOINT, C.QUESTION, C.CODE,
    "present_by", "absent_by", C.EVIDENCE, C.TEXT,
)

_METHOD_TWO = "cohen_kappa (SE: Fleiss, Cohen & Everitt 1969; Wald CI); krippendorff_alpha nominal"
_METHOD_MANY = "krippendorff_alpha nominal"
_METHOD_CAT_TWO = ("cohen_kappa over {k} categories (SE: Fleiss, Cohen & Everitt 1969; Wald CI); "
                   "krippendorff_alpha nominal")
_METHOD_CAT_MANY = "krippendorff_alpha nominal over {k} categories"
VALUE = "value"
"""Column of the codings holding the category of a multi-category code (e.g. valence)."""


# --------------------------------------------------------------------------------------
# the two coefficients (vectorised; also used by evaltool.qual.learn)
# --------------------------------------------------------------------------------------
def cohen_kappa_table(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cohen's κ and its large-sample (non-null) standard error from K × K count tables.

    Parameters
    ----------
    table
        Counts, shape ``(..., K, K)``: rows = coder A's category, columns = coder B's.

    Returns
    -------
    kappa, se
        Arrays of shape ``(...)``; NaN where κ is undefined (no units, or p_e = 1).

    Notes
    -----
    With cell proportions p_ij, margins p_i. and p_.j, p_o = Σ p_ii and p_e = Σ p_i. p_.i,
    κ = (p_o − p_e) / (1 − p_e) (Cohen 1960), and (Fleiss, Cohen & Everitt 1969, eq. 13)

    Var(κ) = [A + B − C] / [n (1 − p_e)²], with
    A = Σ_i p_ii [1 − (p_i. + p_.i)(1 − κ)]²,
    B = (1 − κ)² Σ_{i≠j} p_ij (p_.i + p_j.)²,
    C = [κ − p_e (1 − κ)]².

    Checked against Cohen (1960, Table 1: κ = .492), the statpsych::ci.kappa documentation
    example (κ = 0.6756757, SE = 0.07344761) and statsmodels ``cohens_kappa``.
    """
    t = np.asarray(table, dtype="float64")
    n = t.sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = t / n[..., None, None]
        row = p.sum(axis=-1)
        col = p.sum(axis=-2)
        diag = np.diagonal(p, axis1=-2, axis2=-1)
        po = diag.sum(axis=-1)
        pe = (row * col).sum(axis=-1)
        kappa = (po - pe) / (1.0 - pe)
        one_minus = (1.0 - kappa)[..., None]
        a = (diag * (1.0 - (row + col) * one_minus) ** 2).sum(axis=-1)
        w = (col[..., :, None] + row[..., None, :]) ** 2  # (p_.i + p_j.)² at [i, j]
        off = p * w
        b = (1.0 - kappa) ** 2 * (off.sum(axis=(-2, -1)) - np.diagonal(off, axis1=-2, axis2=-1).sum(-1))
        c = (kappa - pe * (1.0 - kappa)) ** 2
        var = (a + b - c) / (n * (1.0 - pe) ** 2)
        se = np.sqrt(np.clip(var, 0.0, None))
    undefined = (n == 0) | ~np.isfinite(kappa) | np.isclose(pe, 1.0, rtol=0, atol=1e-15)
    kappa = np.where(undefined, np.nan, kappa)
    se = np.where(undefined, np.nan, se)
    return kappa, se


def krippendorff_alpha_nominal(counts: np.ndarray) -> np.ndarray:
    """Krippendorff's α for nominal data from per-unit value counts.

    Parameters
    ----------
    counts
        Shape ``(..., units, categories)``: how many coders gave each category to each unit.
        Units with fewer than two values are not pairable and are ignored.

    Returns
    -------
    numpy.ndarray
        α of shape ``(...)``; NaN when there is no pairable unit or only one category occurs
        (expected disagreement zero).

    Notes
    -----
    Coincidence-matrix form (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability",
    section C): with m_u the number of values in pairable unit u,
    o_ck = Σ_u n_cu n_ku / (m_u − 1) (c ≠ k), n_c = Σ_u n_cu, n = Σ_c n_c,

    α = 1 − (n − 1) Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k,

    where Σ_{c≠k} o_ck = Σ_u (m_u² − Σ_c n_cu²) / (m_u − 1) and Σ_{c≠k} n_c n_k = n² − Σ_c n_c².
    Checked against Krippendorff's (2011) worked example (α = 0.743) and the ``krippendorff``
    package with ``level_of_measurement="nominal"``.
    """
    x = np.asarray(counts, dtype="float64")
    m = x.sum(axis=-1)
    pairable = m >= 2
    x = np.where(pairable[..., None], x, 0.0)
    m = np.where(pairable, m, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        d_unit = np.where(pairable, (m**2 - (x**2).sum(axis=-1)) / (m - 1.0), 0.0)
    d_obs = d_unit.sum(axis=-1)
    n_c = x.sum(axis=-2)
    n = n_c.sum(axis=-1)
    d_exp = n**2 - (n_c**2).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = 1.0 - (n - 1.0) * d_obs / d_exp
    return np.where((d_exp > 0) & (n > 1), alpha, np.nan)


# --------------------------------------------------------------------------------------
# input normalisation
# --------------------------------------------------------------------------------------
def _require(frame: Any, needed: Sequence[str], what: str, func: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(
            f"The '{what}' parameter of {func}() must be a pandas DataFrame. "
            f"Got {type(frame).__name__} instead."
        )
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"The '{what}' frame passed to {func}() lacks the column(s) {missing}.",
            fix=f"rename columns so that {list(needed)} exist; columns present: {list(frame.columns)}.",
        )


def _codes_from(codes: Any, func: str) -> list[str] | None:
    """Code ids from None, a sequence of ids, or a codebook object (``.codes`` with ``.id``)."""
    if codes is None:
        return None
    if isinstance(codes, str):
        return [codes]
    if hasattr(codes, "flat_codes"):  # a Codebook: its codable codes, depth first
        return [c.id for c in codes.flat_codes() if getattr(c, "codable", True)]
    items = getattr(codes, "codes", codes)
    if isinstance(items, Mapping):
        items = list(items.values())
    out = []
    try:
        for item in items:
            out.append(str(getattr(item, "id", item)))
    except TypeError:
        raise ParameterError(
            f"The 'codes' parameter of {func}() must be a list of code ids or a Codebook. "
            f"Got {type(codes).__name__} instead."
        ) from None
    return list(dict.fromkeys(out))


def _split_coders(codings: tuple[Any, ...], func: str) -> dict[str, pd.DataFrame]:
    """Normalise the positional ``codings`` argument(s) to {coder: codings frame}."""
    out: dict[str, pd.DataFrame] = {}
    if len(codings) == 1 and isinstance(codings[0], Mapping):
        for coder, frame in codings[0].items():
            _require(frame, (C.RESPONSE_ID, C.CODE), f"codings[{coder!r}]", func)
            out[str(coder)] = frame
        return out
    if not codings:
        raise ParameterError(f"{func}() needs the codings of at least two coders.")
    for i, frame in enumerate(codings):
        _require(frame, (C.RESPONSE_ID, C.CODE, C.CODER), f"codings (argument {i + 1})", func)
        for coder, part in frame.groupby(C.CODER, sort=False, observed=True):
            coder = str(coder)
            if coder in out:
                raise ParameterError(
                    f"coder '{coder}' appears in more than one codings frame passed to {func}().",
                    fix="pass each coder's codings once, or a dict {coder: codings}.",
                )
            out[coder] = part
    return out


def _key(values: Any) -> pd.Index:
    """Answer ids as text (so 12 and "12" match), as an Index for fast look-ups."""
    return pd.Index(pd.Series(values).astype(str).to_numpy(dtype=object), dtype=object)


def _seen(coders: list[str], units: Any, answers: pd.DataFrame | None,
          per_coder: dict[str, pd.DataFrame], func: str
          ) -> tuple[pd.Index, np.ndarray, list[np.ndarray]]:
    """Universe of answer keys, the coders × answers 'saw it' mask, and each coder's codings'
    positions in the universe."""
    if units is not None:
        if isinstance(units, pd.DataFrame):
            _require(units, (C.RESPONSE_ID, C.CODER), "units", func)
            unit_coder = units[C.CODER].astype(str).to_numpy(dtype=object)
            unit_keys = _key(units[C.RESPONSE_ID])
        elif isinstance(units, Mapping):
            lists = {str(c): list(v) for c, v in units.items()}
            unit_coder = np.array([c for c, v in lists.items() for _ in v], dtype=object)
            unit_keys = _key([x for v in lists.values() for x in v])
        else:
            raise ParameterError(
                f"The 'units' parameter of {func}() must be a DataFrame (response_id, coder) or a "
                f"dict {{coder: response_ids}}. Got {type(units).__name__} instead."
            )
        absent = [c for c in coders if not (unit_coder == c).any()]
        if absent:
            raise ParameterError(
                f"'units' says nothing about which answers coder(s) {absent} coded.",
                fix="list every answer each coder saw (one row per response_id × coder).",
            )
        listed = unit_keys[np.isin(unit_coder, coders)].unique()
        if answers is not None:  # answers' order first, then any others
            order = _key(answers[C.RESPONSE_ID]).unique()
            universe = order[order.isin(listed)].append(listed[~listed.isin(order)].sort_values())
        else:
            universe = listed.sort_values()
        seen = np.zeros((len(coders), len(universe)), dtype=bool)
        pos = universe.get_indexer(unit_keys)
        for j, c in enumerate(coders):
            m = (unit_coder == c) & (pos >= 0)
            seen[j, pos[m]] = True
    elif answers is not None:
        universe = _key(answers[C.RESPONSE_ID]).unique()
        seen = np.ones((len(coders), len(universe)), dtype=bool)
    else:
        universe = pd.Index(pd.concat([pd.Series(_key(f[C.RESPONSE_ID])) for f in per_coder.values()])
                            .unique(), dtype=object).sort_values()
        seen = np.ones((len(coders), len(universe)), dtype=bool)
        warnings.warn(
            f"{func}(): neither 'units' nor 'answers' was given, so only answers that some coder "
            "coded are units and every coder is assumed to have seen all of them; answers that "
            "nobody coded (agreement on 'absent') are left out. Pass answers= or units=.",
            EvaltoolWarning, stacklevel=3,
        )
    positions = []
    for j, coder in enumerate(coders):
        ui = universe.get_indexer(_key(per_coder[coder][C.RESPONSE_ID]))
        positions.append(ui)
        outside = (ui < 0) | ~seen[j, np.clip(ui, 0, None)]
        if outside.any():
            raise ParameterError(
                f"coder '{coder}' has codings on {int(outside.sum())} answer(s) that are not among "
                f"the answers {'that coder saw (units)' if units is not None else 'given'}.",
                fix="check that codings and answers/units come from the same data set.",
            )
    return universe, seen, positions


def _values(codings: tuple[Any, ...], units: Any, answers: pd.DataFrame | None, codes: Any,
            func: str):
    per_coder = _split_coders(codings, func)
    coders = list(per_coder)
    if len(coders) < 2:
        raise ParameterError(
            f"{func}() needs the codings of at least two coders. Got {len(coders)} coder(s).",
            fix="pass a dict {coder: codings} or frames whose 'coder' column names two coders.",
        )
    if answers is not None:
        _require(answers, (C.RESPONSE_ID,), "answers", func)
    code_list = _codes_from(codes, func)
    if code_list is None:
        found = pd.concat([f[C.CODE] for f in per_coder.values()]).dropna().unique()
        code_list = sorted({str(c) for c in found})
    universe, seen, positions = _seen(coders, units, answers, per_coder, func)
    present = np.zeros((len(code_list), len(coders), len(universe)), dtype=bool)
    code_index = pd.Index(code_list, dtype=object)
    for j, coder in enumerate(coders):
        f = per_coder[coder]
        inverse, uniques = pd.factorize(f[C.CODE], use_na_sentinel=True)
        lookup = code_index.get_indexer(pd.Index([str(u) for u in uniques], dtype=object))
        ci = np.where(inverse >= 0, np.append(lookup, -1)[inverse], -1)
        ui = positions[j]
        ok = (ci >= 0) & (ui >= 0)
        present[ci[ok], j, ui[ok]] = True
    return per_coder, coders, code_list, universe, seen, present


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
        One row per code, then a pooled row with ``code == "(all codes)"``; columns
        (``AGREEMENT_COLUMNS``):

        - ``code``
        - ``n_coders``: coders compared.
        - ``n_units``: answers with values from at least two coders (for two coders: complete
          pairs).
        - ``n_coded``: of these, answers on which at least one coder marked the code present.
        - ``percent_agreement``: share of ``n_units`` on which every coder who saw the answer
          gave the same value (0–1).
        - ``kappa``, ``kappa_se``, ``ci_low``, ``ci_high``: Cohen's κ with its large-sample SE
          and Wald CI (two coders only; NaN otherwise).
        - ``alpha``: Krippendorff's α, nominal.
        - ``method``: what was computed.
        - ``note``: why a coefficient is undefined, or "perfect agreement"; empty otherwise.

    Notes
    -----
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
    and ``krippendorff.alpha(..., level_of_measurement="nominal")``. Inputs are not modified.

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
    func = "agreement"
    if not (isinstance(confidence, float | int) and 0 < confidence < 1):
        raise ParameterError(
            f"The 'confidence' parameter of agreement() must be a number between 0 and 1. "
            f"Got {confidence!r} instead."
        )
    per_coder, coders, code_list, universe, seen, present = _values(codings, units, answers, codes, func)
    n_coders = len(coders)
    categorical = _categorical_codes(per_coder, code_list)
    binary = np.array([c not in categorical for c in code_list], dtype=bool)
    m_u = seen.sum(axis=0)                               # values per answer
    pairable = m_u >= 2
    n1 = (present & seen[None]).sum(axis=1)              # (codes, units): coders saying present
    n0 = m_u[None, :] - n1
    counts = np.stack([n0, n1], axis=-1)[:, pairable]    # (codes, pairable units, 2)

    def stats(cnt: np.ndarray, table: np.ndarray | None) -> dict[str, np.ndarray]:
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

    tables = None
    if n_coders == 2:
        both = seen[0] & seen[1]
        a = present[:, 0, both]
        b = present[:, 1, both]
        tables = np.stack([
            np.stack([(~a & ~b).sum(-1), (~a & b).sum(-1)], -1),
            np.stack([(a & ~b).sum(-1), (a & b).sum(-1)], -1),
        ], -2).astype("float64")                         # (codes, 2, 2): [A value, B value]
    per_code = stats(counts, tables)
    bc = counts[binary]
    pooled = stats(bc.reshape(1, -1, 2), None if tables is None else tables[binary].sum(0)[None])
    pooled["n_units"] = np.array([bc.shape[0] * bc.shape[1]])

    z = norm.ppf(0.5 + confidence / 2)
    frames = []
    for names, st in ((code_list, per_code), ([OVERALL], pooled)):
        kappa = st.get("kappa", np.full(len(names), np.nan))
        se = st.get("kappa_se", np.full(len(names), np.nan))
        notes = _notes(st, n_coders)
        if names == [OVERALL] and categorical:
            notes = ["; ".join(x for x in (notes[0], "multi-category codes "
                                           f"{sorted(categorical)} are not pooled") if x)]
        frames.append(pd.DataFrame({
            C.CODE: pd.Series(names, dtype=object),
            "n_coders": n_coders,
            "n_units": st["n_units"].astype("int64"),
            "n_coded": st["n_coded"].astype("int64"),
            "percent_agreement": st["percent_agreement"],
            "kappa": kappa, "kappa_se": se, "ci_low": kappa - z * se, "ci_high": kappa + z * se,
            "alpha": st["alpha"],
            "method": _METHOD_TWO if n_coders == 2 else _METHOD_MANY,
            "note": notes,
        }))
    out = pd.concat(frames, ignore_index=True)
    for code in categorical:
        row = _categorical_row(per_coder, coders, code, universe, seen, z)
        out.loc[out.index[out[C.CODE] == code][0], list(row)] = list(row.values())
    return out.loc[:, list(AGREEMENT_COLUMNS)]


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
        One row per disagreement, ordered by code then answer; columns
        (``DISAGREEMENT_COLUMNS``): ``response_id``, ``participant_id``, ``timepoint``,
        ``question`` (missing without ``answers``), ``code``, ``present_by`` and
        ``absent_by`` (coder names joined by ", "), ``evidence`` ("coder: evidence" for each
        coding that marked it present, joined by " | "), ``text``.

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
    func = "disagreements"
    per_coder, coders, code_list, universe, seen, present = _values(
        codings, units, answers, codes, func)
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
    # evidence from the codings that marked the code present
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
