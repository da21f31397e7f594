"""Documentation is complete and true (issue 7; STYLE.md 11, 13, 15).

- every CLI command and sub-command has help text with an example of itself;
- every public function and class has a numpydoc docstring with a runnable Examples section
  (the examples themselves run as doctests in ``make test``);
- every command the README names exists, every command exists in the README, the README's
  shell and Python blocks run, and its troubleshooting section quotes the real messages;
- the numbers notebook 02 shows equal those ``evaltool analyse`` writes for the same study.
"""

from __future__ import annotations

import glob
import html
import importlib
import inspect
import io
import re
import shlex
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import evaltool
from evaltool.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PUBLIC_MODULES = ("evaltool.stats", "evaltool.qual", "evaltool.scoring", "evaltool.io", "evaltool.plots",
                  "evaltool.report", "evaltool.integrate", "evaltool.study", "evaltool.analysis",
                  "evaltool.instruments", "evaltool.examples")


# ------------------------------------------------------------------------------------------
# the command line
def _is_group(cmd: object) -> bool:
    return isinstance(getattr(cmd, "commands", None), dict)  # typer vendors click: no isinstance


def _commands() -> list[tuple[tuple[str, ...], object]]:
    """Every command and sub-command of ``typer.main.get_command(app)`` with its path."""
    out = []

    def walk(cmd: object, path: tuple[str, ...]) -> None:
        out.append((path, cmd))
        if _is_group(cmd):
            for name, sub in sorted(cmd.commands.items()):
                walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return out


COMMANDS = _commands()


def test_the_command_tree():
    paths = {" ".join(p) for p, _ in COMMANDS}
    assert {"demo", "init", "validate", "analyse", "score", "report cohort", "report study",
            "themes code", "themes suggest", "themes agree", "themes export",
            "instruments list", "instruments show", "instruments check"} <= paths


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) or "evaltool" for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path, cmd):
    text = inspect.cleandoc(cmd.help or "")
    assert text, f"evaltool {' '.join(path)}: no help text"
    assert re.search(r"^Examples?:", text, re.M), f"evaltool {' '.join(path)}: no 'Example(s):' in its help"
    examples = text[re.search(r"^Examples?:", text, re.M).start():]
    own = "evaltool " + " ".join(path)
    assert re.search(rf"(^|\s){re.escape(own.strip())}(\s|$)", examples), f"no example of '{own}' itself"
    res = CliRunner().invoke(app, [*path, "--help"])
    assert res.exit_code == 0 and "Example" in res.output


# ------------------------------------------------------------------------------------------
# the Python API
def _public_objects() -> list[tuple[str, object]]:
    seen: dict[int, tuple[str, object]] = {}
    for name in evaltool.__all__:
        if name != "__version__":
            obj = getattr(evaltool, name)
            seen.setdefault(id(obj), (f"evaltool.{name}", obj))
    for mod_name in PUBLIC_MODULES:
        mod = importlib.import_module(mod_name)
        for name in mod.__all__:
            obj = getattr(mod, name)
            seen.setdefault(id(obj), (f"{mod_name}.{name}", obj))
    return sorted((q, o) for q, o in seen.values() if inspect.isclass(o) or inspect.isfunction(o))


PUBLIC = _public_objects()


def _docstring(obj: object) -> str:
    raw = obj.__dict__.get("__doc__") if inspect.isclass(obj) else obj.__doc__  # a class's own
    return inspect.cleandoc(raw or "")


def test_public_api_is_large_enough_to_mean_something():
    names = {q for q, _ in PUBLIC}
    assert len(PUBLIC) > 120 and "evaltool.analyse" in names and "evaltool.stats.MixedFit" in names


