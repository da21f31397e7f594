"""Instruments used by the benchmarks: the packaged BRS, CBI and PSS-10 files when they exist,
otherwise local stand-ins with the same shape (item ids, response sets, reverse keys, methods).
"""

from __future__ import annotations

from typing import Any

from evaltool.errors import InstrumentError
from evaltool.instruments import Instrument, load_instrument

ITEMS = {
    "brs": [f"brs_{i}" for i in range(1, 7)],
    "cbi": [f"cbi_p{i}" for i in range(1, 7)] + [f"cbi_w{i}" for i in range(1, 8)]
    + [f"cbi_c{i}" for i in range(1, 7)],
    "pss10": [f"pss10_{i}" for i in range(1, 11)],
}
"""Item ids of each benchmark instrument (35 in all)."""

_LICENCE = {"tier": "study", "item_text_shippable": False, "terms": "benchmark stand-in"}


def _stand_in(name: str) -> Instrument:
    spec: dict[str, Any]
    if name == "brs":
        spec = {
            "response_sets": {"agree5": {"min": 1, "max": 5}},
            "items": [{"id": i, "response_set": "agree5", "reverse": i in ("brs_2", "brs_4", "brs_6")}
                      for i in ITEMS["brs"]],
            "scales": [{"id": "brs", "label": "BRS", "items": ITEMS["brs"], "method": "mean",
                        "missing": {"min_answered": 5}, "direction": "higher_better"}],
        }
    elif name == "cbi":
        spec = {
            "response_sets": {"five": {"min": 1, "max": 5,
                                       "recode": {1: 100, 2: 75, 3: 50, 4: 25, 5: 0}}},
            "items": [{"id": i, "response_set": "five", "reverse": i == "cbi_w7"}
                      for i in ITEMS["cbi"]],
            "scales": [
                {"id": f"cbi_{s}", "label": s, "method": "mean",
                 "items": [i for i in ITEMS["cbi"] if i.startswith(f"cbi_{s[0]}")],
                 "missing": {"min_answered_prop": 0.5}, "direction": "higher_worse"}
                for s in ("personal", "work", "client")
            ],
        }
    elif name == "pss10":
        spec = {
            "response_sets": {"zero4": {"min": 0, "max": 4}},
            "items": [{"id": i, "response_set": "zero4",
                       "reverse": i in ("pss10_4", "pss10_5", "pss10_7", "pss10_8")}
                      for i in ITEMS["pss10"]],
            "scales": [{"id": "pss10", "label": "PSS-10", "items": ITEMS["pss10"],
                        "method": "prorated_sum", "missing": {"min_answered": 9},
                        "direction": "higher_worse"}],
        }
    else:  # pragma: no cover
        raise KeyError(name)
    return Instrument.model_validate({
        "id": name, "name": f"{name} (benchmark stand-in)", "short_name": name.upper(),
        "measures": "benchmark", "citation": "benchmark stand-in", "licence": _LICENCE, **spec,
    })


def bench_instrument(name: str) -> tuple[Instrument, str]:
    """The packaged instrument ``name`` if it exists with the expected item ids, else the
    stand-in; plus ``"packaged"`` or ``"stand-in"``."""
    try:
        inst = load_instrument(name)
    except InstrumentError:
        return _stand_in(name), "stand-in"
    if not set(ITEMS[name]) <= set(inst.item_ids):
        return _stand_in(name), "stand-in"
    return inst, "packaged"
