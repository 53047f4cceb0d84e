"""PDF building for the printable forms (ReportLab): the embedded CJK font, the styles, table cells,
and printing a story of forms into one A4 PDF (``print_pdf``).

The font is the bundled subset of Noto Serif CJK SC (``flows/fonts``, SIL OFL 1.1; why it and
not ReportLab's CID fonts: docs/archive.md): its glyphs are embedded in every PDF, so a viewer without
Chinese fonts still shows the text. A rare character the subset lacks (a name outside GB 2312) is set
in ReportLab's STSong-Light CID font instead, which viewers with Chinese fonts render, rather than as
an empty box. Documents are written with ReportLab's ``invariant`` mode: the same forms give the same
bytes. A control character in stored text is spelled out (``〈BEL〉``, ``flows.archive.controls``).
Every page carries the cycle's name, the page number and, before release, 暂定.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, cast
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfdoc import (
    PDFName,
    PDFPage,
    PDFResourceDictionary,
    PDFStream,
    PDFStreamFilterZCompress,
)
from reportlab.pdfbase.pdfdoc import format as pdf_format
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

from flows.archive.blocks import Line
from flows.archive.controls import spelled
from flows.archive.grid import Box, Fonts, Grid, operators
from flows.archive.pages import Frame, compose
from flows.archive.xobjects import xobjects
from flows.ui.fonts import BUNDLED_CJK_FONT

FONT_FILE = BUNDLED_CJK_FONT
FONT = "NotoSerifSC"
FALLBACK = "STSong-Light"
PAGE_WIDTH = A4[0] - 36 * mm  # inside the margins
CELL_SIZE, CELL_LEADING = 10.5, 15


@cache
def _covered() -> frozenset[int]:
    """Register the fonts once; the characters the embedded font has."""
    font = TTFont(FONT, str(FONT_FILE))
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return frozenset(font.face.charToGlyph)


def missing_characters(text: str) -> set[str]:
    """The characters of ``text`` the embedded font lacks (set in the fallback font instead)."""
    return {c for c in set(text) - _covered_text() if not c.isspace()}


@cache
def _covered_text() -> frozenset[str]:
    return frozenset(map(chr, _covered()))


def markup(text: object) -> str:
    """``text`` as Paragraph markup: escaped, line breaks kept, control characters spelled out,
    uncovered characters in the fallback."""
    shown = spelled(str(text))
    missing = missing_characters(shown)
    if not missing:
        return escape(shown).replace("\n", "<br/>")
    parts = []
    for character in shown:
        piece = escape(character)
        parts.append(f'<font name="{FALLBACK}">{piece}</font>' if character in missing else piece)
    return "".join(parts).replace("\n", "<br/>")


@cache
def style(name: str) -> ParagraphStyle:
    """The styles of the forms: ``title``, ``note`` (small, right), ``label``, ``cell``, ``small``."""
    _covered()
    base = ParagraphStyle(name, fontName=FONT, fontSize=CELL_SIZE, leading=CELL_LEADING, wordWrap="CJK")
    changes: dict[str, dict[str, object]] = {
        "title": {"fontSize": 16, "leading": 22, "alignment": TA_CENTER, "spaceAfter": 2 * mm},
        "note": {"fontSize": 9, "leading": 13, "alignment": TA_RIGHT, "spaceAfter": 2 * mm},
        "label": {"alignment": TA_CENTER},
        "cell": {},
        "small": {"fontSize": 8, "leading": 11, "textColor": colors.HexColor("#444444")},
    }
    for attribute, value in changes[name].items():
        setattr(base, attribute, value)
    return base


def text(value: object, kind: str = "cell") -> Flowable:
    """``value`` in the style ``kind``: a ``Line`` when it is one line the embedded font has, else
    a ``Paragraph``."""
    shown = spelled("" if value is None else str(value))
    look = style(kind)
    if "\n" not in shown and set(shown) <= _covered_text():
        line = Line(shown, look)
        if line.width <= PAGE_WIDTH:
            return line
    return Paragraph(markup(shown), look)


@cache
def _fonts() -> Fonts:
    return Fonts(FONT, FALLBACK, _covered_text(), CELL_SIZE, CELL_LEADING)


def grid(
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    spans: Sequence[Box] = (),
    shaded: Sequence[Box] = (),
    labels: Sequence[Box] = (),
    heights: Sequence[float | None] | None = None,
) -> Grid:
    """A form's table: every cell boxed, text cells wrapped, rows split across pages if they must;
    ``widths`` as parts of the page's width; the cells in ``labels`` hold the form's own words (the
    same on every examinee's form: written once per document with the boxes)."""
    columns = [w * PAGE_WIDTH for w in widths]
    return Grid.of(rows, columns, _fonts(), spans=spans, shaded=shaded, labels=labels, heights=heights)


class _Page(PDFPage):
    """A page of the forms (its resources shared, nothing but its contents its own) formatted
    straight to the bytes ``PDFPage.format`` makes of it, without going over its some 25 optional
    entries and a dictionary for each of 20,000 pages."""

    def format(self, document: Any) -> bytes:
        self.check_format(document)
        if any(getattr(self, name) is not None for name in _OPTIONAL):
            return cast(bytes, super().format(document))
        contents = document.Reference(self.Contents)  # referred to in PDFPage's order: contents, parent
        parent = document.Reference(self.Parent)
        entries = {
            "Contents": contents,
            "MediaBox": self.MediaBox,
            "Parent": parent,
            "Resources": self.Resources,
            "Type": _PAGE,
        }
        return (
            b"<<\n"
            + b" ".join(b"/" + k.encode() + b" " + pdf_format(v, document) for k, v in entries.items())
            + b"\n>>"
        )


_PAGE = PDFName("Page")
_OPTIONAL = tuple(
    name for name in PDFPage.__NoDefault__ if name not in ("Parent", "MediaBox", "Resources", "Contents")
)


class _Pages(Canvas):
    """A canvas whose pages share one resource dictionary (the same fonts on every page of the forms)
    and name no transition nor rotation: some 20,000 page objects written shorter and faster."""

    def showPage(self) -> None:
        super().showPage()
        page: Any = cast(Any, self)._doc.Pages.pages[-1]
        if page.ExtGState or page.XObjects or page._colorsUsed or page._shadingUsed:
            return  # resources of its own (the forms have none)
        shared = getattr(self, "_resources", None)
        if shared is None:
            resources = PDFResourceDictionary()
            resources.basicFonts()
            resources.allProcs()
            resources.XObject = xobjects(cast(Any, self)._doc)  # a table's boxes, drawn once
            shared = self._resources = cast(Any, self)._doc.Reference(resources)
        page.Resources, page.Trans, page.Rotate = shared, None, None
        page.Contents = PDFStream(content=page.stream, filters=[_FLATE] if page.compression else None)
        page.Contents.__Comment__ = "page stream"  # (what ``PDFPage.check_format`` would make, but the level)
        page.__class__ = _Page


class _Flate(PDFStreamFilterZCompress):
    """Flate at level 5 rather than zlib's default 6: the pages' streams a quarter faster to
    compress, 0.5 % bigger."""

    def encode(self, text: str | bytes) -> bytes:
        return zlib.compress(text.encode() if isinstance(text, str) else text, 5)


_FLATE = _Flate()


def _shown(canvas: Canvas, line: str, size: float, x: float, y: float, *, right: bool = False) -> str:
    """The PDF operators that show ``line`` in the embedded font at ``size``, from (or, ``right``, up
    to) ``x`` on the baseline ``y``: what ``drawString`` writes, without its bookkeeping."""
    if right:
        x -= pdfmetrics.stringWidth(line, FONT, size)
    return f"BT 1 0 0 1 {fp_str(x, y)} Tm {operators(canvas, (FONT, line), size)}ET"


def print_pdf(story: Iterable[Flowable], header: str, *, provisional: bool) -> bytes:
    """One A4 PDF of ``story``, every page headed with ``header`` (and 暂定 before release) and
    numbered, in invariant mode (the same forms, the same bytes); laid out as ``SimpleDocTemplate``
    would (``flows.archive.pages``). Its page streams are compressed but not ASCII85-encoded
    (ReportLab's default): a fifth smaller, and cheaper to write."""
    _covered()
    shown = spelled(header)
    edge = A4[0] - 18 * mm
    fixed: list[str] = []  # the header's operators, made on the first page (they name its font subset)

    def decorate(canvas: Canvas) -> None:
        if not fixed:
            fixed.append(_shown(canvas, shown, 8, 18 * mm, A4[1] - 11 * mm))
            if provisional:
                red = colors.HexColor("#B00000")
                warning = _shown(canvas, "暂定 · 结果尚未发布", 11, edge, A4[1] - 11 * mm, right=True)
                fixed.append(f"q {red.red:.4f} {red.green:.4f} {red.blue:.4f} rg {warning} Q")
        number = _shown(canvas, f"第 {canvas.getPageNumber()} 页", 8, edge, 10 * mm, right=True)
        cast(Any, canvas)._code.append(" ".join([*fixed, number]))

    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=shown,
        author="kaohe",
        invariant=1,
        initialFontName=FONT,  # so that no base-14 font is named in the PDF at all
        initialFontSize=CELL_SIZE,
    )
    canvas = template._makeCanvas(buffer, canvasmaker=_Pages)  # its title, author... as ``build``'s
    frame = Frame(template.leftMargin, template.bottomMargin, template.width, template.height)
    a85, rl_config.useA85 = rl_config.useA85, 0  # read when the document is written, at the end
    try:
        compose(story, canvas, frame, decorate)
        canvas.save()
    finally:
        rl_config.useA85 = a85
    return buffer.getvalue()
