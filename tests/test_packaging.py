"""The built wheel carries instruments/, reports/ and the example study, and works outside the
repository (ARCHITECTURE.md §2)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("wheel")]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (whl,) = out.glob("evaltool-*.whl")
    return whl


def test_wheel_contains_data_folders(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "evaltool/_data/instruments/scales/brs.yaml" in names
    assert "evaltool/_data/instruments/codebooks/resilience_training.yaml" in names
    assert "evaltool/_data/reports/base.html.j2" in names
    assert "evaltool/examples/resilience_study/study.yaml" in names
    assert "evaltool/py.typed" in names
    assert not any(n.startswith(("tests/", "bench/")) for n in names)


def test_wheel_ships_the_licence_and_the_questionnaire_notice(wheel):
    """The MIT licence (pyproject says MIT) and the questionnaires' notice travel with the wheel,
    as licence files in its metadata (PEP 639) and the notice beside the scales it covers."""
    z = zipfile.ZipFile(wheel)
    names = set(z.namelist())
    info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
    assert f"{info}/licenses/LICENSE" in names
    assert f"{info}/licenses/instruments/scales/NOTICE.md" in names
    assert "evaltool/_data/instruments/scales/NOTICE.md" in names
    text = z.read(f"{info}/licenses/LICENSE").decode("utf-8")
    assert text.startswith("MIT License") and "evaltool developers" in text
    assert text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    meta = z.read(f"{info}/METADATA").decode("utf-8")
    assert "License-Expression: MIT" in meta and "License-File: LICENSE" in meta


def test_wheel_installed_in_fresh_venv_works_outside_repo(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True)
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    # dependencies come from the test environment; the project's editable install is NOT active
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = (
        f"import evaltool, pathlib; assert str(pathlib.Path(evaltool.__file__)).startswith({str(site)!r});"
        "from evaltool.instruments import list_instruments; print(len(list_instruments()));"
        "from evaltool.report import Report, Section, TextBlock;"
        "html = Report('x').add_section(Section('s').add(TextBlock('hello'))).to_html();"
        "assert 'hello' in html and '<style>' in html; print('ok')"
    )
    res = subprocess.run([str(py), "-c", code], cwd=work, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    n, ok = res.stdout.split()
    assert int(n) >= 16 and ok == "ok"
    cli = subprocess.run([str(venv / "bin" / "evaltool"), "instruments", "list"], cwd=work,
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert "BRS" in cli.stdout and "CBI" in cli.stdout
