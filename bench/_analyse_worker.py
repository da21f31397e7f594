"""Run ``evaltool analyse`` once in this process and report its stages as JSON lines.

Run by ``bench_analyse`` as a subprocess per study size, so that the peak memory of one size
does not mix with another's (``ru_maxrss`` only grows):

    python bench/_analyse_worker.py STUDY_YAML OUT_DIR REPORT_JSONL [STOP_BEFORE]

(``OUT_DIR`` ``-``: analyse in memory, write nothing. ``STOP_BEFORE``: the name of a stage,
e.g. ``figures``, at which to stop — its ``progress`` callback raises — to time the stages
before it alone, quickly and repeatedly.)

Each line of ``REPORT_JSONL`` is written (and flushed) as soon as it is known, so a run
stopped by the benchmark's time limit still leaves the stages it finished:

* ``{"stage": name, "seconds": s, "cpu": c, "peak_mb": m}`` per pipeline step (the time between
  two ``progress`` callbacks of :func:`evaltool.analysis.analyse`; ``cpu`` is this process's
  own CPU time in it, which work running beside it in forked processes does not enter;
  ``peak_mb`` is the process's peak resident memory so far), starting with ``"load study file"``
  (before the first step);
* ``{"baseline": "bare write", ...}`` — ``pyarrow.csv.write_csv`` of every table the run
  produced (best of 2, after the run): the floor of the writing stage (the bare read of the
  exports is measured by ``bench_analyse`` in a process of its own);
* ``{"done": true, "seconds": total, "peak_mb": m}`` at the end.

A standalone script (no package-relative imports), so that ``PYTHONPATH=<other checkout>``
measures another version of evaltool with the same harness.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    Linux's ``VmHWM`` (the high-water mark of this program's own memory) — not ``ru_maxrss``,
    which survives ``exec`` and so starts at the size of the process that started this one.
    Elsewhere ``ru_maxrss`` (kB on Linux, bytes on macOS) is the fallback.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def bare_read(paths: list[Path]) -> float:
    """Best of 2 wall times of ``pyarrow.csv.read_csv`` of ``paths`` (no checks)."""
    import pyarrow.csv as pacsv

    opts = pacsv.ParseOptions(newlines_in_values=True)
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        for p in paths:
            pacsv.read_csv(p, parse_options=opts)
        best = min(best, time.perf_counter() - t0)
    return best


def _bare_write(tables: dict[str, Any], folder: Path) -> float:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    arrow = {}
    for name, frame in tables.items():
        try:
            arrow[name] = pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            arrow[name] = pa.Table.from_pandas(frame.astype(str), preserve_index=False)
    folder.mkdir(parents=True, exist_ok=True)
    best = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        for name, table in arrow.items():
            pacsv.write_csv(table, folder / f"{name}.csv")
        best = min(best, time.perf_counter() - t0)
    shutil.rmtree(folder, ignore_errors=True)
    return best


def main(argv: list[str]) -> int:
    study_path, report = Path(argv[0]), Path(argv[2])
    out_dir = None if argv[1] == "-" else Path(argv[1])
    fh = open(report, "w", encoding="utf-8")  # noqa: SIM115 - closed at the end; lines flushed

    def emit(**rec: Any) -> None:
        fh.write(json.dumps(rec) + "\n")
        fh.flush()

    start = time.perf_counter()
    from evaltool.analysis import analyse
    from evaltool.study import load_study

    state: dict[str, Any] = {"stage": "load study file", "t": start, "cpu": time.process_time()}
    stop_before = argv[3] if len(argv) > 3 else None

    class Stop(Exception):
        pass

    def progress(name: str, _i: int, _n: int) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        emit(stage=state["stage"], seconds=now - state["t"], cpu=cpu - state["cpu"], peak_mb=peak_mb())
        state.update(stage=name, t=now, cpu=cpu)
        if name == stop_before:
            raise Stop

    emit(start=True, evaltool=str(Path(sys.modules["evaltool"].__file__ or "").parent))
    sf = load_study(study_path)
    try:
        results = analyse(sf, out=out_dir, overwrite=True, progress=progress)
    except Stop:
        emit(stopped_before=stop_before, seconds=time.perf_counter() - start, peak_mb=peak_mb())
        fh.close()
        return 0
    total = time.perf_counter() - start
    emit(done=True, seconds=total, peak_mb=peak_mb())
    bare = Path(report).with_suffix(".bare-write")
    emit(baseline="bare write", seconds=_bare_write(dict(results.tables), bare), tables=len(results.tables))
    fh.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
