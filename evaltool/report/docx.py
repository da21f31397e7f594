"""APA-style result tables as a Word document (python-docx), for manuscripts."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ._context import make_ctx
from ._tables import ApaTable, study_tables

__all__ = ["write_apa_docx"]

_SUB = re.compile(r"(?<![A-Za-z0-9_])([A-Za-z\u03b1-\u03c9]{1,2})_(av|z|rb|xx|diff|t|pre|adj|rm)(?![A-Za-z0-9_])")


def write_apa_docx(results: Any, path: str | Path) -> Path:
    """Write the study's result tables as APA-style tables in a ``.docx`` file.

    Parameters
    ----------
    results
        :class:`evaltool.analysis.Results`. Not modified.
    path
        Where to write (``.docx``). An existing file is replaced.

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    A4 pages, like the PDF. APA 7 table layout: "Table N" in bold, the title in italics on the next line, horizontal
    rules only (above and below the header, below the last row), a "Note." paragraph under the
    table; statistical symbols italic with subscripts (d_av → *d*ₐᵥ as a Word subscript). The
    tables are the same as in the HTML study report (same rounding).

    Examples
    --------
    >>> from evaltool.analysis import analyse
    >>> from evaltool.examples import example_study_path
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tables.docx"
    >>> write_apa_docx(analyse(example_study_path()), path).name
    'tables.docx'
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise OutputError(f"cannot write APA tables as '{path.suffix or '(no extension)'}'.", file=path,
                          fix="use a .docx file name.")
    ctx = make_ctx(results)
    doc = Document()
    st = doc.styles["Normal"]
    st.font.name = "Times New Roman"
    st.font.size = Pt(11)
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(20)
    wording = dict(results.study.report or {})
    titles = dict(wording.get("table_titles", {}))
    title = doc.add_paragraph()
    r = title.add_run(str(wording.get("title") or results.study.name or "Evaluation") + ": result tables")
    r.bold = True
    r.font.size = Pt(14)
    if results.synthetic:
        p = doc.add_paragraph()
        w = p.add_run("SYNTHETIC EXAMPLE DATA — made up to show what evaltool does; not real participants.")
        w.bold = True
    for i, t in enumerate(study_tables(ctx), start=1):
        _add_table(doc, i, replace(t, title=titles.get(t.key, t.title)))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        doc.save(str(path))
    except OSError as exc:
        raise OutputError(f"cannot be written ({exc.strerror or type(exc).__name__}).", file=path,
                          fix="choose a folder you can write to, and close the file if Word has it open.") from None
    return path


def _runs(par: Any, text: str, *, bold: bool = False, italic: bool = False, size: Any = None) -> None:
    """Add ``text`` to a paragraph, turning ``d_av``-style symbols into italic + subscript runs."""
    pos = 0
    for m in _SUB.finditer(text):
        if m.start() > pos:
            _run(par, text[pos:m.start()], bold, italic, size)
        _run(par, m.group(1), bold, True, size)
        _run(par, m.group(2), bold, italic, size, sub=True)
        pos = m.end()
    if pos < len(text):
        _run(par, text[pos:], bold, italic, size)


_RUN_PROPS: dict[tuple[bool, bool, Any, bool], Any] = {}
"""(bold, italic, size, subscript) → the ``w:rPr`` element python-docx writes for them, copied
into every later run of that look (setting them one by one costs far more than the copy)."""


def _run(par: Any, text: str, bold: bool, italic: bool, size: Any, sub: bool = False) -> None:
    from copy import deepcopy

    from docx.text.run import Run

    key = (bold, italic, size, sub)
    props = _RUN_PROPS.get(key)
    if props is None:
        r = par.add_run(text)
        r.bold = bold
        r.italic = italic
        r.font.subscript = sub
        if size is not None:
            r.font.size = size
        _RUN_PROPS[key] = deepcopy(r._r.rPr)
        return
    el = par._p.add_r()
    el.append(deepcopy(props))
    if text:
        Run(el, par).text = text


def _border(cell: Any, **edges: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for edge, size in edges.items():
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), size)
            el.set(qn("w:color"), "000000")
        borders.append(el)


def _add_table(doc: Any, number: int, t: ApaTable) -> None:
    from docx.shared import Pt

    p = doc.add_paragraph()
    _runs(p, f"Table {number}", bold=True)
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.keep_with_next = True
    p = doc.add_paragraph()
    _runs(p, t.title, italic=True)
    p.paragraph_format.keep_with_next = True
    frame = t.frame
    tab = doc.add_table(rows=1, cols=frame.shape[1])
    size = Pt(9) if frame.shape[1] > 6 else Pt(10)
    for j, col in enumerate(frame.columns):
        cell = tab.rows[0].cells[j]
        cell.text = ""
        _runs(cell.paragraphs[0], str(col), size=size)
        _border(cell, top="8", bottom="4")
    for row in frame.itertuples(index=False, name=None):
        cells = tab.add_row().cells
        for j, v in enumerate(row):
            cells[j].text = ""
            _runs(cells[j].paragraphs[0], str(v), size=size)
    for cell in tab.rows[-1].cells:
        _border(cell, bottom="8")
    if t.note:
        p = doc.add_paragraph()
        _runs(p, "Note. ", italic=True, size=Pt(9))
        _runs(p, t.note, size=Pt(9))
    doc.add_paragraph()
