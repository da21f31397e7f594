"""The canonical column names are defined once (ARCHITECTURE.md §4) and must not drift."""

from evaltool import columns as C


def test_canonical_names_are_the_documented_ones():
    assert C.CANONICAL == (
        "participant_id", "timepoint", "item", "value", "instrument", "scale", "score",
        "n_answered", "n_items", "band", "response_id", "question", "text", "code", "start",
        "end", "coder",
    )


def test_problem_and_exclusion_tables():
    assert C.PROBLEM_COLUMNS == ("source", "row", "column", "value", "rule", "message", "fix", "severity")
    assert C.EXCLUSION_COLUMNS == ("source", "row", "participant_id", "timepoint", "reason")
