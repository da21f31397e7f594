"""A small writer of formatted ``.xlsx`` workbooks, SpreadsheetML written as text (private; see
:func:`evaltool.analysis.workbook.write_formatted_workbook`).

It writes what the results' workbooks use — text, numbers and booleans, a few fonts, one fill,
number formats, column widths, a frozen header row, an auto-filter and links between sheets —
in the XML ``openpyxl`` 3.1 writes for the same cells (the same parts, elements, attribute order
and escaping; style ids numbered in the same order), so a reader sees the same cells, values
and styles. It is about forty times faster than building ``openpyxl`` cell objects (whose import
alone took a second or more of every run), and its files are reproducible: fixed ZIP dates,
no creation time. What differs from ``openpyxl``'s file: no theme part (optional in the format;
Excel and LibreOffice use their default theme), and ``docProps`` naming evaltool.

Every text cell is an inline string (never a formula or an error value, whatever the text);
characters XML cannot hold (control characters other than tab and line breaks) are dropped,
where ``openpyxl`` refused the whole workbook; text is cut at Excel's 32,767 characters.
"""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path
from typing import Any

__all__ = ["Book", "Sheet", "column_letter"]

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAX_TEXT = 32_767
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

FONTS = {
    "default": '<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/>'
               '<scheme val="minor"/></font>',
    "title": '<font><b val="1"/><sz val="14"/></font>',
    "banner": '<font><b val="1"/><color rgb="00C00000"/></font>',
    "head": '<font><b val="1"/><color rgb="00FFFFFF"/></font>',
    "link": '<font><color rgb="000563C1"/><u val="single"/></font>',
    "bold": '<font><b val="1"/></font>',
}
"""The fonts a workbook may use, by name (``openpyxl``'s XML of the same ``Font``)."""
_FILLS = ["<fill><patternFill/></fill>", '<fill><patternFill patternType="gray125"/></fill>']
_BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4}


def column_letter(j: int) -> str:
    """The letters of the 1-based column ``j`` (1 → ``A``, 27 → ``AA``)."""
    out = ""
    while j > 0:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


