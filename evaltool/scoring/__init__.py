"""Questionnaire scoring and reliability."""

from .reliability import (
    ITEM_STATISTICS_COLUMNS,
    RELIABILITY_COLUMNS,
    feldt_ci,
    item_statistics,
    reliability,
)
from .score import check_items, reverse_items, score

__all__ = [
    "ITEM_STATISTICS_COLUMNS",
    "RELIABILITY_COLUMNS",
    "check_items",
    "feldt_ci",
    "item_statistics",
    "reliability",
    "reverse_items",
    "score",
]