@pytest.mark.parametrize("qualname,obj", PUBLIC, ids=[q for q, _ in PUBLIC])
def test_public_docstring_has_examples(qualname, obj):
    doc = _docstring(obj)
    assert doc and not doc.startswith(f"{getattr(obj, '__name__', '')}("), f"{qualname}: no docstring"
    examples = re.search(r"^Examples\n-{3,}\n", doc, re.M)
    assert examples, f"{qualname}: no numpydoc 'Examples' section"
    assert ">>> " in doc[examples.end():], f"{qualname}: the Examples section has no runnable example"
    if inspect.isfunction(obj):
        params = [p for p in inspect.signature(obj).parameters.values() if p.name not in ("self", "cls")]
        if params:
            assert re.search(r"^Parameters\n-{3,}\n", doc, re.M), f"{qualname}: no 'Parameters' section"


# ------------------------------------------------------------------------------------------
# the README
def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _blocks(text: str) -> list[tuple[str, str]]:
    """Fenced code blocks as (language, body), in order."""
    return [(m.group(1).strip(), m.group(2)) for m in re.finditer(r"^```([^\n]*)\n(.*?)^```", text, re.M | re.S)]


def _command_lines(body: str) -> list[list[str]]:
    lines, buf = [], ""
    for raw in body.splitlines():
        if raw.rstrip().endswith("\\"):
            buf += raw.rstrip()[:-1] + " "
            continue
        tokens = shlex.split(buf + raw, comments=True)
        buf = ""
        if tokens:
            lines.append(tokens)
    return lines


def test_readme_opens_with_the_two_setup_commands():
    text = _readme()
    first = _blocks(text)[0]
    assert text.index("## Quick start") < text.index("```")
    assert [t[:2] for t in _command_lines(first[1])] == [["make", "demo"], ["make", "test"]]


def _mentions(text: str) -> list[list[str]]:
    """``evaltool ...`` in code: inline spans (prose and tables) and shell blocks (the quoted
    error messages in ``text`` blocks are prose)."""
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))
    code = spans + [b for lang, b in _blocks(text) if lang == "bash"]
    found = []
    for chunk in code:
        for m in re.finditer(r"(?<![\w/.-])evaltool((?: [a-z][a-z-]*)+)", chunk):
            found.append(m.group(1).split())
    return found


def test_every_command_the_readme_names_exists():
    root = typer.main.get_command(app)
    for words in _mentions(_readme()):
        cmd = root
        for w in words:
            if not _is_group(cmd):
                break  # arguments of a command
            assert w in cmd.commands, f"README names 'evaltool {' '.join(words)}': no command '{w}'"
            cmd = cmd.commands[w]
        assert not _is_group(cmd) or cmd is root, f"'evaltool {' '.join(words)}' is a group"


def test_every_command_is_in_the_readme():
    text = _readme()
    for path, cmd in COMMANDS:
        if path and not _is_group(cmd):
            assert f"evaltool {' '.join(path)}" in text, f"README does not mention 'evaltool {' '.join(path)}'"


def _run_readme(tmp: Path) -> list[str]:
    """Run the README's blocks in order in ``tmp``: YAML blocks whose first line is
    ``# <file>.yaml`` are saved as that file, bash lines and Python blocks are run."""
    ran: list[str] = []
    runner = CliRunner()
    bin_dir = Path(sys.executable).parent
    for lang, body in _blocks(_readme()):
        first = body.splitlines()[0] if body.strip() else ""
        if lang == "yaml" and re.fullmatch(r"# [\w.-]+\.ya?ml", first):
            (tmp / first[2:]).write_text(body, encoding="utf-8")
            ran.append(f"wrote {first[2:]}")
        elif lang == "python":
            exec(compile(body, "README.md", "exec"), {"__name__": "__readme__"})  # noqa: S102
            ran.append("python block")
        elif lang == "bash":
            for tokens in _command_lines(body):
                line = " ".join(tokens)
                if tokens[0] in ("make", "source"):
                    continue  # sets up .venv itself; the tests run inside it
                if tokens[0] == "evaltool":
                    args = [a for t in tokens[1:] for a in (sorted(glob.glob(t)) if set("*?[") & set(t) else [t])]
                    res = runner.invoke(app, args)
                    assert res.exit_code == 0, f"README: `{line}` failed ({res.exit_code}):\n{res.output}"
                elif tokens[:3] == ["python", "-m", "evaltool.examples.generate"]:
                    subprocess.run([sys.executable, *tokens[1:]], cwd=tmp, check=True, capture_output=True)
                elif tokens[:2] == ["jupyter", "execute"]:
                    proc = subprocess.run([str(bin_dir / "jupyter-execute"), *tokens[2:]], cwd=tmp,
                                          capture_output=True, text=True)
                    assert proc.returncode == 0, f"README: `{line}` failed:\n{proc.stderr[-3000:]}"
                else:
                    pytest.fail(f"README shows a command this test cannot run: `{line}`")
                ran.append(line)
    return ran


