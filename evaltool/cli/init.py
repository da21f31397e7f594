"""``evaltool init EXPORT...``: draft a study file from survey exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import OutputError
from ._common import console, guard


def _check_outputs(out: Path, files: list[str], exports: list[Path], force: bool) -> None:
    inputs = {e.resolve() for e in exports}
    targets = [out] + [out.parent / name for name in files]
    for t in targets:
        if t.resolve() in inputs:
            raise OutputError("the draft would overwrite an input file.", file=t, fix="choose another --out.")
    if out.exists() and not force:
        raise OutputError("the file already exists.", file=out, fix="choose another --out, or pass --force.")
    for name in files:
        if (out.parent / name).exists():  # drafted names avoid existing files; never replace one
            raise OutputError("a drafted instrument file would replace an existing file.", file=out.parent / name,
                              fix="move that file, or choose another --out folder.")


@guard
def init_command(
    exports: Annotated[list[Path], typer.Argument(help="One export per wave, or one long export.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the draft.")] = Path("study.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing study file.")] = False,
    instrument: Annotated[list[Path] | None, typer.Option(
        "--instrument", "-i", help="Your own instrument file (YAML); repeat for several. YAML files "
                                   "given among the exports count too.")] = None,
) -> None:
    """Draft a study.yaml: format, participant-id column, timepoints, instruments (named only
    when their items match; otherwise drafted as your own instrument files next to the study
    file), groups and free-text questions. Every guess is marked '# guessed' and the riskiest
    are listed at the end: check them, then run 'evaltool validate'.

    Examples:

      evaltool init T1.csv T2.csv T3.csv --out study.yaml

      evaltool init redcap_export.csv redcap_dictionary.csv --out study.yaml

      evaltool init T1.csv T2.csv --instrument my_quiz.yaml --out study.yaml
    """
    from ..study.draft import draft_study

    for e in exports:
        if out.resolve() == e.resolve():
            raise OutputError("the draft would overwrite an input file.", file=out, fix="choose another --out.")
    draft = draft_study(exports, out=out, instruments=instrument or ())
    _check_outputs(out, list(draft.files), exports, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(draft.text, encoding="utf-8")
    for name, text in draft.files.items():
        (out.parent / name).write_text(text, encoding="utf-8")
    con = console()
    made = f" and {len(draft.files)} instrument file(s) of your own ({', '.join(draft.files)})" if draft.files else ""
    con.print(f"Drafted {out}{made}, with {len(draft.guesses)} guesses.", markup=False)
    risky = [g for g in draft.guesses if g.risk >= 2][:6] or draft.guesses[:3]
    if risky:
        con.print("Check these guesses first:", markup=False)
        for n, g in enumerate(risky, 1):
            con.print(f"  {n}. {g.line()}", markup=False)
    con.print(f"Next: evaltool validate {out}", markup=False)
