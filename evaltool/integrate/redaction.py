"""Redaction used wherever quotes leave the research team: evaltool.qual's redactor, plus
masking of words that name someone's role (for small groups such as one cohort)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from ..errors import EvaltoolError

__all__ = ["ROLE_MASK", "default_redactor", "load_identifying_terms", "role_masker"]

ROLE_MASK = "[role]"


def default_redactor(names: Sequence[str] = (), places: Sequence[str] = ()) -> Callable[[str], str]:
    """Return ``text -> redacted text`` using :func:`evaltool.qual.redact.redact`.

    ``names`` and ``places`` are extra strings to remove (the study file's ``redact_names`` and
    ``redact_places``).
    """
    try:
        from ..qual.redact import redact as fn
    except ImportError:  # pragma: no cover - the qualitative module ships with evaltool
        raise EvaltoolError(
            "quotes cannot be shown because evaltool's redaction module is missing.",
            fix="reinstall evaltool; quotes are never shown unredacted.") from None
    extra = {"names": list(names), "places": list(places)}

    def run(text: str) -> str:
        out = _call(fn, text, extra)
        if hasattr(out, "iloc"):
            out = out.iloc[0]
        return str(getattr(out, "text", out))

    return run


def _call(fn: Any, text: str, extra: dict[str, list[str]]) -> Any:
    import inspect

    params = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in extra.items() if k in params and v}
    return fn(text, **kwargs)


@lru_cache(maxsize=4)
def _terms_file(path: str) -> tuple[str, ...]:
    from pathlib import Path

    from .._yaml import read_yaml
    from ..errors import OutputError

    data = read_yaml(Path(path), OutputError)
    terms: list[str] = []
    for group in (data or {}).get("terms", {}).values():
        terms.extend(str(t) for t in group)
    return tuple(terms)


def load_identifying_terms(template_dirs: Iterable[str] = ()) -> tuple[str, ...]:
    """Role and setting words that can point at one person in a small group.

    Read from ``identifying_terms.yaml`` in the user's template folders first, then evaltool's
    ``reports/`` folder (a data file, so a study can extend it).
    """
    from pathlib import Path

    from .._resources import reports_dir

    for d in [*map(Path, template_dirs), reports_dir()]:
        p = d / "identifying_terms.yaml"
        if p.is_file():
            return _terms_file(str(p))
    return ()


def role_masker(terms: Iterable[str]) -> Callable[[str], str]:
    """Return ``text -> text`` with every term (whole words, any case, plural ``s``) replaced
    by ``[role]``.

    Examples
    --------
    >>> mask = role_masker(["paramedic", "band 6 midwife", "midwife"])
    >>> mask("More confident as a Band 6 midwife; the paramedics agreed.")
    'More confident as a [role]; the [role] agreed.'
    """
    words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return lambda text: text
    alts = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    pattern = re.compile(rf"(?<![\w-])(?:{alts})(?:e?s)?(?![\w-])", re.IGNORECASE)
    return lambda text: pattern.sub(ROLE_MASK, text)
