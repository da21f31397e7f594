"""Character tries of phrase atoms rendered as regular expressions (private; see
:mod:`evaltool.qual._patterns`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

STEM = ("STEM", r"\w*")
"""Atom of a word ending in ``*``: any further word characters."""

_END = ("END",)


def _order(key: object) -> tuple[int, tuple[int, str]]:
    """Sort key of trie branches: characters, then separators and rests (a longer rest first,
    so that of two phrases sharing their first words the longer one is tried first), then
    stems, then the end."""
    if isinstance(key, str):
        return (0, (0, key))
    if not isinstance(key, tuple):  # pragma: no cover
        return (3, (0, ""))
    if key[0] == "RAW":
        return (1, (-len(key[1]), key[1]))
    if key[0] in ("SEP", "OSEP", "APOS", "GAP"):
        return (1, (0, key[1]))
    if key[0] == "STEM":
        return (2, (0, ""))
    return (3, (0, ""))


# Python's regex engine tries the alternatives of a group one after the other, so the most
# frequent characters go first: word-initial letters at the root, letter frequency below.
_INITIAL = "tasiowhbcmfpdrlengyuvjkqxz"
_LETTERS = "etaoinsrhldcumfpgwybvkxjqz"


def _char_rank(ch: str, initial: bool) -> int:
    order = _INITIAL if initial else _LETTERS
    i = order.find(ch)
    return i if i >= 0 else len(order) + ord(ch)


def compile_trie(alternatives: Sequence[tuple[Sequence[object], str]]) -> str:
    """Merge alternatives (atoms, marker name) into one regular expression (a string).

    Each alternative must start with a word character; the expression starts with a word
    boundary, then branches on the first character. An alternative that does not end in a stem
    or a rendered rest ends with a word boundary. When two alternatives are identical the first
    marker wins.
    """
    trie: dict = {}
    for atoms, name in alternatives:
        node = trie
        for a in atoms:
            node = node.setdefault(a, {})
        if not any(isinstance(k, tuple) and k[0] == "END" for k in node):
            node[("END", name)] = {}

    def gen(node: dict, after: object) -> str:
        parts = []
        keys = sorted(node, key=lambda k: (_order(k)[0], _char_rank(k, after is None)
                                           if isinstance(k, str) else 0, _order(k)[1]))
        for key in keys:
            if isinstance(key, tuple) and key[0] == "END":
                open_end = after == STEM or (isinstance(after, tuple) and after[0] == "RAW")
                parts.append(("" if open_end else r"\b") + f"(?P<{key[1]}>)")
                continue
            piece = re.escape(key) if isinstance(key, str) else key[1]
            parts.append(piece + gen(node[key], key))
        if len(parts) == 1:
            return parts[0]
        return "(?:" + "|".join(parts) + ")"

    if not trie:
        return r"(?!x)x"
    first = "".join(sorted({re.escape(k) for k in trie if isinstance(k, str)}))
    return r"\b(?=[" + first + "])" + gen(trie, None)
