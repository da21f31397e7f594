"""``evaltool analyse`` end to end at national scale, stage by stage (GitHub issue 16), and
``evaltool validate`` on two 250 MB exports (issues 14 and 16).

Rows:

* ``analyse <size>`` — the whole run with ``--out`` (link, score, reliability, flow,
  descriptives, pre/post, models, reliable change, coding, figures, writing tables, figures
  and reports) on the example study generated at three sizes: the bundled 66 participants,
  10,000 and 100,000 participants (400 cohorts, 4 waves, BRS + confidence + quiz + CBI, five
  free-text questions; ``python -m evaltool.examples.generate --participants N --cohorts
  400``). Each size runs in its own process (``bench/_analyse_worker.py``) so that peak
  memories do not mix; the process reports each stage as it ends, so a run stopped at the
  time limit still shows where its time went. Baseline: **the floor** — a bare
  ``pyarrow.csv.read_csv`` of the same exports + the statistical stages themselves (score,
  reliability, flow, descriptives, pre/post, models, reliable change; their CPU time, as the
  coding runs beside them in a forked process) + a bare
  ``pyarrow.csv.write_csv`` of every table the run produced, all measured in the same run.
  Goals (issue 16): 10k < 15 s; 100k < 60 s and peak memory < 4 GB. The bare read runs in a
  process of its own (best of 2), so neither its time nor its memory enters the run's.
* ``validate 2 × 250 MB`` — ``python -m evaltool validate`` (reading, linking and checking two
  Qualtrics exports of ~250 MB each, and writing its tables) in a subprocess; peak memory is
  the child's own high-water mark (``VmHWM``). Baseline: a bare ``pyarrow.csv.read_csv`` of the two files (also in its own
  process, with its peak memory). Goal: peak ≤ 4× the input size.

The stage-by-stage table (wall seconds and peak memory so far, per size) is printed before
the summary table. ``--quick`` analyses a 40-participant study in memory and validates two
2,000-row exports (a smoke run; no goals). Data are generated once into ``bench/_data`` (about 90 s for the 100k
study and 30 s for the 250 MB exports on the first run). Each size is stopped after
:data:`LIMITS` seconds (90 s for 66 and 10k, 180 s for 100k; ``validate`` 240 s);
``EVALTOOL_BENCH_ANALYSE_LIMIT`` (seconds) sets one limit for all;
``EVALTOOL_BENCH_ANALYSE_SIZES`` (e.g. ``example,10k`` or ``100k,validate``) runs only those rows.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ._common import data_dir, row
from ._memory import TreeSampler

SIZES: tuple[tuple[str, int | None, int], ...] = (
    ("example", None, 8), ("10k", 10_000, 400), ("100k", 100_000, 400))
QUICK_SIZES: tuple[tuple[str, int | None, int], ...] = (("40", 40, 4),)
GOALS = {"10k": 15.0, "100k": 60.0}
PEAK_GOAL_MB = 4000.0
STATISTICAL = ("score questionnaires", "reliability", "participant flow", "descriptives",
               "pre/post comparisons", "longitudinal models", "reliable change")
VALIDATE_ROWS = 900_000  # two Qualtrics exports of about 250 MB each (bench_io layout)
VALIDATE_QUICK_ROWS = 2_000
WORKER = Path(__file__).resolve().parent / "_analyse_worker.py"


LIMITS = {"example": 90.0, "10k": 90.0, "100k": 180.0}
"""Seconds before a size is stopped (6× the goals): keeps ``make bench`` near 10 minutes while
stages are still slow, and still shows where the time went."""


def _limit(label: str | None = None) -> float:
    env = os.environ.get("EVALTOOL_BENCH_ANALYSE_LIMIT")
    if env:
        return float(env)
    return LIMITS.get(label or "", 240.0)


def study_for(label: str, participants: int | None, cohorts: int) -> Path:
    """The study file of one size: the bundled example, or a scaled copy in the data folder."""
    if participants is None:
        from evaltool.examples import example_study_path

        return example_study_path()
    from evaltool.examples._design import Size

    folder = data_dir() / f"example_{participants}_{cohorts}"
    done = folder / ".complete"
    if not done.exists():  # in a child process: this one stays small (its size would be
        Size(participants, cohorts)  # inherited by the peak memory of the ones it starts)
        subprocess.run([sys.executable, "-m", "evaltool.examples.generate", "--participants", str(participants),
                        "--cohorts", str(cohorts), "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
        done.write_text("ok\n", encoding="utf-8")
    return folder / "study.yaml"


def _kill(proc: subprocess.Popen) -> None:
    """Stop a worker and the processes it started (its own session), nothing else."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_analyse(study: Path, limit: float, env: dict[str, str] | None = None, write: bool = True) -> dict[str, Any]:
    """Run the worker on ``study``; its stages, total, floor parts, and whether it finished."""
    out = data_dir() / f"analyse-out-{os.getpid()}"
    report = data_dir() / f"analyse-report-{os.getpid()}.jsonl"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen([sys.executable, str(WORKER), str(study), str(out) if write else "-", str(report)],
                                stdout=null, stderr=subprocess.PIPE, start_new_session=True,
                                env=env, cwd=str(data_dir()))
        with TreeSampler(proc.pid) as tree:  # the worker leads its own session (start_new_session)
            try:
                _, err = proc.communicate(timeout=limit)
                stopped = False
            except subprocess.TimeoutExpired:
                _kill(proc)
                _, err = proc.communicate()
                stopped = True
    wall = time.perf_counter() - t0
    lines = [json.loads(x) for x in report.read_text(encoding="utf-8").splitlines() if x.strip()] \
        if report.exists() else []
    report.unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    res: dict[str, Any] = {"stages": [x for x in lines if "stage" in x], "stopped": stopped,
                           "wall": wall, "failed": None}
    for x in lines:
        if x.get("done"):
            res["seconds"], res["peak_mb"] = x["seconds"], x["peak_mb"]
        elif x.get("baseline") == "bare write":
            res["bare_write"] = x["seconds"]
    res["tree_peak_mb"] = tree.peak_mb
    if tree.peak_mb is not None and "peak_mb" in res:  # forked writers and workers count too
        res["peak_mb"] = max(res["peak_mb"], tree.peak_mb)
    if not stopped and "seconds" not in res:
        res["failed"] = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
    if stopped:
        res["seconds"] = wall
        res["peak_mb"] = max((s["peak_mb"] for s in res["stages"]), default=float("nan"))
        done = {s["stage"] for s in res["stages"]}
        order = ["load study file"] + [s for s in _step_names() if s not in ("load study file",)]
        res["running"] = next((s for s in order if s not in done), "?")
    return res


