"""The parts of a codebook (private; see :mod:`evaltool.qual.codebook` for the file format):
rules and their conditions, exclusions, question context, and the valence, negation and
clause settings. Phrases and regular expressions are checked when a codebook is loaded."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import _patterns

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_phrases(values: list[str]) -> list[str]:
    for n, p in enumerate(values):
        try:
            _patterns.check_phrase(p)
        except _patterns.PhraseError as exc:
            raise ValueError(f"phrase {n} ({p!r}) {exc}") from None
    return values


def _check_regexes(values: list[str]) -> list[str]:
    for n, p in enumerate(values):
        try:
            rx = re.compile(p, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"regex {n} ({p!r}) does not compile: {exc}") from None
        if rx.fullmatch(""):
            raise ValueError(f"regex {n} ({p!r}) matches the empty string")
    return values


def _check_question_regexes(values: list[str]) -> list[str]:
    """Question patterns only need to compile (a negative lookahead such as
    ``^(?!.*call)`` — every question but the call's — matches the empty string)."""
    for n, p in enumerate(values):
        try:
            re.compile(p, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"regex {n} ({p!r}) does not compile: {exc}") from None
    return values


class Near(_Model):
    """Proximity: a term of ``a`` within ``within`` words of a term of ``b``, same clause."""

    a: list[str] = Field(min_length=1)
    b: list[str] = Field(min_length=1)
    within: int = Field(default=5, ge=1, le=20)
    ordered: bool = False

    _phrases_a = field_validator("a", "b")(_check_phrases)

    def phrases(self) -> list[str]:
        return _patterns.near_phrases(self.a, self.b, self.within, self.ordered)

    def label(self) -> str:
        arrow = "->" if self.ordered else "~"
        return f"near:({'|'.join(self.a)}) {arrow}{self.within} ({'|'.join(self.b)})"


class Context(_Model):
    """Context a rule's match needs: a phrase or regex in the same clause, window or answer."""

    phrases: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    scope: Literal["clause", "window", "answer"] = "clause"
    within: int = Field(default=6, ge=1, le=30)

    _phr = field_validator("phrases")(_check_phrases)
    _rx = field_validator("regex")(_check_regexes)

    @model_validator(mode="after")
    def _not_empty(self) -> Context:
        if not (self.phrases or self.regex):
            raise ValueError("a context ('requires') needs phrases or regex")
        return self


class Rule(_Model):
    """One rule entry of a code: any of phrases, stems, regex, near (all optional), with an
    optional context (``requires``), position and question restriction."""

    name: str | None = None
    phrases: list[str] = Field(default_factory=list)
    stems: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    near: Near | None = None
    negation_sensitive: bool = False
    requires: Context | None = None
    position: Literal["any", "clause_start"] = "any"
    questions: list[str] = Field(default_factory=list)

    _qrx = field_validator("questions")(_check_question_regexes)

    _phr = field_validator("phrases")(_check_phrases)
    _rx = field_validator("regex")(_check_regexes)

    @field_validator("stems")
    @classmethod
    def _stems(cls, values: list[str]) -> list[str]:
        for n, s in enumerate(values):
            if not re.fullmatch(r"[^\W_][\w'’-]*\*?", s.strip()):
                raise ValueError(f"stem {n} ({s!r}) must be one word, optionally ending in '*'")
        return values

    @model_validator(mode="after")
    def _not_empty(self) -> Rule:
        if not (self.phrases or self.stems or self.regex or self.near):
            raise ValueError("a rule needs at least one of phrases, stems, regex or near")
        if self.questions and not self.name:
            raise ValueError("a rule with 'questions' needs a 'name'")
        return self


class ExcludeRule(_Model):
    """Patterns that veto a code's matches: overlapping them, or in the same clause/answer.

    With ``questions`` (regular expressions searched, case-insensitively, in the question id
    or label) instead of phrases or regex, every match of the code in answers to a matching
    question is vetoed (only when the answers have a ``question`` column).
    """

    phrases: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    scope: Literal["overlap", "clause", "answer"] = "overlap"

    _phr = field_validator("phrases")(_check_phrases)
    _rx = field_validator("regex", "questions")(_check_regexes)

    @model_validator(mode="after")
    def _not_empty(self) -> ExcludeRule:
        if not (self.phrases or self.regex or self.questions):
            raise ValueError("an exclude rule needs phrases, regex or questions")
        if self.questions and (self.phrases or self.regex):
            raise ValueError("an exclude rule with questions cannot also have phrases or regex; "
                             "write them as two exclude rules")
        return self


class QuestionContext(_Model):
    """Opt-in: code evaluating answers to some questions (see the module docstring).

    ``questions`` are regular expressions searched, case-insensitively, in the question id or
    label of each answer; ``when`` is ``"evaluation"`` (the answer has a valence or evaluative
    term) or ``"any"`` (every non-empty answer).
    """

    questions: list[str] = Field(min_length=1)
    when: Literal["evaluation", "any"] = "evaluation"

    _rx = field_validator("questions")(_check_regexes)


class Lexicon(_Model):
    """Valence word lists (phrase syntax).

    ``evaluative``: words that evaluate without a polarity ("ok", "fine"); they do not change
    the valence but count as an evaluation for question context. ``sarcasm``: conservative
    markers ("the irony", "yeah right"); an answer with one is negative and its positive terms
    do not count. ``administrative``: what an administrative request asks for ("the slides",
    "a certificate", "CPD hours"); a proposal in the same clause is not a wish for change.
    ``circumstance``: a circumstance that explains an answer ("been off on mat leave", "was on
    nights that week"); like ``neutral`` it masks the terms it overlaps, and the answer is not
    given its question's default.
    """

    positive: list[str] = Field(default_factory=list)
    negative: list[str] = Field(default_factory=list)
    mixed: list[str] = Field(default_factory=list)
    neutral: list[str] = Field(default_factory=list)
    evaluative: list[str] = Field(default_factory=list)
    sarcasm: list[str] = Field(default_factory=list)
    administrative: list[str] = Field(default_factory=list)
    circumstance: list[str] = Field(default_factory=list)

    _phr = field_validator("positive", "negative", "mixed", "neutral", "evaluative",
                           "sarcasm", "administrative", "circumstance")(_check_phrases)


ValenceLabel = Literal["positive", "negative", "mixed", "neutral"]


class ValenceQuestion(_Model):
    """How valence reads answers to some questions (regexes searched in the question id or
    label): ``default`` for a non-empty answer without any polarity evidence (naming what was
    most useful approves; an answer to "what would you change" proposes a change), ``denial``
    for an answer that only says no or nothing ("Nothing" as the most useful part is negative;
    as what to change it is neutral) or that opens with a denial and says nothing else that
    counts ("Honestly no. Forgot about it"). ``opening_denial``: the evidence a denial adds when
    the answer goes on ("Nothing, Sam was brilliant" / "No changes, maybe a bit shorter" under
    "what would you change": approval, so positive or mixed; "Not yet, but..." under "have
    you used anything": negative)."""

    questions: list[str] = Field(min_length=1)
    default: ValenceLabel | None = None
    denial: ValenceLabel = "neutral"
    opening_denial: Literal["positive", "negative"] | None = None

    _rx = field_validator("questions")(_check_question_regexes)


class Valence(_Model):
    """Valence settings: lexicons and how negation acts on them.

    ``flip_negated``: a negated positive term counts as negative and a negated negative term as
    positive. ``neutral`` phrases mask any polarity term they overlap ("would be good to").
    ``mixed`` phrases make the answer mixed by themselves ("mixed feelings").

    ``proposal_codes``: codes whose evidence is a proposal for the intervention (docs/codebook.md:
    "a suggestion that implies something was missing or wrong" is negative, mixed with
    approval); a proposal that overlaps a positive term ("more of these please") approves, and
    one in a clause with an ``administrative`` term ("could we get the slides?") is neutral.
    ``denials``: whole answers that only say no or nothing ("no", "not really", "nothing");
    ``questions``: per-question defaults (:class:`ValenceQuestion`), first match wins.
    ``attempts``: openings that report an attempt, not a use ("tried", "gave it a go"): an
    answer that opens with one and then criticises is negative, not mixed, even where the
    question approves what an answer names ("Tried, but hard to keep up").
    """

    enabled: bool = True
    lexicon: Lexicon = Field(default_factory=Lexicon)
    flip_negated: bool = True
    proposal_codes: list[str] = Field(default_factory=list)
    denials: list[str] = Field(default_factory=list)
    attempts: list[str] = Field(default_factory=list)
    questions: list[ValenceQuestion] = Field(default_factory=list)


class Negation(_Model):
    """Negation cues, the phrases that look like negation but are not, and the scope."""

    cues: list[str] = Field(default_factory=lambda: [
        "not", "n't", "no", "never", "nothing", "without", "hardly", "barely", "neither", "nor",
    ])
    pseudo: list[str] = Field(default_factory=list)
    window: int = Field(default=4, ge=1, le=20)

    _phr = field_validator("cues", "pseudo")(_check_phrases)


class Clauses(_Model):
    """Where clauses end: punctuation (a regex character class body), contrast words and,
    with ``spaced_dash`` (default), a dash with a space on each side ("used it - it helped";
    "short-staffed" is one word)."""

    punctuation: str = r".!?;,\n"
    contrast: list[str] = Field(default_factory=lambda: list(_patterns.CLAUSE_BLOCKERS))
    spaced_dash: bool = True

    _phr = field_validator("contrast")(_check_phrases)

    @field_validator("punctuation")
    @classmethod
    def _punct(cls, v: str) -> str:
        try:
            re.compile(f"[{v}]")
        except re.error as exc:
            raise ValueError(f"is not a valid character class body: {exc}") from None
        return v
