"""Questionnaire scoring and reliability."""

from .score import check_items, reverse_items, score

__all__ = ["check_items", "reverse_items", "score"]
