"""Canonical column names, defined once (docs/architecture.md).

Every table evaltool reads or writes uses these names. Modules that add their own output
columns build them from these constants and pin the full list in a ``*_COLUMNS`` tuple that a
test checks.
"""

from __future__ import annotations

# --- identifiers -------------------------------------------------------------------------
PARTICIPANT_ID = "participant_id"
TIMEPOINT = "timepoint"
RESPONSE_ID = "response_id"
COHORT = "cohort"
GROUP = "group"

# --- responses (tidy, long) --------------------------------------------------------------
ITEM = "item"
VALUE = "value"

# --- scores ------------------------------------------------------------------------------
INSTRUMENT = "instrument"
SCALE = "scale"
SCORE = "score"
N_ANSWERED = "n_answered"
N_ITEMS = "n_items"
N_INVALID = "n_invalid"
PRORATED = "prorated"
BAND = "band"

# --- free text and codings ---------------------------------------------------------------
QUESTION = "question"
TEXT = "text"
CODE = "code"
START = "start"
END = "end"
CODER = "coder"
EVIDENCE = "evidence"

# --- problems and exclusions (every input row ends in the data or in exclusions) ---------
SOURCE = "source"
ROW = "row"
COLUMN = "column"
RULE = "rule"
MESSAGE = "message"
FIX = "fix"
SEVERITY = "severity"
REASON = "reason"

CANONICAL = (
    PARTICIPANT_ID, TIMEPOINT, ITEM, VALUE, INSTRUMENT, SCALE, SCORE, N_ANSWERED, N_ITEMS, BAND,
    RESPONSE_ID, QUESTION, TEXT, CODE, START, END, CODER,
)

RESPONSES_COLUMNS = (PARTICIPANT_ID, TIMEPOINT, ITEM, VALUE)
SCORES_COLUMNS = (
    INSTRUMENT, SCALE, SCORE, N_ANSWERED, N_ITEMS, N_INVALID, PRORATED, BAND,
)
"""Columns :func:`evaltool.score` adds after the identifying columns it was given."""
FREE_TEXT_COLUMNS = (RESPONSE_ID, PARTICIPANT_ID, TIMEPOINT, QUESTION, TEXT)
CODINGS_COLUMNS = (RESPONSE_ID, CODE, START, END, EVIDENCE, CODER)
PROBLEM_COLUMNS = (SOURCE, ROW, COLUMN, VALUE, RULE, MESSAGE, FIX, SEVERITY)
EXCLUSION_COLUMNS = (SOURCE, ROW, PARTICIPANT_ID, TIMEPOINT, REASON)
