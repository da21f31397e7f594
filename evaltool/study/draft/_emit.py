"""Drafting, last step: the study (and drafted instrument files) written by a YAML emitter,
with '# guessed' comments where they belong. Nothing is assembled as text, so any file name,
column name, question or label (commas, colons, '#', quotes, newlines, emoji) stays a value."""

from __future__ import annotations

import io
import re
from typing import Any

from ._common import Guess, one_line

FLOW = "flow"
"""Marker in ``flow`` sets: paths whose mapping is written on one line (``{id: T1, ...}``)."""


def _node(value: Any, path: tuple, comments: dict[tuple, str], flow: set[tuple]) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        cm = CommentedMap()
        for k, v in value.items():
            cm[k] = _node(v, (*path, k), comments, flow)
            note = comments.get((*path, k))
            if note and (not isinstance(v, (dict, list)) or (*path, k) in flow):
                cm.yaml_add_eol_comment(one_line(note, 300), k)
        if path in flow:
            cm.fa.set_flow_style()
        return cm
    if isinstance(value, list):
        seq = CommentedSeq()
        for i, v in enumerate(value):
            seq.append(_node(v, (*path, i), comments, flow))
            note = comments.get((*path, i))
            if note and (not isinstance(v, (dict, list)) or (*path, i) in flow):
                seq.yaml_add_eol_comment(one_line(note, 300), i)
        if path in flow:
            seq.fa.set_flow_style()
        return seq
    return value


def _block_comments(node: Any, data: Any, comments: dict[tuple, str], flow: set[tuple],
                    path: tuple = (), indent: int = 0) -> None:
    """Comments on a nested mapping or list go above its key (an end-of-line comment there
    would sit after its first child)."""
    if not isinstance(data, dict) or path in flow:
        return
    for key, value in data.items():
        note = comments.get((*path, key))
        if note and isinstance(value, (dict, list)) and (*path, key) not in flow:
            node.yaml_set_comment_before_after_key(key, before=one_line(note, 300), indent=indent)
        _block_comments(node[key], value, comments, flow, (*path, key), indent + 2)


def _nested_item_comments(node: Any, data: Any, path: tuple, comments: dict[tuple, str], flow: set[tuple]) -> None:
    """An entry of a list that is itself a mapping: its comment goes on its first key."""
    if isinstance(data, list):
        for i, v in enumerate(data):
            note = comments.get((*path, i))
            if note and isinstance(v, dict) and (*path, i) not in flow and v:
                first = next(iter(v))
                if not comments.get((*path, i, first)):
                    node[i].yaml_add_eol_comment(one_line(note, 300), first)
            _nested_item_comments(node[i], v, (*path, i), comments, flow)
    elif isinstance(data, dict):
        for k, v in data.items():
            _nested_item_comments(node[k], v, (*path, k), comments, flow)


_PLAIN = re.compile(r"^[A-Za-z0-9_./()][A-Za-z0-9 _./()'-]*$")


def _str(representer: Any, data: str) -> Any:
    """Plain only when nothing in the text could be read as YAML syntax; otherwise quoted
    (double quotes escape newlines and control characters). Text that looks like a number,
    a date or a boolean is quoted by the default representer."""
    if _PLAIN.match(data) and not data.endswith(" "):
        return representer.represent_str(data)
    return representer.represent_scalar("tag:yaml.org,2002:str", data, style='"')


def dump(data: dict, comments: dict[tuple, str], flow: set[tuple], header: list[str],
         footer: list[str] | None = None) -> str:
    """YAML text of ``data`` with comments; ``header``/``footer`` lines become ``#`` lines."""
    from ruamel.yaml import YAML

    root = _node(data, (), comments, flow)
    _block_comments(root, data, comments, flow)
    _nested_item_comments(root, data, (), comments, flow)
    if header:
        root.yaml_set_start_comment("\n".join(one_line(h, 400) for h in header))
    y = YAML()
    y.representer.add_representer(str, _str)
    y.width = 4096
    y.allow_unicode = True
    y.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    y.dump(root, buf)
    text = buf.getvalue()
    if footer:
        text += "\n" + "".join(f"# {one_line(line, 400)}\n" for line in footer)
    return text


def guesses_footer(guesses: list[Guess]) -> list[str]:
    """The closing list: every guess, riskiest first."""
    ordered = sorted(enumerate(guesses), key=lambda t: (-t[1].risk, t[0]))
    lines = ["Check these guesses first (riskiest first):"]
    for n, (_i, g) in enumerate(ordered, 1):
        lines.append(f" {n}. [{'high' if g.risk >= 3 else 'medium' if g.risk == 2 else 'low'}] {g.line()}")
    return lines