def _exports(study: Path) -> list[Path]:
    from evaltool.study import load_study

    sf = load_study(study)
    return [sf.resolve(p) for e in sf.spec.exports for p in e.paths]


def _step_names() -> list[str]:
    from evaltool.analysis.pipeline import STEPS

    return ["load study file", *[step.name for step in STEPS], "writing tables, figures, reports"]


def floor_of(res: dict[str, Any]) -> float | None:
    """Bare read + statistical stages + bare write; without the bare write when the run was
    stopped before writing (then a lower bound). None before any statistical stage ran.

    A statistical stage counts with the CPU time of the process that runs it (its wall time
    when the worker did not report CPU): since coding runs in a forked process beside the
    statistics, their wall time includes waiting for a CPU, which is not the statistics'
    own cost."""
    stats = [s.get("cpu", s["seconds"]) for s in res["stages"] if s["stage"] in STATISTICAL]
    if "bare_read" not in res or not stats:
        return None
    return res["bare_read"] + sum(stats) + res.get("bare_write", 0.0)


def stage_table(results: dict[str, dict[str, Any]]) -> str:
    """Stages down, sizes across: wall seconds and peak memory so far (MB)."""
    labels = list(results)
    names = [n for n in _step_names() if any(n in {s["stage"] for s in r["stages"]} for r in results.values())]
    head = ["stage"] + [f"{lab} s" for lab in labels] + [f"{lab} peak MB" for lab in labels]
    lines = [head]
    for name in names:
        cells = [name]
        got = [{s["stage"]: s for s in r["stages"]}.get(name) for r in results.values()]
        cells += ["—" if g is None else f"{g['seconds']:.2f}" for g in got]
        cells += ["—" if g is None else f"{g['peak_mb']:.0f}" for g in got]
        lines.append(cells)
    total = ["total (wall)"] + [
        (f"> {r['seconds']:.0f}" if r["stopped"] else "failed" if r["failed"] else f"{r['seconds']:.2f}")
        for r in results.values()]
    total += [f"{r.get('peak_mb', float('nan')):.0f}" for r in results.values()]
    lines.append(total)
    if any(r["stopped"] for r in results.values()):
        lines.append(["  stopped at the time limit in"] + [
            r.get("running", "?") if r["stopped"] else "" for r in results.values()] + [""] * len(labels))
    floor = ["floor (bare read + statistics + bare write)"] + [
        "—" if floor_of(r) is None else (f"≥ {floor_of(r):.2f}" if "bare_write" not in r else f"{floor_of(r):.2f}")
        for r in results.values()] + [""] * len(labels)
    lines.append(floor)
    lines.append(["  bare pyarrow read of the exports"] + [
        f"{r['bare_read']:.2f}" if "bare_read" in r else "—" for r in results.values()] + [""] * len(labels))
    lines.append(["  bare pyarrow write of every table"] + [
        f"{r['bare_write']:.2f}" if "bare_write" in r else "—" for r in results.values()] + [""] * len(labels))
    widths = [max(len(x[i]) for x in lines) for i in range(len(head))]
    fmt = [" ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(x, widths, strict=True)))
           for x in lines]
    return "\n".join([fmt[0], "-" * len(fmt[0]), *fmt[1:]])


