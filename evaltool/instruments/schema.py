"""The instrument file format: a questionnaire described as data (pydantic models).

An instrument file (``instruments/scales/<id>.yaml``) declares the items, their response sets,
the scales (subscales) built from them, how each scale is scored, the missing-item rule, bands,
published reliability, licence and citation. Scoring code never hard-wires any instrument.

The fields: ``docs/instruments.md``. Reverse keying always uses the *response set's* range
(``min + max - x``), never the data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .._yaml import Loc, fail_at

__all__ = [
    "Band",
    "Conversion",
    "Flag",
    "Instrument",
    "Item",
    "Licence",
    "MissingRule",
    "Reliability",
    "ResponseSet",
    "Scale",
]

ScoringMethod = Literal["mean", "sum", "prorated_sum", "lookup", "correct_count", "correct_percent"]
"""How a scale score is built from its (recoded, reversed) items.

- ``mean``: mean of answered items.
- ``sum``: plain sum; requires every item (``min_answered`` must equal the item count).
- ``prorated_sum``: ``n_items x mean(answered)``; equals the sum when nothing is missing.
- ``lookup``: prorated sum, rounded to an integer when ``conversion.round_before_lookup``,
  then converted with ``conversion.table`` (e.g. SWEMWBS raw → Rasch metric).
- ``correct_count`` / ``correct_percent``: knowledge tests; each item scores 1 if the answer
  equals the item's ``correct`` value(s), else 0; count or percent. With the scale's
  ``missing.unanswered: missing`` (default) an unanswered question is missing and the count is
  prorated to all items; with ``unanswered: wrong`` it scores 0 (no proration), and a test
  with no answer at all is missing or 0 as ``missing.all_unanswered`` says.
