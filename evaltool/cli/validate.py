"""``evaltool validate study.yaml``: import, link and validate only; write the check tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, err_console, fail, guard


def default_out(study_path: Path, suffix: str) -> Path:
    """``./evaltool-output/<study folder>-<suffix>`` in the current folder."""
    return Path.cwd() / "evaltool-output" / f"{study_path.resolve().parent.name or 'study'}-{suffix}"


@guard
def validate_command(
    study: Annotated[Path, typer.Argument(help="The study file (study.yaml).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for the tables (default ./evaltool-output/<study>-validate)."),
    ] = None,
) -> None:
    """Import every export, link waves by participant and check the data; nothing is analysed.

    The tables go into a new or empty folder only, never next to the exports.

    Writes match_report.csv (who was found at which timepoint, duplicates, near-miss ids),
    exclusions.csv (every row set aside, with its reason), problems.csv (every data problem
    with file, row, column, rule and fix), item_map.csv (which column is which item, and
    how it was matched), participants.csv and inputs.csv (file hashes). Exit code 1 when
    there are errors to fix.

    Examples:

      evaltool validate study.yaml

      evaltool validate study.yaml --out checks/
    """
    from ..output import write_csv
    from ..privacy.paths import OutputGuard, study_inputs
    from ..study import link_study, load_study

    sf = load_study(study)
    guard = OutputGuard(study_inputs(sf))
    out_dir = guard.folder(out or default_out(sf.path, "validate"), empty=True)
    con = console()
    with err_console().status("Linking exports ...") as status:
        linked = link_study(sf, progress=lambda m: status.update(m))
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {
        "match_report": linked.match_report, "exclusions": linked.exclusions,
        "problems": linked.problems, "item_map": linked.item_map,
        "participants": linked.participants, "inputs": linked.inputs,
    }
    for name, frame in tables.items():
        write_csv(frame, guard.file(out_dir / f"{name}.csv"))
    print_summary(linked, con)
    con.print(f"Tables written to {out_dir}", markup=False)
    if linked.has_errors:
        fail(f"{linked.counts['problems_error']} data problem(s) must be fixed first; see {out_dir / 'problems.csv'}.")


def print_summary(linked: object, con: object) -> None:
    """A short, count-only summary (no ids, no answers): rows, exclusions, participants, then
    errors (which stop the analysis) apart from warnings (to check)."""
    c = linked.counts  # type: ignore[attr-defined]
    spec = linked.study.spec  # type: ignore[attr-defined]
    say = con.print  # type: ignore[attr-defined]
    if spec.synthetic:
        say("[bold yellow]SYNTHETIC EXAMPLE DATA[/] — not real participants.")
    say(f"[bold]{_esc(spec.name)}[/]: {c['exports']} export file(s), {c['rows_in']} rows in = "
        f"{c['rows_kept']} kept + {c['rows_excluded']} excluded.")
    ex = linked.exclusions  # type: ignore[attr-defined]
    if len(ex):
        for reason, n in ex["reason"].value_counts().items():
            say(f"  excluded: {n} × {reason}", markup=False)
    per_tp = ", ".join(f"{t} {c[f'participants_at_{t}']}" for t in spec.timepoint_ids)
    say(f"Participants: {c['participants']} ({per_tp}); all timepoints: {c['participants_all_timepoints']}.",
        markup=False)
    pr = linked.problems  # type: ignore[attr-defined]
    if not len(pr):
        say("No data problems found.", markup=False)
        return
    for sev, title in (("error", "Errors (must be fixed before the analysis)"), ("warning", "Warnings (to check)")):
        part = pr[pr["severity"] == sev]
        if len(part):
            say(f"{title}: {len(part)}", markup=False)
            for rule, n in part["rule"].value_counts().items():
                say(f"  {n} × {rule}", markup=False)


def _esc(text: object) -> str:
    from rich.markup import escape

    return escape(str(text))
