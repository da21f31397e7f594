"""Reading speed: 4 waves × 100,000 respondents × 60 columns of Qualtrics CSV.

Rows (GitHub issue 3, item 1; the issue's budget is reading + linking all four waves in
under 30 s):

* ``read_export 4 waves`` — :func:`evaltool.io.read_export` on four Qualtrics exports
  (three header rows, 17 metadata columns, 40 numeric items, a free-text column with
  commas, quotes, curly apostrophes and an occasional quoted newline, an embedded-data
  participant code and cohort), against a bare ``pyarrow.csv.read_csv`` of the same files
  (``newlines_in_values=True``, which the quoted newlines need; otherwise defaults). Goals: at most 15 s (half the issue's budget, leaving the rest for linking) and
  at most 5× the bare read.
* ``read_export 1 wave`` — the same for one file, for scale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ._common import best_of_each, data_dir, row

N_FULL = 100_000
N_QUICK = 2_000
WAVES = 4
N_ITEMS = 40
SEED = 20240603
META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
        "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
        "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
        "DistributionChannel", "UserLanguage"]
IMPORT = ["startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
          "recordedDate", "_recordId", "recipientLastName", "recipientFirstName",
          "recipientEmail", "externalDataReference", "locationLatitude", "locationLongitude",
          "distributionChannel", "userLanguage"]
TEXTS = np.array([
    "Talking to colleagues, and asking for help early.",
    "I don’t feel alone now",
    'The "pause" exercise helped',
    "More time for reflection, please\nand shorter slides",
    "",
    "Café chat with the team was useful",
])


def make_wave(n: int, wave: int, path: Path | None = None) -> Path:
    """Write one synthetic Qualtrics export (deterministic; reused if it exists)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = path or data_dir() / f"qualtrics_{n}_w{wave}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(SEED + wave)
    items = [f"Q{1 + i // 10}_{1 + i % 10}" for i in range(N_ITEMS)]
    ids = META + items + ["Q5", "participant_code", "cohort"]
    text = META + [f"Statement {i + 1}" for i in range(N_ITEMS)] + [
        "Any comments?", "participant_code", "cohort"]
    imports = IMPORT + [f"QID{1 + i // 10}_{1 + i % 10}" for i in range(N_ITEMS)] + [
        "QID5_TEXT", "participant_code", "cohort"]
    ids_arr = np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    stamp = np.full(n, f"2024-0{wave}-01 09:00:00")
    cols: dict[str, Any] = {
        "StartDate": stamp, "EndDate": stamp, "Status": np.zeros(n, "int8"),
        "IPAddress": np.full(n, "192.0.2.1"), "Progress": np.full(n, 100, "int16"),
        "Duration (in seconds)": rng.integers(100, 2000, n), "Finished": np.ones(n, "int8"),
        "RecordedDate": stamp,
        "ResponseId": np.char.add("R_", np.char.zfill(np.arange(n).astype(str), 15)),
        "RecipientLastName": pa.nulls(n, pa.string()), "RecipientFirstName": pa.nulls(n, pa.string()),
        "RecipientEmail": pa.nulls(n, pa.string()), "ExternalReference": ids_arr,
        "LocationLatitude": np.full(n, "51.5072"), "LocationLongitude": np.full(n, "-0.1276"),
        "DistributionChannel": np.full(n, "anonymous"), "UserLanguage": np.full(n, "EN"),
    }
    for it in items:
        x = rng.integers(1, 6, n).astype("int8")
        cols[it] = pa.array(x, mask=rng.random(n) < 0.03)
    cols["Q5"] = pa.array(TEXTS[rng.integers(0, len(TEXTS), n)]).cast(pa.string())
    cols["participant_code"] = ids_arr
    cols["cohort"] = np.char.add("C", (1 + np.arange(n) // 8 % 12).astype(str))
    table = pa.table({k: (v if isinstance(v, (pa.Array, pa.ChunkedArray)) else pa.array(v)) for k, v in cols.items()})
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(ids)
        w.writerow(text)
        w.writerow([json.dumps({"ImportId": i}, separators=(",", ":")) for i in imports])
        fh.write(buf.getvalue().encode("utf-8"))
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    tmp.replace(path)
    return path


def run(quick: bool = False) -> list[dict[str, Any]]:
    import pyarrow.csv as pacsv

    from evaltool.io import read_export

    n = N_QUICK if quick else N_FULL
    paths = [make_wave(n, w) for w in range(1, WAVES + 1)]
    repeat = 3
    # the bare read needs newlines_in_values too: free text has quoted newlines
    opts = pacsv.ParseOptions(newlines_in_values=True)

    def ours() -> list[Any]:
        return [read_export(p) for p in paths]

    def bare() -> list[Any]:
        return [pacsv.read_csv(p, parse_options=opts) for p in paths]

    timed = best_of_each({"ours": ours, "bare": bare}, repeat)
    (t_ours, exports), (t_bare, tables) = timed["ours"], timed["bare"]
    one = best_of_each({"ours": lambda: read_export(paths[0]), "bare": lambda: pacsv.read_csv(
        paths[0], parse_options=opts)}, repeat)
    # agreement: same records and the same answers as the bare read (whose first two data
    # rows are Qualtrics' header rows 2 and 3)
    agree = all(
        len(e.data) == t.num_rows - 2
        and e.data["Q1_1"].astype(object).fillna("").tolist() == [v or "" for v in t.column("Q1_1").to_pylist()[2:]]
        and e.data["Q5"].astype(object).fillna("").tolist() == [v or "" for v in t.column("Q5").to_pylist()[2:]]
        for e, t in zip(exports, tables, strict=True)
    )
    if sum(len(e.data) for e in exports) != WAVES * n:
        raise RuntimeError("read_export returned the wrong number of records")
    note = (f"records and answers (Q1_1, free text Q5) agree with the bare read: {agree}; "
            "evaltool also decodes and checks the text, reads the three header rows, and "
            "computes spreadsheet row numbers (quoted newlines present)")
    size = f"{WAVES} × {n:,} × 60"
    return [
        row(f"read_export {WAVES} waves (Qualtrics CSV, {size})", t_ours,
            "pyarrow.csv.read_csv (bare, newlines_in_values)", t_bare,
            "≤ 15 s and ≤ 5× bare read", goal_ratio=5.0,
            goal_seconds=None if quick else 15.0, note=note),
        row(f"read_export 1 wave ({n:,} × 60)", one["ours"][0],
            "pyarrow.csv.read_csv (bare, newlines_in_values)", one["bare"][0],
            "≤ 5× bare read", goal_ratio=5.0),
    ]