# ---- validate on two large exports ------------------------------------------------------------


# Python code run in a child process: the script or module, then its own peak memory (VmHWM,
# see _analyse_worker.peak_mb) written to the file named by EVALTOOL_BENCH_PEAK_FILE at exit.
_WITH_PEAK = (
    "import atexit, os, runpy, sys\n"
    "sys.path.insert(0, {here!r})\n"
    "from _analyse_worker import peak_mb\n"
    "atexit.register(lambda: open(os.environ['EVALTOOL_BENCH_PEAK_FILE'], 'w').write(str(peak_mb())))\n"
    "{body}\n"
)
_VALIDATE = "sys.argv = ['evaltool', *sys.argv[1:]]\nrunpy.run_module('evaltool', run_name='__main__')"
_BARE_READ = ("from pathlib import Path\nfrom _analyse_worker import bare_read\n"
              "print(bare_read([Path(p) for p in sys.argv[1:]]))")


def bare_read(paths: list[Path]) -> tuple[float, float]:
    """``pyarrow.csv.read_csv`` of ``paths`` in a process of its own: (best of 2 seconds, peak MB)."""
    peak_file = data_dir() / f"peak-{os.getpid()}.txt"
    code = _WITH_PEAK.format(here=str(WORKER.parent), body=_BARE_READ)
    out = subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True, text=True,
                         check=True, env={**os.environ, "EVALTOOL_BENCH_PEAK_FILE": str(peak_file)})
    peak = float(peak_file.read_text())
    peak_file.unlink(missing_ok=True)
    return float(out.stdout.strip().splitlines()[-1]), peak


def _run_with_peak(body: str, args: list[str], cwd: Path, limit: float) -> tuple[float, float, int]:
    """Run ``body`` (Python) with ``args`` in a child; wall seconds, its peak memory (MB) and
    exit status (-9: stopped at ``limit``)."""
    peak_file = data_dir() / f"peak-{os.getpid()}.txt"
    peak_file.unlink(missing_ok=True)
    code = _WITH_PEAK.format(here=str(WORKER.parent), body=body)
    env = {**os.environ, "EVALTOOL_BENCH_PEAK_FILE": str(peak_file)}
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=null, stderr=null, env=env,
                                cwd=str(cwd), start_new_session=True)
        try:
            status = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGINT)  # let atexit write the peak so far
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _kill(proc)
                proc.wait()
            status = -9
    wall = time.perf_counter() - t0
    peak = float(peak_file.read_text()) if peak_file.exists() else float("nan")
    peak_file.unlink(missing_ok=True)
    return wall, peak, status


