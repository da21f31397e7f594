"""Reports as people see them: a real browser engine (Chromium, headless) for the HTML, page
images and text boxes (pypdfium2) for the PDFs. Used by tests/test_report_layout.py.

Nothing here is skipped quietly: a missing renderer fails with what to install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

MM = 72 / 25.4  # PDF points per millimetre

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def chromium() -> str:
    """The Chromium binary, or a test failure that says what to install."""
    given = os.environ.get("EVALTOOL_CHROMIUM")
    found = given if given and Path(given).exists() else next((p for p in map(shutil.which, BROWSERS) if p), None)
    if found is None:
        pytest.fail("The layout tests render the reports in a real browser engine and none was found. Install "
                    "Debian's chromium ('make browser' does: apt-get install chromium), or set EVALTOOL_CHROMIUM "
                    "to a Chrome/Chromium binary.", pytrace=False)
    return found


def pdfium() -> Any:
    try:
        import pypdfium2
    except ImportError:  # pragma: no cover - a dev extra
        pytest.fail("The layout tests read PDFs with pypdfium2: pip install -e '.[dev]' (make test does).",
                    pytrace=False)
    return pypdfium2


def _run(args: list[str], timeout: int = 180) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--no-default-browser-check", "--hide-scrollbars", "--mute-audio"]
    with tempfile.TemporaryDirectory(prefix="evaltool-chromium-") as profile:
        return subprocess.run([chromium(), *flags, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=timeout, check=False)


def chromium_pdf(html: Path, pdf: Path) -> Path:
    """Print an HTML file to PDF as a person would from the browser (A4 from the report's CSS)."""
    r = _run(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.resolve().as_uri()])
    assert pdf.is_file() and pdf.stat().st_size > 1000, f"chromium did not print {html}: {r.stderr[-800:]}"
    return pdf


