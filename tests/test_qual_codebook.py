"""Tests for evaltool.qual.codebook: the codebook YAML format, loading and validation.

The default codebook must follow shared/design/CODEBOOK.md exactly (ids, labels, order).
Validation errors must name the file and the field (like instrument files).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from evaltool._resources import codebooks_dir
from evaltool.errors import CodebookError
from evaltool.qual import _patterns as P
from evaltool.qual import code
from evaltool.qual.codebook import (
    LIST_CODEBOOKS_COLUMNS,
    Code,
    Codebook,
    check_codebook_file,
    list_codebooks,
    load_codebook,
)

CODEBOOK_MD = Path(__file__).parent / "reference" / "design" / "CODEBOOK.md"  # vendored copy

EXPECTED = [  # shared/design/CODEBOOK.md, table of codes (id, label)
    ("reframing_resilience", "Shifting perspectives on resilience"),
    ("humanising_error", "Humanising clinical work"),
    ("beyond_work", "Resilience across personal and professional life"),
    ("personal_growth", "Resilience building as personal development"),
    ("system_context", "Resilience as contextual and multi-layered"),
    ("techniques_tools", "Techniques and tools"),
    ("coaching_call", "The coaching call"),
    ("group_learning", "Learning in a group"),
    ("relevance", "Relevance to role"),
    ("delivery_format", "Delivery and logistics"),
    ("peer_support", "Peer support and connection"),
    ("suggestions", "Suggestions for improvement"),
]


@pytest.fixture(scope="module")
def book() -> Codebook:
    return load_codebook("resilience_training")


def _write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


MINIMAL = """
id: mine
name: Mine
version: "1"
codes:
  - id: workload
    label: Workload
    definition: Volume of work.
    rules:
      - phrases: ["short-staffed", "too (busy|stretched)"]
