"""Small-cell suppression of count tables: moved to :mod:`evaltool.privacy.counts`.

This module re-exports it so existing imports keep working.
"""

from __future__ import annotations

from ..privacy.counts import MIN_THRESHOLD, Suppression, hidden_bridges, suppress_counts

__all__ = ["MIN_THRESHOLD", "Suppression", "hidden_bridges", "suppress_counts"]