@pytest.mark.slow
@pytest.mark.xdist_group("readme")
def test_readme_commands_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    ran = _run_readme(tmp_path)
    assert "evaltool analyse study.yaml --out results" in ran
    assert "jupyter execute results/reproduce.ipynb" in ran and "python block" in ran
    assert (tmp_path / "results" / "report.html").is_file() and (tmp_path / "c03.pdf").is_file()


def _readme_quotes(message: str) -> None:
    text = _readme()
    assert message in text, f"README troubleshooting does not quote: {message}"


def test_troubleshooting_quotes_the_real_messages(tmp_path, monkeypatch):
    """Each error is caused for real; the README shows the same text (paths aside)."""
    from evaltool.examples import example_study_dir

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    t1 = example_study_dir() / "qualtrics" / "T1_baseline.csv"

    def error_of(args: list[str]) -> str:
        res = runner.invoke(app, args)
        assert res.exit_code == 1, res.output
        return " ".join(res.output.split())  # rich wraps long lines

    out = error_of(["score", str(t1), "--instrument", "brsx"])
    _readme_quotes(out[out.index("Error: 'brsx' is not a packaged instrument"):].strip())

    (tmp_path / "t1.csv").write_bytes(t1.read_bytes())
    (tmp_path / "s.yaml").write_text("name: x\nexports: [{file: t1.csv, timepoint: T1}]\ntimepoints: [{id: T1}]\n"
                                     "participant_id: {column: pid}\ninstruments: [{id: coping_confidence}]\n")
    out = error_of(["validate", "s.yaml", "--out", "v"])
    _readme_quotes(out[out.index("the export has no participant-id column 'pid'"):].strip())

    (tmp_path / "oor.csv").write_text("pid,brs_1,brs_2,brs_3,brs_4,brs_5,brs_6\nP1,1,2,3,4,5,7\nP2,1,2,3,4,5,0\n")
    (tmp_path / "o.yaml").write_text("name: x\nexports: [{file: oor.csv, timepoint: T1}]\ntimepoints: [{id: T1}]\n"
                                     "participant_id: {column: pid}\ninstruments: [{id: brs}]\n")
    out = error_of(["analyse", "o.yaml", "--out", "o"])
    _readme_quotes(out[out.index("Error: 2 data problem(s)"):out.index(" - ")].strip())
    _readme_quotes("row 2, column 'brs_6': out_of_range: BRS item 'brs_6' is outside 1..5")

    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "keep.txt").write_text("x")
    out = error_of(["analyse", str(example_study_dir() / "study.yaml"), "--out", "results"])
    _readme_quotes(out[out.index("Error: results: the output folder is not empty."):].strip())

    (tmp_path / "cp.csv").write_bytes("pid,brs_1\nP1,caf\xe9\n".encode("cp1252"))
    (tmp_path / "e.yaml").write_text("name: x\nexports: [{file: cp.csv, timepoint: T1, encoding: utf-8}]\n"
                                     "timepoints: [{id: T1}]\nparticipant_id: {column: pid}\ninstruments: [{id: brs}]\n")
    out = error_of(["validate", "e.yaml", "--out", "e"])
    _readme_quotes(out[out.index("cannot be read as utf-8"):].strip())

    out = error_of(["score", str(example_study_dir() / "redcap" / "resilience_study_dictionary.csv"), "-i", "brs"])
    _readme_quotes(out[out.index("is a REDCap data dictionary"):].strip())

    source = (ROOT / "evaltool" / "report" / "render.py").read_text(encoding="utf-8")
    assert "PDF output needs WeasyPrint and its system libraries" in source
    _readme_quotes("Error: PDF output needs WeasyPrint and its system libraries (OSError). Fix: use the HTML "
                   "report (open it in a browser and print to PDF), or install Pango (e.g. 'apt-get install "
                   "libpango-1.0-0 libpangoft2-1.0-0').")


