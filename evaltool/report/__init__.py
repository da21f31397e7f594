"""Reports: immutable builders rendered to self-contained HTML and PDF."""

from .model import Callout, FigureBlock, Report, Section, TableBlock, TextBlock

__all__ = ["Callout", "FigureBlock", "Report", "Section", "TableBlock", "TextBlock"]