"""


# --- the default codebook -------------------------------------------------------------------
def test_default_codebook_has_the_twelve_codes_of_codebook_md(book):
    assert [(c.id, c.label) for c in book.flat_codes()] == EXPECTED


@pytest.mark.skipif(not CODEBOOK_MD.is_file(), reason="shared design docs not beside the repo")
def test_default_codebook_matches_the_table_in_codebook_md(book):
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", CODEBOOK_MD.read_text(encoding="utf-8"), re.M)
    assert [(i, label.strip()) for i, label in rows] == EXPECTED
    assert [c.id for c in book.flat_codes()] == [i for i, _ in rows]


def test_every_default_code_is_documented_and_has_rules(book):
    for c in book.flat_codes():
        assert c.definition and c.include and c.exclude and c.examples, c.id
        assert c.rules, c.id
        assert c.codable


def test_each_code_finds_its_own_examples(book):
    """Self-consistency: the made-up examples in the YAML carry their code (not an agreement
    test; the examples were written together with the rules)."""
    rows = [(f"{c.id}-{i}", c.id, ex) for c in book.flat_codes() for i, ex in enumerate(c.examples)]
    answers = pd.DataFrame(rows, columns=["response_id", "expected", "text"])
    got = code(answers, book)
    found = set(zip(got.response_id, got.code, strict=True))
    missing = [(r, e) for r, e, _ in rows if (r, e) not in found]
    assert missing == []


def test_packaged_codebook_file_is_valid():
    assert check_codebook_file(codebooks_dir() / "resilience_training.yaml") == []


def test_list_codebooks_columns_are_pinned():
    table = list_codebooks()
    assert tuple(table.columns) == LIST_CODEBOOKS_COLUMNS == (
        "id", "name", "version", "n_codes", "codes", "description")
    row = table.set_index("id").loc["resilience_training"]
    assert row.n_codes == 12


def test_valence_and_negation_are_data(book):
    assert book.valence.lexicon.positive and book.valence.lexicon.negative
    assert book.valence.lexicon.mixed and book.valence.lexicon.neutral
    assert "not" in book.negation.cues
    assert "n/a" in book.empty_answers


# --- loading --------------------------------------------------------------------------------
def test_load_by_name_path_and_object(tmp_path, book):
    p = _write(tmp_path, MINIMAL)
    mine = load_codebook(p)
    assert mine.code_ids == ["workload"]
    assert load_codebook(str(p)).code_ids == ["workload"]
    assert load_codebook(book) is book
    assert load_codebook("Resilience-Training") is book


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(CodebookError) as err:
        load_codebook("resilience_trainin")
    msg = str(err.value)
    assert "resilience_training" in msg and "Did you mean" in msg


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(CodebookError, match="not found") as err:
        load_codebook(tmp_path / "nope.yaml")
    assert err.value.file.endswith("nope.yaml")


def test_invalid_yaml_names_file_and_line(tmp_path):
    p = _write(tmp_path, "id: x\ncodes: [\n  - id: a\n")
    with pytest.raises(CodebookError) as err:
        load_codebook(p)
    assert err.value.file == str(p) and err.value.row is not None


@pytest.mark.parametrize(
    ("snippet", "field", "message"),
    [
        ("      - regex: ['(unclosed']", "codes[workload].rules[0].regex", "does not compile"),
        ("      - regex: ['a*']", "codes[workload].rules[0].regex", "empty string"),
        ("      - phrases: ['(busy|stretched']", "codes[workload].rules[0].phrases", "missing ')'"),
        ("      - phrases: ['busy ~3']", "codes[workload].rules[0].phrases", "gap"),
        ("      - phrases: ['bu*sy']", "codes[workload].rules[0].phrases", "'*' may only end a word"),
        ("      - stems: ['two words']", "codes[workload].rules[0].stems", "one word"),
        ("      - negation_sensitive: true", "codes[workload].rules[0]", "at least one of"),
        ("      - near: {a: [call], b: [help], within: 50}", "codes[workload].rules[0].near.within", "20"),
        ("      - phrasez: [busy]", "codes[workload].rules[0].phrasez", "unknown field"),
    ],
)
def test_rule_errors_name_file_and_field(tmp_path, snippet, field, message):
    text = MINIMAL.replace('      - phrases: ["short-staffed", "too (busy|stretched)"]', snippet)
    p = _write(tmp_path, text)
    problems = check_codebook_file(p)
    assert [(pr.field, pr.file) for pr in problems] == [(field, str(p))]
    assert message in problems[0].message
    with pytest.raises(CodebookError) as err:
        load_codebook(p)
    assert err.value.file == str(p) and err.value.field == field
    assert str(p) in str(err.value) and field in str(err.value)


@pytest.mark.parametrize(
    ("snippet", "field", "message"),
    [
        ("    question_context: {questions: ['(coach']}", "codes[workload].question_context.questions", "does not compile"),
        ("    question_context: {questions: []}", "codes[workload].question_context.questions", "at least 1"),
        ("    question_context: {questions: [coach], when: always}", "codes[workload].question_context.when", "evaluation"),
        ("    exclude_patterns: [{questions: [coach], phrases: [long]}]", "codes[workload].exclude_patterns[0]", "two exclude rules"),
        ("    exclude_patterns: [{scope: clause}]", "codes[workload].exclude_patterns[0]", "phrases, regex or questions"),
    ],
)
def test_question_rules_errors_name_file_and_field(tmp_path, snippet, field, message):
    p = _write(tmp_path, MINIMAL + snippet + "\n")
    problems = check_codebook_file(p)
    assert [pr.field for pr in problems] == [field]
    assert message in problems[0].message


def test_valence_lexicon_lists_are_checked(tmp_path):
    text = MINIMAL + "valence:\n  lexicon:\n    sarcasm: ['(oh great']\n    evaluative: [ok]\n"
    problems = check_codebook_file(_write(tmp_path, text))
    assert [pr.field for pr in problems] == ["valence.lexicon.sarcasm"]


def test_default_codebook_question_rules(book):
    """coaching_call is given to every non-empty answer to the coaching-call question (its
    "value, content, privacy, timing or absence", CODEBOOK.md), and call logistics in those
    answers are not delivery_format (coder conventions (a) and (e))."""
    qc = book.code("coaching_call").question_context
    assert qc is not None and qc.when == "any"
    assert any(re.search(q, "fb_coaching", re.I) for q in qc.questions)
    assert not any(re.search(q, "fb_useful", re.I) for q in qc.questions)
    vetoes = [ex for ex in book.code("delivery_format").exclude_patterns if ex.questions]
    assert vetoes and any(re.search(q, "fb_coaching", re.I) for q in vetoes[0].questions)
    assert [c.id for c in book.flat_codes() if c.question_context is not None] == ["coaching_call"]
    assert book.valence.lexicon.evaluative and book.valence.lexicon.sarcasm


def test_cross_checks_duplicate_ids_unknown_parent_and_cycles(tmp_path):
    dup = MINIMAL + """  - id: workload
    label: Again
    definition: Twice.
