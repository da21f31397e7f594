"""Codebooks as data: the YAML format (pydantic models), loading, listing and checking.

A codebook file (``instruments/codebooks/<id>.yaml``) declares the codes a qualitative coder
uses — label, definition, what to include and exclude, made-up examples — and the *rules* the
automatic coder (:func:`evaltool.qual.code`) applies. Nothing about any code is hard-wired in
Python: a user edits the YAML or brings their own file (a path works wherever a name does).

Rule kinds (each entry of a code's ``rules`` may combine several):

``phrases``
    word sequences, matched case-insensitively and tolerant of punctuation; the phrase syntax
    (``*`` endings, ``(a|b)`` alternatives, optional ``(...)?``, gaps ``~N``, optional hyphens
    and apostrophes) is described in :mod:`evaltool.qual._patterns`.
``stems``
    single words matched by prefix (``stress`` or ``stress*`` → "stressed", "stressful").
``regex``
    Python regular expressions, matched case-insensitively.
``near``
    proximity: a term of ``a`` within ``within`` words of a term of ``b`` in the same clause
    (either order unless ``ordered: true``).
``negation_sensitive``
    when true, a match preceded in its clause by a negation cue (``negation.cues``, within
    ``negation.window`` words) is not evidence for the code ("I don't feel more confident").
``requires``
    context for a loose trigger: a match counts only when one of the context ``phrases`` (or
    ``regex``) also occurs in the same clause (``scope: clause``), within ``within`` words on
    either side (``scope: window``) or anywhere in the answer (``scope: answer``) — "incident"
    is evidence of humanising error only near feelings, blame or what happened to the person.
``position``
    ``clause_start``: the match must open its clause (only punctuation, a contrast word or a
    line break before it) — an imperative such as "Start later" or "Cut the intro".
``questions``
    regular expressions searched (case-insensitive) in each answer's question id or label:
    the rule fires only for answers to matching questions (and never when the answers have
    no question column); ``^(?!.*call)`` means every question but the call's. A rule with
    ``questions`` needs a ``name`` unique within its code.

Named vocabularies (``vocab``, at the top of the codebook) are lists of phrases; ``{name}``
inside any phrase of the codebook (rules, context, exclusions, lexicons, negation cues)
stands for ``(phrase 1|phrase 2|...)``, so one list of roles or professions serves many rules.

A code's ``exclude_patterns`` (phrases or regex) veto its matches that overlap them (or, with
``scope: clause`` / ``answer``, that share their clause or answer). An exclude rule with
``questions`` (and no phrases or regex) vetoes every match of the code in answers to the
questions those patterns match (used only when the answers have a ``question`` column).

Question context (opt-in, per code)
    ``question_context: {questions: [...], when: evaluation}`` gives the code to any
    non-empty answer to a question whose id or label matches one of the ``questions`` regular
    expressions (case-insensitive search), when the answer *evaluates* something — it has a
    valence term (positive, negative, mixed, sarcasm; negated or not) or an ``evaluative``
    lexicon word such as "ok" or "fine" (``when: any``: every non-empty answer). The evidence
    is the whole answer (``start`` 0, ``end`` its length) and the rule is ``"question
    context"``; an answer whose text already has a match for the code gets no second coding.
    It acts only when the answers have a ``question`` column, because the automatic coder
    otherwise sees only the text: "Felt rushed", given to "How did you find the coaching
    call?", is about the call.

Valence lexicons (``valence.lexicon``): ``positive``, ``negative``, ``mixed`` (the answer is
mixed by itself), ``neutral`` (masks the polarity words inside it: "would be good to"),
``evaluative`` (evaluates without polarity: "ok", "fine"; counted only by question context)
and ``sarcasm`` (conservative markers such as "the irony": the answer is negative and its
positive terms do not count).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
from pydantic import Field, model_validator

from .._resources import codebooks_dir
from .._yaml import FileProblem, read_yaml, resolve_data_file, validate_file_data
from ..errors import CodebookError
from ._codebook_parts import (
    Clauses,
    Context,
    ExcludeRule,
    Identifier,
    Lexicon,
    Near,
    Negation,
    QuestionContext,
    Rule,
    Valence,
    ValenceQuestion,
    _Model,
)

__all__ = [
    "Code",
    "Codebook",
    "CodebookProblem",
    "Context",
    "ExcludeRule",
    "Lexicon",
    "Near",
    "Negation",
    "QuestionContext",
    "Rule",
    "Valence",
    "ValenceQuestion",
    "check_codebook_file",
    "list_codebooks",
    "load_codebook",
]
class Code(_Model):
    """One code: what it means (for people) and the rules that find it (for the coder).

    Examples
    --------
    >>> code = Code(id="workload", label="Workload and staffing",
    ...             definition="Workload, staffing levels or time pressure.",
    ...             rules=[{"name": "workload", "phrases": ["work-load*", "short-staffed"]}])
    >>> code.id, code.label, len(code.rules)
    ('workload', 'Workload and staffing', 1)
    """

    id: Identifier
    label: str
    definition: str
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    parent: str | None = None
    codable: bool = True
    color: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$")
    rules: list[Rule] = Field(default_factory=list)
    exclude_patterns: list[ExcludeRule] = Field(default_factory=list)
    question_context: QuestionContext | None = None
    children: list[Code] = Field(default_factory=list)

    @model_validator(mode="after")
    def _question_rule_names(self) -> Code:
        names = [r.name for r in self.rules]
        for r in self.rules:
            if r.questions and names.count(r.name) > 1:
                raise ValueError(f"rule name '{r.name}' is used twice; a rule with 'questions' "
                                 "needs a name unique within its code")
        return self

_DEFAULT_EMPTY = [
    "", "n/a", "na", "n a", "none", "nothing", "no", "nope", "nil", "no comment", "no comments",
    "not applicable", "nothing to add", "nothing else", "nothing further", "nothing more",
    "none thanks", "no thanks", "none really", "nothing really", "not really", "no thank you",
    "x", "idk", "don't know", "dont know", "not sure", "nothing to say", "none at this time",
]


class Codebook(_Model):
    """A codebook: codes (optionally hierarchical), valence, negation and empty-answer rules.

    Loaded from YAML by :func:`evaltool.load_codebook` (a packaged id or a path to your own
    file) and validated on load.

    Examples
    --------
    >>> from evaltool import load_codebook
    >>> cb = load_codebook("resilience_training")
    >>> cb.id, len(cb.codes), cb.code("system_context").label
    ('resilience_training', 12, 'Resilience as contextual and multi-layered')
    """

    id: Identifier
    name: str
    version: str
    description: str | None = None
    language: str = "en"
    codes: list[Code] = Field(min_length=1)
    valence: Valence = Field(default_factory=Valence)
    negation: Negation = Field(default_factory=Negation)
    clauses: Clauses = Field(default_factory=Clauses)
    empty_answers: list[str] = Field(default_factory=lambda: list(_DEFAULT_EMPTY))
    min_letters: int = Field(default=2, ge=0)
    vocab: dict[Identifier, list[str]] = Field(default_factory=dict)
    notes: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand_vocab(cls, data: object) -> object:
        """Replace ``{name}`` in every phrase by the alternatives of ``vocab[name]``."""
        if not isinstance(data, dict) or not isinstance(data.get("vocab"), dict) or not data["vocab"]:
            return data
        return _expand(data, data["vocab"])

    @model_validator(mode="after")
    def _cross_check(self) -> Codebook:
        ids = [c.id for c in self.flat_codes()]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"code ids {dup} are used twice")
        known = set(ids)
        for c in self.flat_codes():
            if c.parent is not None and c.parent not in known:
                raise ValueError(f"code '{c.id}' has parent '{c.parent}', which is not a code")
        unknown = [c for c in self.valence.proposal_codes if c not in known]
        if unknown:
            raise ValueError(f"valence.proposal_codes {unknown} are not codes")
        parents = {c.id: c.parent for c in self.flat_codes()}
        for cid in ids:
            seen: set[str] = set()
            node: str | None = cid
            while node is not None:
                if node in seen:
                    raise ValueError(f"code '{cid}' is its own ancestor (parent cycle)")
                seen.add(node)
                node = parents.get(node)
        return self

    def flat_codes(self) -> list[Code]:
        """Every code, depth first, children after their parent, with ``parent`` filled in."""
        out: list[Code] = []

        def walk(codes: list[Code], parent: str | None) -> None:
            for c in codes:
                out.append(c if c.parent is not None or parent is None
                           else c.model_copy(update={"parent": parent}))
                walk(c.children, c.id)

        walk(self.codes, None)
        return out

    @property
    def code_ids(self) -> list[str]:
        return [c.id for c in self.flat_codes()]

    def code(self, code_id: str) -> Code:
        for c in self.flat_codes():
            if c.id == code_id:
                return c
        raise KeyError(code_id)

    def ancestors(self, code_id: str) -> list[str]:
        """Ids of the parent, grandparent, ... of a code (nearest first)."""
        parents = {c.id: c.parent for c in self.flat_codes()}
        out, node = [], parents[code_id]
        while node is not None:
            out.append(node)
            node = parents[node]
        return out


Code.model_rebuild()

_VOCAB_REF = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")
# keys whose string values (or lists of strings) are phrases in the phrase syntax
_PHRASE_KEYS = frozenset({"phrases", "a", "b", "positive", "negative", "mixed", "neutral",
                          "evaluative", "sarcasm", "administrative", "denial", "cues", "pseudo",
                          "contrast"})


def _expand_phrase(phrase: str, vocab: dict, seen: tuple[str, ...] = ()) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in vocab:
            raise ValueError(f"phrase {phrase!r} uses '{{{name}}}', which is not in vocab "
                             f"(known: {sorted(vocab)})")
        if name in seen:
            raise ValueError(f"vocab '{name}' refers to itself")
        items = vocab[name]
        if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
            raise ValueError(f"vocab '{name}' must be a non-empty list of phrases")
        return "(" + "|".join(_expand_phrase(x, vocab, (*seen, name)) for x in items) + ")"

    return _VOCAB_REF.sub(sub, phrase)


def _expand(node: object, vocab: dict, key: str | None = None) -> object:
    if isinstance(node, dict):
        return {k: (v if k == "vocab" else _expand(v, vocab, k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_expand(v, vocab, key) for v in node]
    if isinstance(node, str) and key in _PHRASE_KEYS and "{" in node:
        return _expand_phrase(node, vocab)
    return node


# ------------------------------------------------------------------------------------------
# loading and checking
# ------------------------------------------------------------------------------------------
class CodebookProblem(FileProblem):
    """One schema problem in a codebook file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from evaltool import check_codebook_file
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.yaml"
    >>> _ = path.write_text("id: mine\\nname: Mine\\nversion: '1'\\ncodes: []\\n")
    >>> problem = check_codebook_file(path)[0]
    >>> problem.field, problem.message
    ('codes', 'List should have at least 1 item after validation, not 0')
    """


def _available() -> dict[str, Path]:
    return {p.stem: p for p in sorted(codebooks_dir().glob("*.yaml"))}


def _validate(data: object, file: str) -> tuple[Codebook | None, list[CodebookProblem]]:
    return validate_file_data(Codebook, data, file, CodebookProblem, "see the packaged 'resilience_training' codebook for an example")


def check_codebook_file(path: str | Path) -> list[CodebookProblem]:
    """Return every schema problem in a codebook file (an empty list means it is valid).

    Parameters
    ----------
    path
        Path to a YAML codebook file.

    Returns
    -------
    list of CodebookProblem
        Each with ``file``, ``field`` (e.g. ``codes[coaching_call].rules[0].regex``) and
        ``message``.

    Raises
    ------
    CodebookError
        If the file cannot be read or is not valid YAML.

    Examples
    --------
    >>> from evaltool._resources import codebooks_dir
    >>> check_codebook_file(codebooks_dir() / "resilience_training.yaml")
    []
    """
    path = Path(path)
    data = read_yaml(path, CodebookError)
    book, problems = _validate(data, str(path))
    if book is not None and book.id != path.stem and path.parent == codebooks_dir():
        problems.append(CodebookProblem(str(path), "id", f"id '{book.id}' must equal the file name '{path.stem}'"))
    return problems


@lru_cache(maxsize=64)
def _load_path(path: Path, mtime: float) -> Codebook:
    """The codebook in a file, checked; a file that passed every check before (same bytes,
    same evaltool) is read from the disk cache (:mod:`evaltool.qual._compile_cache`)."""
    from . import _compile_cache

    try:
        raw: bytes | None = path.read_bytes()
    except OSError:
        raw = None  # read_yaml reports it
    if raw is not None:
        cached = _compile_cache.load_validated(raw)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
    data = read_yaml(path, CodebookError)
    book, problems = _validate(data, str(path))
    if book is None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise CodebookError(
            f"{first.message}{more}.", file=path, field=first.field,
            fix=f"call evaltool.qual.check_codebook_file('{path}') to list every problem.",
        )
    if raw is not None:
        _compile_cache.save_validated(raw, book)
    return book


def load_codebook(name_or_path: str | Path | Codebook) -> Codebook:
    """Load a packaged codebook by name, or a user's codebook file by path.

    Parameters
    ----------
    name_or_path
        A packaged codebook id (``"resilience_training"``; see :func:`list_codebooks`), a path
        to a YAML file, or a :class:`Codebook` (returned unchanged).

    Returns
    -------
    Codebook
        The validated codebook.

    Raises
    ------
    CodebookError
        If the name is unknown (the message lists the known names) or the file is invalid
        (the message names the file and the field).

    Examples
    --------
    >>> book = load_codebook("resilience_training")
    >>> len(book.code_ids), book.code_ids[0]
    (12, 'reframing_resilience')
    """
    if isinstance(name_or_path, Codebook):
        return name_or_path
    p = resolve_data_file(name_or_path, _available(), CodebookError, "codebook", 'list_codebooks()')
    return _load_path(p.resolve(), p.stat().st_mtime)


LIST_CODEBOOKS_COLUMNS = ("id", "name", "version", "n_codes", "codes", "description")


def list_codebooks() -> pd.DataFrame:
    """List the packaged codebooks.

    Returns
    -------
    DataFrame
        One row per codebook: ``id``, ``name``, ``version``, ``n_codes``, ``codes``
        (comma-separated code ids), ``description``.

    Examples
    --------
    >>> table = list_codebooks()
    >>> "resilience_training" in set(table["id"])
    True
    """
    rows = []
    for name in _available():
        book = load_codebook(name)
        rows.append({
            "id": book.id, "name": book.name, "version": book.version,
            "n_codes": len(book.code_ids), "codes": ", ".join(book.code_ids),
            "description": book.description,
        })
    return pd.DataFrame(rows, columns=list(LIST_CODEBOOKS_COLUMNS))