def test_readme_screenshot_is_small_and_present():
    shot = ROOT / "docs" / "report-screenshot.png"
    assert "docs/report-screenshot.png" in _readme()
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 300_000


# ------------------------------------------------------------------------------------------
# a notebook shows the numbers the CLI writes
_PROBE = '''
import sys
for _name in ("cvb", "pp", "published_style"):
    print(f"<<<{_name}>>>")
    globals()[_name].to_csv(sys.stdout, index=False)
    print(f"<<<end>>>")
'''


def _html_rows(markup: str) -> list[list[str]]:
    body = markup[markup.index("<tbody>"):]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [[html.unescape(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)][1:]
            for r in rows]


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_notebook_02_shows_the_numbers_of_evaltool_analyse(tmp_path):
    """Notebook 02 (executed, plus a probe cell that prints its tables) against
    ``evaltool analyse`` of the same study: full-precision tables equal to 1e-9 (relative),
    and every cell of the displayed published-style table equals the CLI's numbers formatted."""
    from nbclient import NotebookClient

    from evaltool.analysis.reproduce import assert_reproduced, compare_results
    from evaltool.examples import example_study_path

    cli_out = tmp_path / "cli"
    res = CliRunner().invoke(app, ["analyse", str(example_study_path()), "--out", str(cli_out)])
    assert res.exit_code == 0, res.output
    # the full table: a shareable table whose cells the disclosure step may blank, or whose
    # columns are research-only (prepost's means over pairs), is also in research/tables/ whole
    full = {n: cli_out / "research" / "tables" / f"{n}.csv" for n in ("change_vs_baseline", "prepost", "scales")}
    cli = {n: pd.read_csv(p if p.exists() else cli_out / "tables" / f"{n}.csv") for n, p in full.items()}

    nb = nbformat.read(ROOT / "analyses" / "02_prepost_and_longitudinal.ipynb", as_version=4)
    shown = next(c for c in nb.cells if "published-table" in c.metadata.get("tags", []))
    nb.cells.append(nbformat.v4.new_code_cell(_PROBE))
    NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o["text"] for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    frames = {name: pd.read_csv(io.StringIO(body))
              for name, body in re.findall(r"<<<(\w+)>>>\n(.*?)<<<end>>>", printed, re.S)}

    check = compare_results({"change_vs_baseline": frames["cvb"], "prepost": frames["pp"]},
                            {k: cli[k] for k in ("change_vs_baseline", "prepost")}, rtol=1e-9)
    assert len(check) == len(cli["change_vs_baseline"].columns) + len(cli["prepost"].columns)
    assert_reproduced(check)

    from evaltool.analysis import load_results

    apa = load_results(cli_out).table("change_vs_baseline", style="apa")
    expected = [[str(v) for v in row] for row in apa.itertuples(index=False)]
    html_out = next(o["data"]["text/html"] for o in shown.outputs if "text/html" in o.get("data", {}))
    assert _html_rows(html_out) == expected
    assert "2.42 [2.21, 2.63]" in html_out  # coping confidence at T2, as in the report
