"""Reading *and linking* 4 waves × 100,000 respondents × 60 columns (GitHub issue 3). The whole
``evaltool analyse`` (on the example study at 66, 10k and 100k participants) is in
``bench_analyse.py``.

Rows:

* ``read + link 4 waves`` — :func:`evaltool.study.link_study` on a study file over the four
  Qualtrics exports of ``bench_io`` (ids normalised, duplicates resolved, 40 items checked
  against BRS-like response sets, free text, a cohort group, match report, exclusions,
  problems). Baseline: a bare ``pyarrow.csv.read_csv`` of the same four files plus a pandas
  merge of the four waves on the participant code — what a script without checks would do.
  Goal: < 30 s (the issue's budget).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._common import best_of_each, data_dir, row
from .bench_io import N_FULL, N_ITEMS, N_QUICK, WAVES, make_wave


def _instrument(folder: Path) -> Path:
    """A 40-item instrument (1–5) named after the bench files' Qualtrics columns."""
    items = [f"Q{1 + i // 10}_{1 + i % 10}" for i in range(N_ITEMS)]
    lines = [
        "id: bench40", "name: Bench forty", "short_name: B40", "measures: benchmark", "citation: none",
        "licence: {tier: study, item_text_shippable: false, terms: bench only}",
        "response_sets: {five: {min: 1, max: 5}}",
        "items:", *[f"  - {{id: {i}, response_set: five, reverse: {str(n % 4 == 1).lower()}}}" for n, i in enumerate(items)],
        "scales:", f"  - {{id: b40, label: B40, items: [{', '.join(items)}], method: mean, direction: higher_better, "
        "missing: {min_answered: 30}}",
    ]
    p = folder / "bench40.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _study(paths: list[Path], folder: Path) -> Path:
    inst = _instrument(folder)
    exports = "\n".join(f"  - {{file: {p}, timepoint: T{i + 1}}}" for i, p in enumerate(paths))
    text = (f"name: bench link\nexports:\n{exports}\n"
            f"timepoints: [{', '.join(f'{{id: T{i + 1}}}' for i in range(len(paths)))}]\n"
            "participant_id: {column: participant_code}\n"
            f"instruments: [{{id: {inst}}}]\n"
            "groups: [{name: cohort, column: cohort}]\n"
            "free_text: [{id: comments, column: Q5}]\n")
    p = folder / f"study_{len(paths)}_{paths[0].stem}.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def run(quick: bool = False) -> list[dict[str, Any]]:
    import pyarrow.csv as pacsv

    from evaltool.study import link_study

    n = N_QUICK if quick else N_FULL
    paths = [make_wave(n, w) for w in range(1, WAVES + 1)]
    study = _study(paths, data_dir())
    opts = pacsv.ParseOptions(newlines_in_values=True)
    read_opts = pacsv.ReadOptions(skip_rows_after_names=2)

    def bare() -> Any:
        frames = [pacsv.read_csv(p, read_options=read_opts, parse_options=opts).to_pandas() for p in paths]
        out = frames[0]
        for i, f in enumerate(frames[1:], start=2):
            out = out.merge(f, on="participant_code", how="outer", suffixes=("", f"_w{i}"))
        return out

    timed = best_of_each({"ours": lambda: link_study(study), "bare": bare}, 1 if not quick else 2)
    (t_ours, linked), (t_bare, merged) = timed["ours"], timed["bare"]
    c = linked.counts
    rows = [row(
        f"read + link {WAVES} waves ({n:,} × 60 each)", t_ours,
        "bare pyarrow read + pandas outer merge on the code", t_bare, "< 30 s", goal_seconds=30,
        note=(f"rows in {c['rows_in']:,} = kept {c['rows_kept']:,} + excluded {c['rows_excluded']:,}; "
              f"{c['participants']:,} participants; merged frame has {len(merged):,} rows"),
    )]
    return rows