# --- the browser's own measurements ----------------------------------------------------------
_PROBE = r"""
<script>
(function () {
  const out = {outside: [], overflow: [], svg: [], raw: []};
  const root = document.querySelector('.evaltool-report') || document.body;
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  const text = el => (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 80);
  const inner = el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return {left: r.left + parseFloat(s.paddingLeft) + parseFloat(s.borderLeftWidth) - 1,
            right: r.right - parseFloat(s.paddingRight) - parseFloat(s.borderRightWidth) + 1}; };
  const blocks = 'p, li, h1, h2, h3, figcaption, blockquote, .callout, .table-note, .banner, nav, header, figure, .table-scroll, table, code, a';
  root.querySelectorAll(blocks).forEach(el => {
    if (el.closest('svg')) return;
    const box = el.parentElement.closest('p, li, figure, section, .callout, blockquote, td, th, header, nav, main, footer, .evaltool-report');
    if (!box) return;
    const a = el.getBoundingClientRect(), b = inner(box);
    if (a.width > 0 && (a.right > b.right + 1 || a.left < b.left - 1))
      out.outside.push([name(el), name(box), Math.round(a.right - b.right), text(el)]);
  });
  root.querySelectorAll('p, li, td, th, figcaption, h1, h2, h3, .callout, blockquote').forEach(el => {
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible')
      out.overflow.push([name(el), el.scrollWidth - el.clientWidth, text(el)]);
  });
  root.querySelectorAll('.table-scroll').forEach(el => {
    if (el.scrollWidth > el.clientWidth + 1) out.overflow.push(['table-scroll', el.scrollWidth - el.clientWidth, text(el.querySelector('th') || el)]);
  });
  out.collide = [];
  root.querySelectorAll('svg').forEach(svg => {
    const r = svg.getBoundingClientRect();
    const boxes = [];
    // A <text> is measured by its visible glyphs: matplotlib writes mathtext (d_av) as one
    // <tspan> per glyph, and the whitespace between those tspans is laid out in the page's
    // font size, which would make the box taller than anything drawn.
    const glyphs = t => {
      const leaves = [...t.querySelectorAll('tspan')].filter(s => !s.querySelector('tspan'));
      const spans = leaves.filter(s => (s.textContent || '').trim());
      if (!spans.length) { const b = t.getBoundingClientRect(); return [b, text(t)]; }
      const rs = spans.map(s => s.getBoundingClientRect()).filter(r => r.width > 0);
      if (!rs.length) return [t.getBoundingClientRect(), text(t)];
      const box = {left: Math.min(...rs.map(r => r.left)), right: Math.max(...rs.map(r => r.right)),
                   top: Math.min(...rs.map(r => r.top)), bottom: Math.max(...rs.map(r => r.bottom))};
      box.width = box.right - box.left;
      const glyphwise = leaves.every(s => s.textContent.length === 1);
      return [box, leaves.map(s => s.textContent).join(glyphwise ? '' : ' ').replace(/\s+/g, ' ').trim().slice(0, 80)];
    };
    // the lines of one multi-line label are one matplotlib Text (<g id="text_N">): laid out
    // together at the label's own line spacing, they are not two labels touching
    const artist = t => { const g = t.parentElement; return g && /^text_\d+$/.test(g.id || '') ? g : t; };
    const all = [...svg.querySelectorAll('text')];
    const texts = all.map(glyphs);
    texts.forEach(([b, s], k) => { if (b.width > 0 && s) boxes.push([b, s, artist(all[k])]); });
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      if (boxes[i][2] === boxes[j][2]) continue;
      const a = boxes[i][0], b = boxes[j][0];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > -3 && h > 2) out.collide.push([boxes[i][1], boxes[j][1]]);
    }
    texts.forEach(([b, s]) => {
      if (b.width === 0) return;
      if (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1)
        out.svg.push([s, Math.round(b.left - r.left), Math.round(r.right - b.right)]);
    });
  });
  const clone = root.cloneNode(true);
  clone.querySelectorAll('svg, style, script').forEach(n => n.remove());
  const raw = (clone.textContent || '').match(/\b[A-Za-z]{1,2}_(av|z|rb|xx|diff|pre|adj|rm)\b/g);
  if (raw) out.raw = raw;
  const pre = document.createElement('pre');
  pre.id = 'evaltool-layout-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


@dataclass(frozen=True)
class DomCheck:
    outside: list
    overflow: list
    svg: list
    raw: list
    collide: list


def chromium_dom_check(html: Path, width: int = 1280) -> DomCheck:
    """Lay the page out in Chromium at ``width`` CSS pixels and measure it there (a probe script
    adds its findings to the DOM, which ``--dump-dom`` prints)."""
    with tempfile.TemporaryDirectory() as d:
        probe = Path(d) / html.name
        text = html.read_text(encoding="utf-8")
        probe.write_text(text.replace("</body>", _PROBE + "</body>") if "</body>" in text else text + _PROBE,
                         encoding="utf-8")
        r = _run([f"--window-size={width},1000", "--virtual-time-budget=3000", "--dump-dom", probe.as_uri()])
    m = re.search(r'<pre id="evaltool-layout-probe">(.*?)</pre>', r.stdout, flags=re.S)
    assert m is not None, f"chromium did not lay out {html}: {r.stderr[-800:]}"
    import html as _html

    data = json.loads(_html.unescape(m.group(1)))
    return DomCheck(**data)


# --- PDFs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    filled: float          # share of the printable height used, top of content to its lowest ink
    lines: list[str]
    chars_outside: list[str]
    image: Any


def pdf_pages(pdf: Path, *, margin_mm: float = 10.0, scale: float = 0.6) -> list[Page]:
    """Every page: how much of it is used, its text lines, characters outside the page's
    printable area, and its image (for screenshots)."""
    pdfium_ = pdfium()
    doc = pdfium_.PdfDocument(str(pdf))
    out = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            w, h = page.get_size()
            img = page.render(scale=scale, grayscale=True).to_pil()
            a = np.asarray(img.convert("L"), dtype=np.uint8)
            band = int(round(14 * MM * scale))  # page header and footer (banner, page number) left out
            body = a[band:a.shape[0] - band]
            ink = np.flatnonzero((body < 235).any(axis=1))
            filled = 0.0 if len(ink) == 0 else (ink[-1] + 1) / body.shape[0]
            tp = page.get_textpage()
            n = tp.count_chars()
            text = tp.get_text_range() if n else ""
            lines = [ln.strip() for ln in text.replace("\r\n", "\n").split("\n")]
            outside = []
            lim = margin_mm * MM * 0.4
            for c in range(n):
                box = tp.get_charbox(c)
                ch = tp.get_text_range(c, 1)
                if not ch.strip():
                    continue
                left, bottom, right, top = box
                if left < lim or right > w - lim or bottom < lim or top > h - lim:
                    outside.append(ch)
            tp.close()
            out.append(Page(i + 1, w, h, filled, lines, outside, page.render(scale=1.4).to_pil()))
            page.close()
    finally:
        doc.close()
    return out


SPLITS = [
    (re.compile(r"(?:^|[\s(])(?:p|d|t|n|r|β|F|V|M)\s*[<=>≤≥]?\s*$"), re.compile(r"^[<=>≤≥]?\s*[\d.−-]")),
    (re.compile(r"[<=>≤≥]\s*\.?$"), re.compile(r"^\.?\d")),
    (re.compile(r"(?:^|\s)[−-]$"), re.compile(r"^\.?\d")),
    (re.compile(r"(?:^|\s)--?$"), re.compile(r"^[a-z]")),
    (re.compile(r"\d[–-]$"), re.compile(r"^\d")),
    (re.compile(r"\[[\d.,\s−-]*$"), re.compile(r"^[\d.,\s−-]*\]")),
    (re.compile(r"\b[A-Za-z]{1,2}_$"), re.compile(r"^[a-z]")),
    (re.compile(r"\[\d+(?:\.\d+)?%$"), re.compile(r"^CI\]")),
]


def split_tokens(lines: list[str]) -> list[tuple[str, str]]:
    """Pairs of consecutive lines that cut a token in two (``p < .`` / ``001``, ``--`` / ``cohort``)."""
    out = []
    for a, b in zip(lines, lines[1:], strict=False):
        if any(end.search(a) and start.search(b) for end, start in SPLITS):
            out.append((a[-30:], b[:30]))
    return out