def run_validate(quick: bool) -> dict[str, Any]:
    from .bench_io import make_wave
    from .bench_link import _study

    n = VALIDATE_QUICK_ROWS if quick else VALIDATE_ROWS
    paths = [make_wave(n, w) for w in (1, 2)]
    study = _study(paths, data_dir())
    out = data_dir() / f"validate-out-{os.getpid()}"
    shutil.rmtree(out, ignore_errors=True)
    wall, peak, status = _run_with_peak(_VALIDATE, ["validate", str(study), "--out", str(out)],
                                        Path(__file__).resolve().parent.parent, _limit("validate"))
    shutil.rmtree(out, ignore_errors=True)
    b_wall, b_peak = bare_read(paths)
    return {"seconds": wall, "peak_mb": peak, "status": status, "bare": b_wall, "bare_peak_mb": b_peak,
            "input_mb": sum(p.stat().st_size for p in paths) / 1e6, "rows": n}


def _chosen(sizes: tuple[tuple[str, int | None, int], ...]) -> tuple[tuple[str, int | None, int], ...]:
    """The sizes named in ``EVALTOOL_BENCH_ANALYSE_SIZES`` (comma-separated labels, e.g.
    ``example,10k``; ``validate`` in the list keeps the validate row), all when unset."""
    env = os.environ.get("EVALTOOL_BENCH_ANALYSE_SIZES")
    if not env:
        return sizes
    want = {x.strip() for x in env.split(",")}
    return tuple(s for s in sizes if s[0] in want)


def _validate_chosen() -> bool:
    env = os.environ.get("EVALTOOL_BENCH_ANALYSE_SIZES")
    return not env or "validate" in {x.strip() for x in env.split(",")}


def run(quick: bool = False) -> list[dict[str, Any]]:
    sizes = QUICK_SIZES if quick else _chosen(SIZES)
    results: dict[str, dict[str, Any]] = {}
    studies: dict[str, Path] = {}
    for label, n, k in sizes:
        studies[label] = study_for(label, n, k)
    for label, _n, _k in sizes:
        print(f"  analyse {label} ...", file=sys.stderr, flush=True)
        results[label] = run_analyse(studies[label], _limit(label), write=not quick)
        results[label]["bare_read"], _ = bare_read(_exports(studies[label]))
    print("\nanalyse stage by stage (seconds; peak resident memory so far, MB)")
    print(stage_table(results))
    rows = []
    for label, n, k in sizes:
        r = results[label]
        who = "66 participants, 8 cohorts" if n is None else f"{n:,} participants, {k} cohorts"
        top = sorted(r["stages"], key=lambda s: -s["seconds"])[:3]
        note = ("largest stages: " + ", ".join(f"{s['stage']} {s['seconds']:.1f} s" for s in top)
                + f"; peak memory {r.get('peak_mb', float('nan')):.0f} MB (the larger of the worker's own high-water "
                f"mark and the sampled sum over its process tree, forked writers included: "
                f"{r.get('tree_peak_mb') or float('nan'):.0f} MB)")
        if r["stopped"]:
            note = f"stopped at the {_limit(label):.0f} s limit while '{r.get('running')}' ran; " + note
        if r["failed"]:
            note = f"FAILED: {r['failed'][0]}; " + note
        goal = GOALS.get(label)
        rows.append(row(
            f"analyse {label} ({who}, 4 waves{'' if quick else ', --out'})", r["seconds"],
            "floor: bare read + statistical stages + bare write", floor_of(r),
            "—" if goal is None else f"< {goal:.0f} s" + (", < 4 GB" if label == "100k" else ""),
            goal_seconds=None if quick else goal,
            goal_peak_mb=PEAK_GOAL_MB if label == "100k" and not quick else None,
            peak_mb=r.get("peak_mb"), note=note, stages=r["stages"],
        ))
    if not quick and not _validate_chosen():
        return rows
    print("  validate ...", file=sys.stderr, flush=True)
    v = run_validate(quick)
    ratio = v["peak_mb"] / v["input_mb"]
    rows.append(row(
        f"validate 2 × {v['input_mb'] / 2:,.0f} MB Qualtrics exports ({v['rows']:,} rows each)", v["seconds"],
        "bare pyarrow read of the two files", v["bare"], "peak ≤ 4× input",
        goal_peak_mb=None if quick else 4 * v["input_mb"], peak_mb=v["peak_mb"],
        note=(("STOPPED at the time limit (peak so far); " if v["status"] == -9 else "")
              + f"peak {v['peak_mb']:,.0f} MB = {ratio:.1f}× the input ({v['input_mb']:,.0f} MB); bare read "
              f"peak {v['bare_peak_mb']:,.0f} MB; exit status {v['status']}"),
    ))
    return rows
