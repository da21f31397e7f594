"""The report model: an immutable builder of sections holding text, tables and figures.

A :class:`Report` never changes: every ``with_*``/``add_*`` call returns a new report, so a
notebook can branch a report without surprises. It shows itself in Jupyter
(``_repr_html_``) and saves through the same renderer to a self-contained HTML file (figures
embedded, no network) or to PDF. Formatting and rounding live only here; statistics keep
full precision.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["Callout", "FigureBlock", "LinkList", "QuoteBlock", "Report", "Section", "TableBlock", "TextBlock",
           "TextTable"]


@dataclass(frozen=True)
class TextBlock:
    """Paragraphs of plain text (blank lines separate paragraphs; ``- `` starts a bullet).

    Examples
    --------
    >>> block = TextBlock("Most people found the call useful.\\n\\n- short\\n- practical")
    >>> "<li>practical</li>" in Report("R").add_section(Section("S").add(block)).to_html()
    True
    """

    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True)
class Callout:
    """A highlighted box: ``note``, ``warning`` or ``privacy``.

    Examples
    --------
    >>> box = Callout("Groups of fewer than 5 people are hidden.", level="privacy")
    >>> box.level, box.kind
    ('privacy', 'callout')
    """

    text: str
    level: Literal["note", "warning", "privacy"] = "note"
    kind: Literal["callout"] = "callout"


_OBJECT = np.dtype(object)


@dataclass(frozen=True)
class TableBlock:
    """A table with display formatting; the frame itself keeps full precision.

    ``formats`` maps column → format: a Python format spec (``".2f"``), ``"p"`` (APA p-value:
    ``< .001`` / ``.023``), ``"int"``, ``"pct"``. Columns not listed: numbers to 2 decimals.
    ``labels`` renames columns for display only.

    Examples
    --------
    >>> import pandas as pd
    >>> block = TableBlock(pd.DataFrame({"scale": ["brs"], "d_av": [0.20445], "p": [0.0301]}),
    ...                    formats={"p": "p"}, labels={"d_av": "d (av)"})
    >>> block.display_rows()
    (['scale', 'd (av)', 'p'], [['brs', '0.20', '.030']])
    """

    frame: pd.DataFrame
    caption: str = ""
    note: str = ""
    formats: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    kind: Literal["table"] = "table"

    def display_rows(self) -> tuple[list[str], list[list[str]]]:
        from .format import format_cell

        cols = list(self.frame.columns)
        header = [self.labels.get(c, c) for c in cols]
        text = all(isinstance(dt, pd.StringDtype) or dt == _OBJECT for dt in self.frame.dtypes)
        rows: Any = (self.frame.to_numpy(dtype=object).tolist() if text  # text cells: one conversion, same values
                     else self.frame.itertuples(index=False, name=None))
        body = [[format_cell(v, self.formats.get(c)) for c, v in zip(cols, row, strict=True)] for row in rows]
        return header, body


@dataclass(frozen=True)
class TextTable:
    """A table whose cells are already text (a cohort report's tables), shown as they are.

    Renders exactly as a :class:`TableBlock` of the same text cells, without building a
    DataFrame per table (a run writes hundreds of reports with several tables each);
    ``frame`` gives that DataFrame when asked.

    Examples
    --------
    >>> t = TextTable(("Survey", "People"), (("Baseline", "12"), ("After", "hidden")), caption="Answers")
    >>> t.display_rows()
    (['Survey', 'People'], [['Baseline', '12'], ['After', 'hidden']])
    >>> t.frame.shape
    (2, 2)
    """

    columns: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    caption: str = ""
    note: str = ""
    kind: Literal["table"] = "table"

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, str]], caption: str = "", note: str = "") -> TextTable:
        """From one dict per row (column → text), columns in the first row's order."""
        cols = tuple(rows[0]) if rows else ()
        return cls(cols, tuple(tuple(r[c] for c in cols) for r in rows), caption=caption, note=note)

    @property
    def frame(self) -> pd.DataFrame:
        """The cells as a DataFrame (the same as ``pd.DataFrame`` of one dict per row)."""
        if not self.cells:
            return pd.DataFrame([])
        return pd.DataFrame(np.array(self.cells, dtype=object).reshape(len(self.cells), len(self.columns)),
                            columns=list(self.columns))

    def display_rows(self) -> tuple[list[str], list[list[str]]]:
        return list(self.columns), [list(r) for r in self.cells]


@dataclass(frozen=True)
class FigureBlock:
    """A figure stored as SVG text (preferred) or PNG bytes, with a caption and alt text.

    Examples
    --------
    >>> import pandas as pd
    >>> from evaltool.plots import plot_trajectories
    >>> s = pd.DataFrame({"participant_id": ["a", "a", "b", "b"], "timepoint": ["T1", "T2"] * 2,
    ...                   "scale": "brs", "score": [3.0, 3.5, 2.5, 3.2]})
    >>> fig = FigureBlock.from_matplotlib(plot_trajectories(s), caption="BRS over time")
    >>> fig.svg.startswith("<svg"), fig.alt
    (True, 'BRS over time')
    """

    svg: str | None = None
    png: bytes | None = None
    caption: str = ""
    alt: str = ""
    kind: Literal["figure"] = "figure"

    @classmethod
    def from_matplotlib(cls, fig: Any, caption: str = "", alt: str = "", fmt: str = "svg") -> FigureBlock:
        """Render a matplotlib Figure (or Axes) into an embeddable block."""
        from ..plots._style import _metadata, style

        fig = getattr(fig, "figure", fig)
        buf = io.BytesIO()
        with style():
            fig.savefig(buf, format=fmt, bbox_inches="tight", metadata=_metadata(fmt))
        if fmt == "svg":
            text = buf.getvalue().decode("utf-8")
            text = text[text.find("<svg"):]  # drop the XML prolog and doctype for inline use
            return cls(svg=text, caption=caption, alt=alt or caption)
        return cls(png=buf.getvalue(), caption=caption, alt=alt or caption)

    def data_uri(self) -> str:
        if self.png is None:
            return ""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass(frozen=True)
class QuoteBlock:
    """A quotation from a participant (already redacted) and where it came from.

    Examples
    --------
    >>> q = QuoteBlock("The call helped me plan what to do next time.", source="T3, coaching call")
    >>> "plan what to do" in Report("R").add_section(Section("Quotes").add(q)).to_html()
    True
    """

    text: str
    source: str = ""
    kind: Literal["quote"] = "quote"


@dataclass(frozen=True)
class LinkList:
    """Links to files beside the report (paths relative to it), each with a short note.

    Examples
    --------
    >>> links = LinkList((("report.html", "Study report", "methods and tables"),))
    >>> 'href="report.html"' in Report("R").add_section(Section("Files").add(links)).to_html()
    True
    """

    items: tuple[tuple[str, str, str], ...]
    kind: Literal["links"] = "links"


Block = TextBlock | Callout | TableBlock | TextTable | FigureBlock | QuoteBlock | LinkList


@dataclass(frozen=True)
class Section:
    """A titled part of a report; ``add`` returns a new section (sections never change).

    Examples
    --------
    >>> s = Section("What changed")
    >>> s2 = s.add(TextBlock("Confidence rose."), Callout("Synthetic data.", level="warning"))
    >>> len(s.blocks), len(s2.blocks), s2.anchor
    (0, 2, 'what-changed')
    """

    title: str
    blocks: tuple[Block, ...] = ()
    id: str = ""
    level: int = 2

    def add(self, *blocks: Block) -> Section:
        return Section(self.title, self.blocks + blocks, self.id, self.level)

    @property
    def anchor(self) -> str:
        import re

        return self.id or re.sub(r"[^a-z0-9]+", "-", self.title.casefold()).strip("-")


@dataclass(frozen=True)
class Report:
    """An immutable report.

    Examples
    --------
    >>> import pandas as pd
    >>> r = Report("Cohort C03").add_section(Section("Summary").add(TextBlock("All went well.")))
    >>> r2 = r.add_section(Section("Table").add(TableBlock(pd.DataFrame({"n": [3]}))))
    >>> len(r.sections), len(r2.sections)
    (1, 2)
    >>> "All went well." in r2.to_html()
    True
    """

    title: str
    subtitle: str = ""
    sections: tuple[Section, ...] = ()
    banner: str = ""
    template: str = "study_report.html.j2"
    meta: Mapping[str, Any] = field(default_factory=dict)

    def add_section(self, section: Section) -> Report:
        return Report(self.title, self.subtitle, self.sections + (section,), self.banner, self.template, self.meta)

    def with_banner(self, text: str) -> Report:
        return replace(self, banner=text)

    def with_meta(self, **meta: Any) -> Report:
        return replace(self, meta={**self.meta, **meta})

    def to_html(self, *, template_dirs: Sequence[str | Path] = ()) -> str:
        """Render to one self-contained HTML string (CSS and figures inline, no network)."""
        from .render import render_html

        return render_html(self, template_dirs=template_dirs)

    def save(self, path: str | Path, *, template_dirs: Sequence[str | Path] = ()) -> Path:
        """Write ``.html`` or ``.pdf`` (chosen by the extension)."""
        from .render import save_report

        return save_report(self, Path(path), template_dirs=template_dirs)

    def _repr_html_(self) -> str:
        from .render import render_html

        return render_html(self, fragment=True)