"""

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _fail(title: str, problems: list[tuple[Loc, str]]) -> NoReturn:
    """Raise every problem at once, each at its own field (e.g. ``items.3.text``)."""
    fail_at(title, problems)


class Licence(_Model):
    """Licence facts; ``tier`` A ships item text, B and C ship keys only (docs/instruments.md)."""

    tier: Literal["A", "A-", "B", "C", "study"]
    item_text_shippable: bool
    terms: str
    attribution: str | None = None
    source_url: str | None = None
    verified_on: str | None = None


class ResponseSet(_Model):
    """Allowed answer codes, their labels and optional recoding to scored values.

    ``min``/``max`` bound the codes an export may contain (integers unless ``step`` says
    otherwise). ``recode`` maps codes to scored values (CBI 1..5 → 100..0); the scored range
    used for reverse keying is then the range of the recoded values.

    Examples
    --------
    >>> from evaltool import load_instrument
    >>> rs = load_instrument("cbi").response_sets["cbi_frequency"]
    >>> rs.min, rs.max, rs.labels[1.0], rs.recode[1.0]
    (1.0, 5.0, 'Always', 100.0)
    >>> ResponseSet(min=0, max=10).max
    10.0
    """

    min: float
    max: float
    step: float | None = 1
    labels: dict[float, str] = Field(default_factory=dict)
    recode: dict[float, float] | None = None
    anchors_note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> ResponseSet:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        for code in list(self.labels) + list(self.recode or {}):
            if not self.min <= code <= self.max:
                raise ValueError(
                    f"code {code:g} in labels/recode lies outside min..max ({self.min:g}..{self.max:g})"
                )
        if self.recode is not None and self.step is not None:
            missing = [c for c in self.codes() if c not in self.recode]
            if missing:
                raise ValueError(f"recode gives no value for codes {missing}")
        return self

    def codes(self) -> list[float]:
        """Every allowed code, when the set is discrete (``step`` given)."""
        if self.step is None:
            return []
        n = int(round((self.max - self.min) / self.step))
        return [self.min + i * self.step for i in range(n + 1)]

    @property
    def scored_min(self) -> float:
        return min(self.recode.values()) if self.recode else self.min

    @property
    def scored_max(self) -> float:
        return max(self.recode.values()) if self.recode else self.max


class Item(_Model):
    """One question. ``text`` only where the licence allows (``Licence.item_text_shippable``).

    Examples
    --------
    >>> from evaltool import load_instrument
    >>> item = load_instrument("brs").item("brs_2")
    >>> item.id, item.reverse, item.response_set
    ('brs_2', True, 'agree5')
    """

    id: Identifier
    number: int | None = None
    text: str | None = None
    short: str | None = None
    response_set: str
    reverse: bool = False
    correct: list[float] | None = None
    scored: bool = True

    @field_validator("correct", mode="before")
    @classmethod
    def _listify(cls, v: object) -> object:
        if v is None or isinstance(v, list):
            return v
        return [v]


class MissingRule(_Model):
    """What an unanswered item means for a score.

    ``min_answered`` (a count) or ``min_answered_prop`` (a proportion): fewer answered items and
    the score is missing. Knowledge tests may say ``unanswered: wrong`` (an unanswered question
    scores 0, the count is not prorated; then the minimum defaults to 1) and ``all_unanswered``
    (a test with no answer at all is ``missing`` or scores ``zero``).

    Examples
    --------
    >>> MissingRule(unanswered="wrong").required(6), MissingRule(min_answered=4).required(6)
    (1, 4)
    """

    min_answered: int | None = None
    min_answered_prop: float | None = Field(default=None, gt=0, le=1)
    unanswered: Literal["missing", "wrong"] = "missing"
    all_unanswered: Literal["missing", "zero"] = "missing"
    source: Literal["author", "literature", "project_default", "study"] = "project_default"
    note: str | None = None

    @model_validator(mode="after")
    def _one(self) -> MissingRule:
        problems: list[tuple[Loc, str]] = []
        if self.min_answered is not None and self.min_answered_prop is not None:
            problems.append((("min_answered_prop",), "give min_answered or min_answered_prop, not both"))
        elif self.min_answered is None and self.min_answered_prop is None and self.unanswered != "wrong":
            problems.append((("min_answered",), "give min_answered (or min_answered_prop)"))
        if self.all_unanswered == "zero" and self.unanswered != "wrong":
            problems.append((("all_unanswered",), "'zero' needs 'unanswered: wrong'"))
        if problems:
            _fail("MissingRule", problems)
        return self

    def required(self, n_items: int) -> int:
        if self.min_answered is not None:
            return self.min_answered
        if self.min_answered_prop is None:
            return 1
        return max(1, math.ceil(self.min_answered_prop * n_items - 1e-9))


class Band(_Model):
    """A labelled interval of scores. ``closed`` says which ends belong to the band.

    Examples
    --------
    >>> low = Band(label="low", lower=1.0, upper=3.0)  # closed="left": 1 <= score < 3
    >>> low.contains_lower(), low.contains_upper()
    (True, False)
    """

    label: str
    lower: float | None = None
    upper: float | None = None
    closed: Literal["left", "right", "both", "neither"] = "left"
    description: str | None = None

    def contains_lower(self) -> bool:
        return self.closed in ("left", "both")

    def contains_upper(self) -> bool:
        return self.closed in ("right", "both")


class Conversion(_Model):
    """A lookup table from (integer) raw scores to converted scores, e.g. SWEMWBS Rasch metric."""

    table: dict[int, float]
    round_before_lookup: bool = True
    source: str | None = None


class Reliability(_Model):
    """Published reliability of a scale, used for reliable change when the study asks for it."""

    value: float = Field(gt=0, lt=1)
    statistic: Literal["alpha", "omega", "test_retest", "icc", "kr20"] = "alpha"
    source: str


class Flag(_Model):
    """An item-level alert, e.g. PHQ-9 item 9: any answer at or above ``at_least`` raises it."""

    id: Identifier
    item: str
    at_least: float
    message: str


class Scale(_Model):
    """A score built from items: a whole questionnaire or one of its subscales.

    Examples
    --------
    >>> from evaltool import load_instrument
    >>> brs = load_instrument("brs")
    >>> scale = brs.scale("brs")
    >>> scale.method, scale.min_answered(), [b.label for b in scale.bands]
    ('mean', 5, ['low', 'normal', 'high'])
    >>> [i for i in scale.items if brs.is_reversed(scale, i)]
    ['brs_2', 'brs_4', 'brs_6']
    """

    id: Identifier
    label: str
    items: list[str] = Field(min_length=1)
    reverse_items: list[str] | None = None
    method: ScoringMethod = "mean"
    missing: MissingRule | None = None
    conversion: Conversion | None = None
    direction: Literal["higher_better", "higher_worse"]
    bands: list[Band] = Field(default_factory=list)
    bands_source: str | None = None
    bands_authoritative: bool = False
    reliability: Reliability | None = None
    clinical_cutoff: float | None = None
    """Jacobson–Truax clinical cut-off: scores on the ``direction``'s good side of it (≥ for
    higher_better, < for higher_worse) count as the functional range."""
    clinical_cutoff_source: str | None = None
    primary: bool = True
    note: str | None = None

    @property
    def unanswered(self) -> str:
        """``wrong`` when an unanswered question of a knowledge test scores 0 (``missing.unanswered``)."""
        return self.missing.unanswered if self.missing is not None else "missing"

    @property
    def all_unanswered(self) -> str:
        """``zero`` when a knowledge test with no answer at all scores 0, else ``missing``."""
        return self.missing.all_unanswered if self.missing is not None else "missing"

    @model_validator(mode="after")
    def _check(self) -> Scale:
        problems: list[tuple[Loc, str]] = []
        if self.unanswered == "wrong" and self.method not in ("correct_count", "correct_percent"):
            problems.append((("missing", "unanswered"), "'wrong' applies only to knowledge tests "
                             "(method correct_count or correct_percent)"))
        if len(set(self.items)) != len(self.items):
            problems.append((("items",), "an item is listed twice"))
        if self.reverse_items is not None and not set(self.reverse_items) <= set(self.items):
            extra = sorted(set(self.reverse_items) - set(self.items))
            problems.append((("reverse_items",), f"reverse_items {extra} are not items of this scale"))
        if self.method == "lookup" and self.conversion is None:
            problems.append((("conversion",), "method 'lookup' needs a 'conversion' table"))
        if self.method == "sum" and self.missing is not None:
            if self.missing.required(len(self.items)) < len(self.items):
                problems.append((
                    ("missing",),
                    "method 'sum' needs every item; use 'prorated_sum' to allow missing items",
                ))
        try:
            _check_bands(self.bands)
        except ValueError as exc:
            problems.append((("bands",), str(exc)))
        if problems:
            _fail("Scale", problems)
        return self

    def min_answered(self) -> int:
        """Items that must be answered for a score (default: all of them; one for a knowledge
        test whose unanswered questions count as wrong)."""
        if self.missing is None:
            return len(self.items)
        return self.missing.required(len(self.items))


def _check_bands(bands: list[Band]) -> None:
    """Bands must be ordered, non-overlapping and contiguous (half-open where they meet)."""
    if not bands:
        return
    labels = [b.label for b in bands]
    if len(set(labels)) != len(labels):
        raise ValueError("band labels must be unique")
    for b in bands:
        if b.lower is not None and b.upper is not None and b.lower > b.upper:
            raise ValueError(f"band '{b.label}': lower {b.lower} is above upper {b.upper}")
    for a, b in zip(bands, bands[1:], strict=False):
        if a.upper is None or b.lower is None:
            raise ValueError(
                f"bands '{a.label}' and '{b.label}' are open-ended where they meet; "
                "list bands from low to high with explicit bounds"
            )
        if a.upper != b.lower:
            raise ValueError(
                f"bands '{a.label}' (upper {a.upper:g}) and '{b.label}' (lower {b.lower:g}) "
                "must meet at the same value"
            )
        if a.contains_upper() == b.contains_lower():
            what = "both include" if a.contains_upper() else "neither includes"
            raise ValueError(
                f"bands '{a.label}' and '{b.label}' {what} the boundary {a.upper:g}; "
                "exactly one of them must (set 'closed')"
            )


class Instrument(_Model):
    """A questionnaire: items, response sets, scales and the facts needed to score it.

    Loaded from YAML by :func:`evaltool.load_instrument` (a packaged id or a path to your own
    file); validated on load, with every problem named by its field.

    Examples
    --------
    >>> from evaltool import load_instrument
    >>> cbi = load_instrument("cbi")
    >>> cbi.short_name, len(cbi.items), [s.id for s in cbi.scales]
    ('CBI', 19, ['cbi_personal', 'cbi_work', 'cbi_client'])
    >>> cbi.licence.tier
    'A-'
    """

    id: Identifier
    name: str
    short_name: str
    version: str | None = None
    measures: str
    description: str | None = None
    citation: str
    licence: Licence
    response_sets: dict[str, ResponseSet] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    scales: list[Scale] = Field(min_length=1)
    flags: list[Flag] = Field(default_factory=list)
    recall_period: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _cross_check(self) -> Instrument:
        problems: list[tuple[Loc, str]] = []
        ids = [i.id for i in self.items]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            problems.append((("items",), f"item ids {dup} are used twice"))
        known = set(ids)
        for n, it in enumerate(self.items):
            if it.response_set not in self.response_sets:
                problems.append((
                    ("items", n, "response_set"),
                    f"item '{it.id}' uses response_set '{it.response_set}', which is not defined "
                    f"(defined: {sorted(self.response_sets)})",
                ))
            if it.text is not None and not self.licence.item_text_shippable:
                problems.append((
                    ("items", n, "text"),
                    f"item '{it.id}' has text, but the licence (tier {self.licence.tier}) does not "
                    "allow shipping item text; remove it or supply your own text in a local copy",
                ))
        scale_ids = [s.id for s in self.scales]
        if len(set(scale_ids)) != len(scale_ids):
            problems.append((("scales",), "scale ids must be unique"))
        unscored = {i.id for i in self.items if not i.scored}
        for n, s in enumerate(self.scales):
            unknown = [i for i in s.items if i not in known]
            if unknown:
                problems.append((("scales", n, "items"), f"scale '{s.id}' lists unknown items {unknown}"))
                continue
            listed = [i for i in s.items if i in unscored]
            if listed:
                problems.append((
                    ("scales", n, "items"),
                    f"scale '{s.id}' lists items {listed}, which are marked 'scored: false'",
                ))
            if s.method in ("correct_count", "correct_percent"):
                nokey = [i for i in s.items if self.item(i).correct is None]
                if nokey:
                    problems.append((
                        ("scales", n, "items"),
                        f"scale '{s.id}' is a knowledge test but items {nokey} have no 'correct' answer",
                    ))
                continue
            sets = {self.item(i).response_set for i in s.items} & set(self.response_sets)
            ranges = {(self.response_sets[r].scored_min, self.response_sets[r].scored_max) for r in sets}
            if len(ranges) > 1 and s.method != "mean":
                problems.append((
                    ("scales", n, "method"),
                    f"scale '{s.id}' mixes items with different scored ranges {sorted(ranges)}",
                ))
        for n, f in enumerate(self.flags):
            if f.item not in known:
                problems.append((("flags", n, "item"), f"flag '{f.id}' refers to unknown item '{f.item}'"))
        if problems:
            _fail("Instrument", problems)
        return self

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def scale(self, scale_id: str) -> Scale:
        for s in self.scales:
            if s.id == scale_id:
                return s
        raise KeyError(scale_id)

    def select_scales(self, scales: Sequence[str] | None = None) -> list[Scale]:
        """The scales with these ids (all when None); unknown ids raise ``ParameterError``.

        Examples
        --------
        >>> from evaltool.instruments import load_instrument
        >>> [s.id for s in load_instrument("cbi").select_scales(["cbi_work"])]
        ['cbi_work']
        """
        if scales is None:
            return list(self.scales)
        known = {s.id for s in self.scales}
        bad = [s for s in scales if s not in known]
        if bad:
            from ..errors import ParameterError

            raise ParameterError(f"{self.short_name} has no scale(s) {bad}.", fix=f"choose from {sorted(known)}.")
        return [self.scale(s) for s in scales]

    def is_reversed(self, scale: Scale, item_id: str) -> bool:
        """Whether ``item_id`` is reverse-keyed when scoring ``scale``."""
        if scale.reverse_items is not None:
            return item_id in scale.reverse_items
        return self.item(item_id).reverse

    @property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    def score_range(self, scale: Scale) -> tuple[float, float]:
        """Smallest and largest possible score of ``scale``."""
        n = len(scale.items)
        if scale.method == "correct_count":
            return 0.0, float(n)
        if scale.method == "correct_percent":
            return 0.0, 100.0
        if scale.method == "lookup":
            assert scale.conversion is not None
            vals = scale.conversion.table.values()
            return min(vals), max(vals)
        lo = [self.response_sets[self.item(i).response_set].scored_min for i in scale.items]
        hi = [self.response_sets[self.item(i).response_set].scored_max for i in scale.items]
        if scale.method == "mean":
            return min(lo), max(hi)
        return float(sum(lo)), float(sum(hi))
