"""Render reports with Jinja2 (autoescape on); user templates override packaged ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from .._resources import reports_dir
from .._version import __version__
from ..errors import EvaltoolError, OutputError

__all__ = ["Renderer", "render_html", "save_report", "template_environment"]


@lru_cache(maxsize=8)
def _env(dirs: tuple[str, ...]) -> Any:
    import jinja2

    loaders: list[Any] = [jinja2.FileSystemLoader(d) for d in dirs]
    loaders.append(jinja2.FileSystemLoader(str(reports_dir())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["paragraphs"] = _paragraphs
    env.filters["sub"] = subscripts
    env.filters["prose"] = prose
    env.filters["css_string"] = css_string
    return env


_SUB = re.compile(r"(?<![A-Za-z0-9_])([A-Za-z\u03b1-\u03c9]{1,2})_(av|z|rb|xx|diff|t|pre|adj|rm)(?![A-Za-z0-9_])")


def subscripts(text: Any) -> Any:
    """Escape ``text`` and write statistical subscripts as HTML: ``d_av`` → d<sub>av</sub>.

    Only a fixed list of subscripts after a one- or two-letter symbol is converted (``d_av``,
    ``g_z``, ``r_xx``, ``SE_diff``, ``M_diff``, ``ω_t`` …), so identifiers such as
    ``participant_id`` are left alone. Everything else stays escaped.
    """
    esc = escape(text)
    return esc if "_" not in esc else Markup(_SUB.sub(r"\1<sub>\2</sub>", str(esc)))


_TOKEN = re.compile(
    r"`(?P<code>[^`\n]+)`"                                                       # `evaltool report …`
    r"|(?:(?<![\w])(?:p|d|t|n|r|F|V|β|α|ω|g|M|SD|df)(?:_[a-z]{1,4})?\u00a0?\s?)?"  # a symbol, d_av …
    r"[<>=≤≥]\s?[\u2212-]?\.?\d[\d.,]*\d*"                                       # … < .001, = 0.41
    r"|(?<![\w])(?:p|d|t|n|β|g)(?:_[a-z]{1,4})?[\u00a0 ][\u2212-]?\.?\d[\d.]*"     # d 0.19, β 2.42
    r"|\d+(?:\.\d+)?[–-]\d+(?:\.\d+)?(?![\d.])"                                  # 0–8, 4-6
    r"|\[[\u2212\-]?[\d.]+, [\u2212\-]?[\d.]+\]"                                     # [0.00, 0.23]
    r"|\[\d+(?:\.\d+)?% CI\]"                                                          # [95% CI]
    r"|(?<![\w])[A-Za-zα-ω]{1,2}_(?:av|z|rb|xx|diff|t|pre|adj|rm)(?![A-Za-z0-9_])"    # d_av alone
)


def prose(text: Any) -> Any:
    """Escape running text for HTML, keep each statistical token on one line, set subscripts.

    A token (``p < .001``, ``d 0.19``, ``0–8``, ``[0.00, 0.23]``, ``d_av``) never breaks across
    lines; a command in backticks becomes ``<code>`` whose words never break at a hyphen (so
    ``--cohort`` stays whole), while the lines may still break between its words.

    Examples
    --------
    >>> str(prose("p < .001 for `report cohort --with C07`"))
    '<span class="nowrap">p &lt; .001</span> for <code><span class="nowrap">report</span> <span class="nowrap">cohort</span> <span class="nowrap">--with</span> <span class="nowrap">C07</span></code>'
    >>> str(prose("d_av 0.41 [0.10, 0.72]"))
    '<span class="nowrap">d<sub>av</sub> 0.41</span> <span class="nowrap">[0.10, 0.72]</span>'
    """
    return _prose(str(text))


def _sub_html(text: str) -> str:
    """``str(subscripts(text))``."""
    return str(subscripts(text))


@lru_cache(maxsize=1 << 16)
def _prose(raw: str) -> Any:
    """:func:`prose` of a plain string, remembered (captions and sentences recur across reports)."""
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(raw):
        out.append(_sub_html(raw[pos:m.start()]))
        if m.group("code") is not None:
            words = m.group("code").split(" ")
            out.append("<code>" + " ".join(f'<span class="nowrap">{escape(w)}</span>' for w in words) + "</code>")
        else:
            out.append(f'<span class="nowrap">{_sub_html(m.group(0))}</span>')
        pos = m.end()
    out.append(_sub_html(raw[pos:]))
    return Markup("".join(out))


def template_environment(template_dirs: Sequence[str | Path] = ()) -> Any:
    """The Jinja2 environment: the user's folders first, then evaltool's ``reports/``."""
    return _env(tuple(str(Path(d)) for d in template_dirs))


def _paragraphs(text: Any) -> tuple[dict[str, Any], ...]:
    """Split plain text into paragraphs and bullet lists (rendered escaped by the template).

    A block whose first line starts with ``- `` is a list; an indented line that does not
    start a new item continues the item above it (Markdown's wrapped bullets). Remembered
    per text: templates only read the result.
    """
    return _split_paragraphs(str(text))


@lru_cache(maxsize=1 << 14)
def _split_paragraphs(text: str) -> tuple[dict[str, Any], ...]:
    out: list[dict[str, Any]] = []
    for block in text.strip().split("\n\n"):
        lines = [ln.rstrip() for ln in block.strip().splitlines() if ln.strip()]
        if lines and lines[0].lstrip().startswith("- ") and all(
                ln.lstrip().startswith("- ") or ln.startswith(" ") for ln in lines):
            bullets: list[str] = []
            for ln in lines:
                if ln.lstrip().startswith("- "):
                    bullets.append(ln.lstrip()[2:].strip())
                else:
                    bullets[-1] += " " + ln.strip()
            out.append({"bullets": bullets})
        elif lines:
            out.append({"text": " ".join(ln.strip() for ln in lines)})
    return tuple(out)


def css_string(text: Any) -> Any:
    r"""``text`` as a quoted CSS string, safe inside a ``<style>`` element.

    Examples
    --------
    >>> print(css_string('say "hi" </style>'))
    "say \22 hi\22  \3C /style\3E "
    """
    special = {"\\": "\\5C ", '"': "\\22 ", "'": "\\27 ", "<": "\\3C ", ">": "\\3E ", "&": "\\26 ",
               "\n": "\\A ", "\r": "", "\f": ""}
    return Markup('"' + "".join(special.get(ch, ch) for ch in str(text)) + '"')


class Renderer:
    """Renders reports with one template environment: the templates compiled and the CSS read
    once, for the many reports of a run (:func:`render_html` makes one per call).

    ``template_dirs`` are searched first (the user's templates override the packaged ones).
    """

    def __init__(self, template_dirs: Sequence[str | Path] = ()) -> None:
        self.env = template_environment(template_dirs)
        self.css = self.env.loader.get_source(self.env, "report.css")[0]
        self._templates: dict[str, Any] = {}

    def template(self, name: str) -> Any:
        """The compiled template ``name`` (compiled on first use)."""
        if name not in self._templates:
            self._templates[name] = self.env.get_template(name)
        return self._templates[name]

    def html(self, report: Any, *, fragment: bool = False) -> str:
        """The report as one self-contained HTML string (a ``fragment`` for notebooks)."""
        generated = report.meta.get("generated")
        made_with = f"Made with evaltool {__version__}" + (f" on {generated}" if generated else "") + "."
        return self.template(report.template).render(report=report, css=self.css, fragment=fragment,
                                                     version=__version__, made_with=made_with)


def render_html(report: Any, *, template_dirs: Sequence[str | Path] = (), fragment: bool = False) -> str:
    return Renderer(template_dirs).html(report, fragment=fragment)


def save_report(report: Any, path: Path, *, template_dirs: Sequence[str | Path] = (),
                renderer: Renderer | None = None) -> Path:
    """Write ``report`` to ``path`` (``.html`` or ``.pdf``); ``renderer`` shares the compiled
    templates across many reports."""
    html = (renderer or Renderer(template_dirs)).html(report)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        path.write_text(html, encoding="utf-8")
        return path
    if suffix == ".pdf":
        try:
            import warnings

            with warnings.catch_warnings():  # WeasyPrint warns at import about optional libraries
                warnings.simplefilter("ignore", DeprecationWarning)
                import weasyprint
        except (ImportError, OSError) as exc:  # missing Pango/cairo system libraries
            raise EvaltoolError(
                f"PDF output needs WeasyPrint and its system libraries ({type(exc).__name__}).",
                fix="use the HTML report (open it in a browser and print to PDF), or install "
                    "Pango (e.g. 'apt-get install libpango-1.0-0 libpangoft2-1.0-0').",
            ) from None
        weasyprint.HTML(string=html, base_url=str(path.parent)).write_pdf(str(path))
        return path
    raise OutputError(f"cannot write a report as '{suffix or '(no extension)'}'.", file=path,
                      fix="use a .html or .pdf file name.")
