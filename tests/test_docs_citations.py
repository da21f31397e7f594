"""The documents the code cites live in the repository (issue 12, item 8).

Docstrings, comments, instrument and codebook files, the README and the benchmarks cite the
project's own documentation (``docs/statistics.md``, ``docs/instruments.md``,
``docs/codebook.md``, ``docs/architecture.md``) or a published source — never a design note
that a reader of the repository cannot open. Every ``*.md`` file they name must resolve to a
file of the repository: relative to the repository root, to the citing file's folder, or under
``docs/``. The pages under ``docs/`` name only files that exist, and their example instrument
file is valid.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SCANNED_DIRS = ("evaltool", "instruments", "bench", "docs")
TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".md", ".toml", ".cfg", ".ini", ".txt", ".j2", ".html", ".css"}
DOC_PAGES = ("statistics.md", "instruments.md", "codebook.md", "architecture.md")

#: a path or file name ending in .md, e.g. STATISTICS.md, docs/statistics.md, ../../docs/x.md
MD_REFERENCE = re.compile(r"(?<![\w./-])((?:\.{1,2}/)*[\w./-]*\w\.md)\b")
#: design notes that lived outside the repository; named here only to explain failures
DESIGN_NOTES = ("ARCHITECTURE.md", "STATISTICS.md", "PEERS.md", "INSTRUMENTS.md", "CODEBOOK.md",
                "STYLE.md")


def _scanned_files() -> list[Path]:
    files = [ROOT / "README.md"]
    for top in SCANNED_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if (path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts
                    and not any(part.startswith(".") for part in path.relative_to(ROOT).parts)):
                files.append(path)
    return files


def _resolves(ref: str, citing: Path) -> bool:
    """Whether ``ref`` names a file of the repository (from the root, the citing file's folder
    or ``docs/``)."""
    for base in (ROOT, citing.parent, DOCS):
        target = (base / ref).resolve()
        if target.is_file() and target.is_relative_to(ROOT):
            return True
    return False


def _unresolved(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for m in MD_REFERENCE.finditer(line):
            ref = m.group(1)
            if not _resolves(ref, path):
                out.append(f"{path.relative_to(ROOT)}:{lineno}: {ref}")
    return out


SCANNED = _scanned_files()


def test_the_scan_covers_the_code_the_instruments_and_the_docs():
    names = {p.relative_to(ROOT).as_posix() for p in SCANNED}
    assert {"README.md", "evaltool/stats/prepost.py", "instruments/scales/brs.yaml",
            "instruments/scales/NOTICE.md", "instruments/codebooks/resilience_training.yaml",
            "bench/README.md", "docs/statistics.md"} <= names
    assert len(SCANNED) > 150


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_cited_md_file_is_in_the_repository(path: Path):
    bad = _unresolved(path)
    hint = ""
    if any(Path(b.rsplit(": ", 1)[1]).name in DESIGN_NOTES for b in bad):
        hint = (" — the design notes are not in the repository: cite docs/statistics.md, "
                "docs/instruments.md, docs/codebook.md, docs/architecture.md or the published source")
    assert not bad, "cites a file that is not in the repository:\n" + "\n".join(bad) + hint


def test_the_checker_catches_a_design_note(tmp_path: Path):
    """A bare design-note name does not resolve, even though a copy of CODEBOOK.md is vendored
    under tests/reference/design/ (only the root, the citing folder and docs/ count)."""
    assert (ROOT / "tests" / "reference" / "design" / "CODEBOOK.md").is_file()
    citing = ROOT / "evaltool" / "stats" / "prepost.py"
    for ref in DESIGN_NOTES + ("shared/design/CODEBOOK.md", "docs/nothing.md"):
        assert not _resolves(ref, citing), ref
    for ref in ("docs/statistics.md", "statistics.md", "README.md", "tests/reference/README.md"):
        assert _resolves(ref, citing), ref
    assert _resolves("NOTICE.md", ROOT / "instruments" / "scales" / "gad7.yaml")
    sample = tmp_path / "x.py"
    sample.write_text('"""Checked against R (STATISTICS.md, "Pre/post"); see docs/statistics.md."""\n')
    found = [m.group(1) for m in MD_REFERENCE.finditer(sample.read_text())]
    assert found == ["STATISTICS.md", "docs/statistics.md"]


# ------------------------------------------------------------------------------------------
# the pages under docs/
def test_the_documentation_pages_exist_and_the_readme_links_them():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Documentation" in readme
    for page in DOC_PAGES:
        assert (DOCS / page).is_file(), page
        assert f"](docs/{page})" in readme, f"README does not link docs/{page}"


@pytest.mark.parametrize("page", DOC_PAGES)
def test_files_named_in_the_docs_exist(page: str):
    """Test files, modules and data files a page names (``tests/…``, ``evaltool/…``,
    ``instruments/…``, ``bench/…``) exist, so a reader can follow every reference."""
    text = (DOCS / page).read_text(encoding="utf-8")
    named = set(re.findall(r"(?<![\w/.-])((?:tests|evaltool|instruments|bench|analyses)/[\w./-]*\w)", text))
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert not missing, f"docs/{page} names paths that do not exist: {missing}"


def test_statistics_page_names_a_test_for_every_section():
    text = (DOCS / "statistics.md").read_text(encoding="utf-8")
    sections = re.split(r"^## \d+\. ", text, flags=re.M)[1:]
    assert len(sections) >= 10
    for body in sections:
        title = body.splitlines()[0]
        assert re.search(r"tests/test_\w+\.py", body), f"section '{title}' names no test file"


def _yaml_block(page: str, first_line: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    for body in re.findall(r"^```yaml\n(.*?)^```", text, re.M | re.S):
        if body.splitlines()[0] == first_line:
            return body
    raise AssertionError(f"docs/{page} has no yaml block starting with {first_line!r}")


def test_the_example_instrument_file_in_the_docs_is_valid_and_scores(tmp_path: Path):
    from evaltool import check_instrument_file, score

    path = tmp_path / "team_support.yaml"
    path.write_text(_yaml_block("instruments.md", "# team_support.yaml"), encoding="utf-8")
    assert check_instrument_file(path) == []
    data = pd.DataFrame({"participant_id": ["a", "b", "c"], "ts_1": [5, 4, None],
                         "ts_2": [4, None, None], "ts_3": [1, 2, 3]})
    out = score(data, path)
    # ts_3 is reversed (6 - x); a mean needs 2 of 3 answers
    np.testing.assert_allclose(out["score"].to_numpy(), [(5 + 4 + 5) / 3, (4 + 4) / 2, np.nan])
    assert out["band"].astype(object).tolist()[:2] == ["high", "high"]
