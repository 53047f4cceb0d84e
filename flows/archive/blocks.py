"""The forms' flowables besides their tables (``flows.archive.grid``) that write their own PDF
operators: ``Together`` keeps a form's signature rows on one page, ``Line`` is one line of text (a
title, a note, a heading).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from flows.archive.grid import Drawn, operators


class Together(Drawn):
    """Flowables kept on one page (a form's signature rows): moved whole to the next page when they
    do not fit, and let flow only when they fill a page of their own. Does what ReportLab's
    ``KeepTogether`` does for the forms without copying the page's frame at every try."""

    def __init__(self, content: Sequence[Flowable]) -> None:
        super().__init__()
        self.content = list(content)

    def _sizes(self, availWidth: float) -> list[tuple[float, float, float]]:
        """(space before, height, space after) of each flowable."""
        sizes = []
        for flowable in self.content:
            _, height = flowable.wrapOn(self.canv, availWidth, 0xFFFFFFF)
            sizes.append((flowable.getSpaceBefore(), height, flowable.getSpaceAfter()))
        return sizes

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = sum(map(sum, self._sizes(availWidth)))
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        frame = getattr(self, "_frame", None)  # set by the frame that splits it
        return self.content if frame is None or frame._atTop else []

    def draw(self) -> None:
        top = self.height
        for flowable, (before, height, after) in zip(self.content, self._sizes(self.width), strict=True):
            top -= before + height
            flowable.drawOn(self.canv, 0, top)
            top -= after


@lru_cache(maxsize=4096)
def _width(text: str, font: str, size: float) -> float:
    """``text``'s width (a form's titles and notes repeat on every examinee's pages)."""
    return float(pdfmetrics.stringWidth(text, font, size))


class Line(Drawn):
    """One line of text in the embedded font (a form's title, a note, a heading), drawn as a
    one-line ``Paragraph`` of ``style`` would be, without parsing its markup."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style
        self.width = _width(text, style.fontName, style.fontSize)
        self.height = style.leading

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.room = availWidth
        return availWidth, self.height

    def getSpaceAfter(self) -> float:
        return float(self.style.spaceAfter)

    def draw(self) -> None:
        style, canvas = self.style, cast(Any, self.canv)
        x = 0.0
        if style.alignment == TA_CENTER:
            x = (self.room - self.width) / 2
        elif style.alignment == TA_RIGHT:
            x = self.room - self.width
        shown = operators(canvas, (style.fontName, self.text), style.fontSize)
        colour = style.textColor
        fill = f"{colour.red:.4f} {colour.green:.4f} {colour.blue:.4f} rg "
        baseline = self.height - style.fontSize
        canvas._code.append(f"q {fill}BT 1 0 0 1 {x:.2f} {baseline:.2f} Tm {shown}ET Q")
