"""Mixed-methods integration: where the qualitative and quantitative strands meet.

Joint displays (change in each scale by whether people mentioned each code), redacted quotes
grouped by reliable-change category, and themes by timepoint. Small groups are suppressed.
"""

from .joint import JOINT_DISPLAY_COLUMNS, joint_display
from .quotes import QUOTES_BY_CHANGE_COLUMNS, RCI_ORDER, quotes_by_change
from .themes import THEMES_BY_TIMEPOINT_COLUMNS, themes_by_timepoint

__all__ = [
    "JOINT_DISPLAY_COLUMNS",
    "QUOTES_BY_CHANGE_COLUMNS",
    "RCI_ORDER",
    "THEMES_BY_TIMEPOINT_COLUMNS",
    "joint_display",
    "quotes_by_change",
    "themes_by_timepoint",
]