"""
    assert "used twice" in check_codebook_file(_write(tmp_path, dup, "a.yaml"))[0].message
    parent = MINIMAL.replace("    label: Workload\n", "    label: Workload\n    parent: nowhere\n")
    assert "not a code" in check_codebook_file(_write(tmp_path, parent, "b.yaml"))[0].message
    cycle = """
id: c
name: C
version: "1"
codes:
  - {id: a, label: A, definition: A., parent: b}
  - {id: b, label: B, definition: B., parent: a}
"""
    assert "own ancestor" in check_codebook_file(_write(tmp_path, cycle, "c.yaml"))[0].message


def test_every_problem_is_listed_at_once(tmp_path):
    text = """
id: bad
name: Bad
version: "1"
codes:
  - id: a
    label: A
    definition: A.
    rules: [{regex: ['(']}, {phrases: ['(x']}]
    colour: red
"""
    fields = [p.field for p in check_codebook_file(_write(tmp_path, text))]
    assert fields == ["codes[a].rules[0].regex", "codes[a].rules[1].phrases", "codes[a].colour"]


def test_top_level_must_be_a_mapping(tmp_path):
    problems = check_codebook_file(_write(tmp_path, "- a\n- b\n"))
    assert problems[0].field == "(top level)"


# --- hierarchy ------------------------------------------------------------------------------
def test_nested_children_and_parent_references():
    book = Codebook(id="h", name="H", version="1", codes=[
        Code(id="system", label="System", definition="S.", codable=False, children=[
            Code(id="workload", label="Workload", definition="W.",
                 rules=[{"phrases": ["workload"]}]),
        ]),
        Code(id="rota", label="Rota", definition="R.", parent="workload",
             rules=[{"phrases": ["rota*"]}]),
    ])
    flat = {c.id: c.parent for c in book.flat_codes()}
    assert flat == {"system": None, "workload": "system", "rota": "workload"}
    assert book.ancestors("rota") == ["workload", "system"]
    out = code(pd.Series(["The workload and the rotas"], index=["r1"]), book)
    assert sorted(out.code) == ["rota", "workload"]


# --- the phrase syntax ------------------------------------------------------------------------
def _matches(phrase: str, text: str) -> list[str]:
    book = Codebook(id="t", name="T", version="1", codes=[
        Code(id="c", label="C", definition="C.", rules=[{"phrases": [phrase]}])])
    return code(pd.Series([text], index=["r"]), book)["evidence"].tolist()


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("short-staffed", "We are short staffed", ["short staffed"]),
        ("short-staffed", "always shortstaffed!", ["shortstaffed"]),
        ("short-staffed", "Short-Staffed again", ["Short-Staffed"]),
        ("didn't help", "it didnt help", ["didnt help"]),
        ("didn't help", "it didn’t help", ["didn’t help"]),
        ("one to one", "the one-to-one call", ["one-to-one"]),
        ("1:1", "the 1:1 was good", ["1:1"]),
        ("1:1", "we were 11 people", []),
        ("stress*", "so stressful", ["stressful"]),
        ("stress*", "distress", []),
        ("call", "recall the calls", []),
        ("(coaching|phone) call", "my phone call", ["phone call"]),
        ("(more)? confident", "more confident", ["more confident"]),
        ("(more)? confident", "confident", ["confident"]),
        ("call ~3 help*", "the call really did help", ["call really did help"]),
        ("call ~3 help*", "the call was long but helped", []),
        ("call ~3 help*", "the call. It helped", []),
        ("call ~1 help*", "call was really helpful", []),
    ],
)
def test_phrase_syntax(phrase, text, expected):
    assert _matches(phrase, text) == expected


def test_phrase_parse_errors():
    for bad, msg in [("", "empty"), ("(a|b", "missing ')'"), ("a)", "unbalanced"),
                     ("~2 a", "start"), ("a ~2 ~3 b", "two gaps"), ("a ~30 b", "1 to 20"),
                     ("a ? b", "'?'"), ("(a ~2 b)", "inside parentheses")]:
        with pytest.raises(P.PhraseError, match=re.escape(msg)):
            P.check_phrase(bad)