def _text(s: str) -> str:
    """Element text, escaped as lxml does (non-ASCII becomes character references at the end)."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    if "\r" in s:
        s = s.replace("\r", "&#13;")
    return s


def _attr(s: str) -> str:
    return (_text(s).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


class Book:
    """The workbook's sheets and styles; :meth:`save` writes the file.

    Fonts and number formats are numbered in the order they are first asked for (as
    ``openpyxl`` numbers them when assigned), cell formats (``cellXfs``) in the order cells
    using them are written.
    """

    def __init__(self) -> None:
        self.sheets: list[Sheet] = []
        self._fonts: dict[str, int] = {"default": 0}
        self._fills: dict[str, int] = {}
        self._formats: dict[str, int] = {}
        self._xfs: dict[tuple[int, ...], int] = {(0, 0, 0, 0): 0}

    def sheet(self, title: str) -> Sheet:
        ws = Sheet(self, title)
        self.sheets.append(ws)
        return ws

    def style(self, font: str = "default", fill: str = "", number_format: str = "", align: bool = False) -> list[int]:
        """A style (font name of :data:`FONTS`, solid fill colour, number format, an explicit
        alignment): registers its font and format now; its cell format id comes at writing."""
        if font not in self._fonts:
            self._fonts[font] = len(self._fonts)
        if fill and fill not in self._fills:
            self._fills[fill] = len(self._fills) + len(_FILLS)
        fmt = _BUILTIN_FORMATS.get(number_format or "General")
        if fmt is None:
            fmt = self._formats.setdefault(number_format, 164 + len(self._formats))
        return [self._fonts[font], self._fills[fill] if fill else 0, fmt, int(align)]

    def xf(self, style: list[int] | None) -> str:
        """The ``s`` attribute of a cell of ``style`` (empty for the default style)."""
        if style is None:
            return ""
        key = tuple(style)
        i = self._xfs.get(key)
        if i is None:
            i = self._xfs[key] = len(self._xfs)
        return f' s="{i}"' if i else ""

    def _styles_xml(self) -> str:
        fmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{_attr(code)}"/>' for code, i in self._formats.items())
        fills = _FILLS + [f'<fill><patternFill patternType="solid"><fgColor rgb="00{c}"/></patternFill></fill>'
                          for c in self._fills]
        xfs = []
        for font, fill, fmt, align in self._xfs:
            head = f'<xf numFmtId="{fmt}" fontId="{font}" fillId="{fill}" borderId="0"'
            tail = ' pivotButton="0" quotePrefix="0" xfId="0"'
            xfs.append(head + ' applyAlignment="1"' + tail + "><alignment/></xf>" if align else head + tail + "/>")
        return (f'<styleSheet xmlns="{_NS_MAIN}">'
                + (f'<numFmts count="{len(self._formats)}">{fmts}</numFmts>' if self._formats else "")
                + f'<fonts count="{len(self._fonts)}">{"".join(FONTS[f] for f in self._fonts)}</fonts>'
                + f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
                + '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                + f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0"/></cellStyles>'
                + '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
                + "</styleSheet>")

    def save(self, path: Path) -> Path:
        """Write the ``.xlsx`` (deflated parts, fixed dates: the same bytes for the same book)."""
        parts = [(f"xl/worksheets/sheet{i}.xml", ws.xml()) for i, ws in enumerate(self.sheets, start=1)]
        parts += [(f"xl/worksheets/_rels/sheet{i}.xml.rels", ws.rels_xml())
                  for i, ws in enumerate(self.sheets, start=1) if ws.links]
        parts = [("[Content_Types].xml", self._types_xml()), ("_rels/.rels", _ROOT_RELS),
                 ("docProps/app.xml", _APP), ("docProps/core.xml", _CORE), ("xl/workbook.xml", self._workbook_xml()),
                 ("xl/_rels/workbook.xml.rels", self._workbook_rels()), ("xl/styles.xml", self._styles_xml()),
                 *parts]
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, text in parts:
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
                zf.writestr(info, text.encode("ascii", "xmlcharrefreplace"))
        return path

    def _types_xml(self) -> str:
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
                         for i in range(1, len(self.sheets) + 1))
        return ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
                '<Override PartName="/docProps/core.xml" '
                'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                '<Override PartName="/docProps/app.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
                f'{sheets}<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/></Types>')

    def _workbook_xml(self) -> str:
        sheets = "".join(f'<sheet xmlns:r="{_NS_REL}" name="{_attr(ws.title)}" sheetId="{i}" state="visible" '
                         f'r:id="rId{i}"/>' for i, ws in enumerate(self.sheets, start=1))
        names = "".join(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                        f"{_text(ws.quoted_title())}!{ws.absolute(ws.auto_filter)}</definedName>"
                        for i, ws in enumerate(self.sheets) if ws.auto_filter)
        return (f'<workbook xmlns="{_NS_MAIN}"><workbookPr/><workbookProtection/><bookViews>'
                '<workbookView visibility="visible" minimized="0" showHorizontalScroll="1" showVerticalScroll="1" '
                'showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" autoFilterDateGrouping="1"/>'
                f"</bookViews><sheets>{sheets}</sheets>"
                + (f"<definedNames>{names}</definedNames>" if names else "")
                + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>')

    def _workbook_rels(self) -> str:
        n = len(self.sheets)
        rels = "".join(f'<Relationship Type="{_NS_REL}/worksheet" Target="/xl/worksheets/sheet{i}.xml" Id="rId{i}"/>'
                       for i in range(1, n + 1))
        return (f'<Relationships xmlns="{_NS_PKG}">{rels}'
                f'<Relationship Type="{_NS_REL}/styles" Target="styles.xml" Id="rId{n + 1}"/></Relationships>')


_ROOT_RELS = (f'<Relationships xmlns="{_NS_PKG}">'
              f'<Relationship Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml" Id="rId1"/>'
              '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
              'core-properties" Target="docProps/core.xml" Id="rId2"/>'
              f'<Relationship Type="{_NS_REL}/extended-properties" Target="docProps/app.xml" Id="rId3"/>'
              "</Relationships>")
_APP = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>evaltool</Application></Properties>")
_CORE = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
         '<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">evaltool</dc:creator></cp:coreProperties>')


def _value_xml(ref: str, value: Any, s: str) -> str:
    """One cell (``s`` its style attribute); an unstyled empty cell is not written."""
    if value is None:
        return f'<c r="{ref}"{s} t="n"></c>' if s else ""
    if value is True or value is False:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        num = "" if math.isnan(value) or math.isinf(value) else f"{value:.16g}"
        return f'<c r="{ref}"{s} t="n"><v>{num}</v></c>'
    text = str(value)[:_MAX_TEXT]
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    if not text:
        return f'<c r="{ref}"{s} t="inlineStr"></c>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_text(text)}</t></is></c>'


class Sheet:
    """One worksheet: rows appended in order, each cell a value and an optional style."""

    def __init__(self, book: Book, title: str) -> None:
        self.book, self.title = book, title
        self.rows: list[str] = []
        self.max_col = 0
        self.widths: dict[int, float] = {}
        self.frozen = False
        self.auto_filter = ""
        self.links: list[tuple[str, str]] = []

    def append(self, values: list[Any], styles: list[list[int] | None] | None = None) -> int:
        """Add a row; ``styles`` gives each cell's style (``None``: default). Returns its number."""
        r = len(self.rows) + 1
        xf = self.book.xf
        styles = styles or [None] * len(values)
        cells = [_value_xml(f"{column_letter(j)}{r}", v, xf(st))
                 for j, (v, st) in enumerate(zip(values, styles, strict=True), start=1)]
        self.rows.append(f'<row r="{r}">{"".join(cells)}</row>')
        self.max_col = max(self.max_col, len(values))
        return r

    def append_rows(self, rows: list[tuple[Any, ...]], styles: list[list[int] | None]) -> None:
        """Many rows of the same width at once, column ``j`` in ``styles[j]`` (rows of no
        columns are not written: ``openpyxl`` writes no row without a cell)."""
        if not styles:
            return
        letters = [column_letter(j) for j in range(1, len(styles) + 1)]
        r0 = len(self.rows) + 1
        xf = self.book.xf
        attrs = [xf(st) for st in styles] if rows else []
        for i, values in enumerate(rows):
            r = r0 + i
            cells = "".join([_value_xml(f"{c}{r}", v, s) for c, v, s in zip(letters, values, attrs, strict=True)])
            self.rows.append(f'<row r="{r}">{cells}</row>')
        self.max_col = max(self.max_col, len(styles))

    def link(self, ref: str, target: str) -> None:
        """A hyperlink on cell ``ref`` (``#'sheet'!A1`` for a place in the workbook)."""
        self.links.append((ref, target))

    @property
    def dimensions(self) -> str:
        return f"A1:{column_letter(max(self.max_col, 1))}{max(len(self.rows), 1)}"

    def quoted_title(self) -> str:
        return "'" + self.title.replace("'", "''") + "'"

    @staticmethod
    def absolute(ref: str) -> str:
        return ":".join(re.sub(r"^([A-Z]+)(\d+)$", r"$\1$\2", part) for part in ref.split(":"))

    def xml(self) -> str:
        """The worksheet part, as ``openpyxl`` writes it."""
        view = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>' if self.frozen
                else '<selection activeCell="A1" sqref="A1"/>')
        cols = "".join(f'<col width="{w:.16g}" customWidth="1" min="{j}" max="{j}"/>'
                       for j, w in sorted(self.widths.items()))
        links = "".join(f'<hyperlink xmlns:r="{_NS_REL}" ref="{ref}" r:id="rId{i}"/>'
                        for i, (ref, _) in enumerate(self.links, start=1))
        return (f'<worksheet xmlns="{_NS_MAIN}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
                f'<pageSetUpPr/></sheetPr><dimension ref="{self.dimensions}"/><sheetViews>'
                f'<sheetView workbookViewId="0">{view}</sheetView></sheetViews>'
                '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>'
                + (f"<cols>{cols}</cols>" if cols else "")
                + f'<sheetData>{"".join(self.rows)}</sheetData>'
                + (f'<autoFilter ref="{self.auto_filter}"/>' if self.auto_filter else "")
                + (f"<hyperlinks>{links}</hyperlinks>" if links else "")
                + '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>')

    def rels_xml(self) -> str:
        rels = "".join(f'<Relationship Type="{_NS_REL}/hyperlink" Target="{_attr(target)}" TargetMode="External" '
                       f'Id="rId{i}"/>' for i, (_, target) in enumerate(self.links, start=1))
        return f'<Relationships xmlns="{_NS_PKG}">{rels}</Relationships>'
