"""One Ctrl-C stops ``evaltool analyse`` at any stage (issue 16, item 7).

``python -m evaltool analyse`` runs on the example study in a subprocess of its own process
group; SIGINT goes to the whole group (as a terminal's Ctrl-C does, worker processes
included) at several moments: while loading, during the statistics, during coding and while
writing. Each time: exit code 130, one line on stderr and no traceback or "Exception
ignored" noise, no results folder and no hidden temporary folder left, no process of the
group still alive. The time to stop is printed (``-s``), never asserted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evaltool.examples import example_study_path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 30.0  # seconds allowed to stop: generous (a busy machine), not a speed goal


def _group_alive(pgid: int) -> list[int]:
    """Processes still in the process group (zombies excluded)."""
    alive = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(d.name))
    return alive


def _run_until(tmp_path: Path, marker: str | None, delay: float, study: Path | None = None
               ) -> tuple[subprocess.Popen, Path, str, int]:
    """Start ``analyse`` (of the example study unless ``study``); send SIGINT ``delay`` s after
    ``marker`` appears on stderr (after start when None). Returns the process (ended), the
    results folder, stderr and the number of processes the group had at the interrupt."""
    out = tmp_path / "results"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    env.pop("EVALTOOL_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "evaltool", "analyse", str(study or example_study_path()), "--out",
                             str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            start_new_session=True, cwd=str(tmp_path))
    err = b""
    if marker is not None:
        os.set_blocking(proc.stderr.fileno(), False)
        deadline = time.monotonic() + 120
        while marker.encode() not in err and proc.poll() is None and time.monotonic() < deadline:
            chunk = proc.stderr.read() or b""
            err += chunk
            time.sleep(0.05)
        os.set_blocking(proc.stderr.fileno(), True)
    time.sleep(delay)
    if proc.poll() is not None:
        pytest.skip("the run finished before the interrupt (machine too fast for this moment)")
    alive = len(_group_alive(proc.pid))
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, rest = proc.communicate(timeout=LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"analyse did not stop within {LIMIT:.0f} s of Ctrl-C")
    latency = time.monotonic() - sent
    print(f"\nstopped {latency:.2f} s after Ctrl-C ({marker or 'start'} + {delay} s; {alive} processes)")
    return proc, out, (err + rest).decode("utf-8", "replace"), alive


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")
@pytest.mark.parametrize(("marker", "delay"), [
    (None, 1.0),                       # loading: imports, study file, reading exports
    ("reliability", 0.2),              # statistics
    ("qualitative coding", 0.1),       # coding (worker processes when there are enough answers)
    ("integration", 0.05),             # the figures and the .qdpx written in background processes meanwhile
    ("writing", 0.3),                  # writing tables, figures and reports into the temporary folder
])
def test_one_ctrl_c_stops_analyse_cleanly(tmp_path: Path, marker: str | None, delay: float) -> None:
    proc, out, err, _ = _run_until(tmp_path, marker, delay)
    _assert_stopped_cleanly(proc, out, err, tmp_path)


@pytest.fixture(scope="module")
def larger_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example scaled to 4,000 participants (about 13,000 free-text answers): enough for
    coding to start right after linking in a forked process with workers of its own."""
    folder = tmp_path_factory.mktemp("study4k")
    subprocess.run([sys.executable, "-m", "evaltool.examples.generate", "--participants", "4000", "--cohorts", "40",
                    "--out", str(folder)], check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return folder / "study.yaml"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")
@pytest.mark.parametrize(("marker", "delay"), [
    ("participant flow", 0.1),   # the statistics, while the coding process and its workers run
    ("qualitative coding", 0.0),  # collecting the codings
])
def test_ctrl_c_while_coding_runs_beside_the_statistics(tmp_path: Path, larger_study: Path, marker: str,
                                                         delay: float) -> None:
    """The coding started after linking (its process and that process's own workers) stops
    with the rest: exit 130, nothing left on disk, no process of the group alive."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    proc, out, err, alive = _run_until(run_dir, marker, delay, study=larger_study)
    _assert_stopped_cleanly(proc, out, err, run_dir)
    if alive < 2:
        pytest.skip("no coding process was running at the interrupt (machine too fast for this moment)")


def _assert_stopped_cleanly(proc: subprocess.Popen, out: Path, err: str, tmp_path: Path) -> None:
    assert proc.returncode == 130, err[-2000:]
    lines = [ln for ln in err.splitlines() if "Interrupted" in ln]
    assert lines == ["Interrupted (Ctrl-C): stopped; nothing was left half-written."], err[-2000:]
    assert "Traceback" not in err and "Exception ignored" not in err and "KeyboardInterrupt" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no hidden temporary folder either
    time.sleep(0.5)  # terminated workers are reaped by init once their parent has gone
    assert _group_alive(proc.pid) == []


def test_ctrl_c_keeps_an_earlier_results_folder(tmp_path: Path) -> None:
    """With --overwrite, an interrupted run leaves the previous results exactly as they were."""
    out = tmp_path / "results"
    out.mkdir()
    (out / "manifest.json").write_text('{"tool": "evaltool", "files": {}}', encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "evaltool", "analyse", str(example_study_path()), "--out",
                             str(out), "--overwrite"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env, start_new_session=True, cwd=str(tmp_path))
    time.sleep(4.0)
    if proc.poll() is not None:
        pytest.skip("the run finished before the interrupt")
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=LIMIT)
    assert proc.returncode == 130, err.decode()[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json"]
