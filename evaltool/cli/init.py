"""``evaltool init EXPORT...``: draft a study file from survey exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import OutputError
from ._common import console, guard


@guard
def init_command(
    exports: Annotated[list[Path], typer.Argument(help="One export per wave, or one long export.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the draft.")] = Path("study.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Draft a study.yaml: format, participant-id column, timepoints, instruments recognised
    by item names, question text or item count, groups and free-text questions. Every guess
    is marked '# guessed' — check them, then run 'evaltool validate'.

    Examples:

      evaltool init T1.csv T2.csv T3.csv --out study.yaml

      evaltool init redcap_export.csv --out study.yaml
    """
    from ..study.draft import draft_study

    if out.exists() and not force:
        raise OutputError("the file already exists.", file=out, fix="choose another --out, or pass --force.")
    for e in exports:
        if out.resolve() == e.resolve():
            raise OutputError("the draft would overwrite an input file.", file=out, fix="choose another --out.")
    text = draft_study(exports, out=out)
    out.write_text(text, encoding="utf-8")
    con = console()
    guesses = sum("# guessed" in line for line in text.splitlines())
    con.print(f"Drafted {out} ({guesses} guesses marked '# guessed'). Next: evaltool validate {out}", markup=False)
