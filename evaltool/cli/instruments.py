"""``evaltool instruments list | show | check``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, fail, guard, print_table

app = typer.Typer(
    help=(
        "The instrument library: list packaged questionnaires, show one, check your own YAML.\n\n"
        "Examples:\n\n"
        "  evaltool instruments list\n\n"
        "  evaltool instruments show cbi\n\n"
        "  evaltool instruments check my_scale.yaml"
    ),
    no_args_is_help=True,
)


@app.command("list")
@guard
def list_command() -> None:
    """List the packaged instruments with their scales and licence tier.

    Example: evaltool instruments list
    """
    from ..instruments import list_instruments

    table = list_instruments()
    table["item_text"] = table["item_text"].map({True: "shipped", False: "keys only"})
    print_table(table, title="Packaged instruments")


@app.command("show")
@guard
def show_command(
    name: Annotated[str, typer.Argument(help="Instrument id (see 'evaltool instruments list') or a YAML path.")],
) -> None:
    """Show one instrument: items, reverse keys, scales, scoring rules, bands, licence.

    Example: evaltool instruments show brs
    """
    from ..instruments import load_instrument

    inst = load_instrument(name)
    con = console()
    con.print(f"[bold]{inst.name}[/] ({inst.short_name}, id '{inst.id}'"
              + (f", version {inst.version}" if inst.version else "") + ")")
    con.print(f"Measures: {inst.measures}")
    con.print(f"Licence: tier {inst.licence.tier} — {' '.join(inst.licence.terms.split())}")
    con.print(f"Citation: {' '.join(inst.citation.split())}")
    for rs_id, rs in inst.response_sets.items():
        labels = ", ".join(f"{k:g} = {v}" for k, v in rs.labels.items())
        recode = "" if not rs.recode else "; recoded " + ", ".join(f"{k:g}→{v:g}" for k, v in rs.recode.items())
        con.print(f"Response set '{rs_id}': {rs.min:g}..{rs.max:g}" + (f" ({labels})" if labels else "") + recode)
    import pandas as pd

    rows = [
        {"item": it.id, "no.": it.number or "", "reverse": "yes" if it.reverse else "",
         "response set": it.response_set, "text": it.text or it.short or ""}
        for it in inst.items
    ]
    print_table(pd.DataFrame(rows), title="Items")
    for s in inst.scales:
        rule = f"at least {s.min_answered()} of {len(s.items)} answered"
        if s.missing is not None:
            rule += f" ({s.missing.source})"
        rev = [i for i in s.items if inst.is_reversed(s, i)]
        con.print(
            f"[bold]Scale '{s.id}'[/] — {s.label}: {s.method} of {len(s.items)} items; "
            f"reversed: {', '.join(rev) or 'none'}; {rule}; "
            f"{'higher = better' if s.direction == 'higher_better' else 'higher = worse'}"
        )
        for b in s.bands:
            lo = "" if b.lower is None else ("[" if b.contains_lower() else "(") + f"{b.lower:g}"
            hi = "" if b.upper is None else f"{b.upper:g}" + ("]" if b.contains_upper() else ")")
            con.print(f"    band {b.label}: {lo}, {hi}", markup=False)


@app.command("check")
@guard
def check_command(
    file: Annotated[Path, typer.Argument(help="Your instrument YAML file.")],
) -> None:
    """Check an instrument YAML file and print every schema problem with file and field.

    Example: evaltool instruments check my_scale.yaml
    """
    from ..instruments import check_instrument_file

    problems = check_instrument_file(file)
    if problems:
        con = console()
        for p in problems:
            con.print(f"{p}", markup=False)
        fail(f"{file}: {len(problems)} problem(s) found.")
    console().print(f"{file}: valid instrument file.", markup=False)
