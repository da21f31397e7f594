"""The codings of several coders as unit × code matrices, with which answers each coder saw
(private; see :mod:`evaltool.qual.intercoder`)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import columns as C
from ..errors import EvaltoolWarning, ParameterError

VALUE = "value"
"""Column of the codings holding the category of a multi-category code (e.g. valence)."""


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
