"""A form's table drawn straight onto the canvas (``Grid``): every cell boxed, its text wrapped one
character at a time (as Chinese is), rows split across pages when they must, a long cell's lines
flowing on to the next page.

It does what a ReportLab ``Table`` of ``Paragraph`` cells did for the forms at a fraction of the cost
(the forms are some 180 cells per examinee, 10,000 examinees): widths come from a per-character
cache, a row of short texts (a rubric item's labels, points and score) is laid out once for every
table it recurs in, and each line's PDF text operators are made once per document (a form's labels repeat on
every examinee's page) and written as they are. Characters the embedded font lacks are set in the
fallback font (``flows.archive.pdf``); control characters are spelled out. The forms' other
flowables that write their own operators (``Together``, ``Line``) are in ``flows.archive.blocks``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, partial
from itertools import accumulate
from typing import Any, NamedTuple, cast

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from flows.archive.wrapping import Fonts, Run
from flows.archive.xobjects import once

Box = tuple[tuple[int, int], tuple[int, int]]
PADDING_X, PADDING_Y = 6.0, 3.0
RULE = 0.6
SHADE = f"{0xEF / 255:.4f} " * 3  # the shaded cells' grey, as PDF colour operands


Place = tuple[int, int, int, float, bool, bool]
# a drawn cell's column, columns and rows spanned, text width, shading, whether it holds a label


@cache
def _places(
    shape: tuple[int, ...],
    widths: tuple[float, ...],
    spans: tuple[Box, ...],
    shaded: tuple[Box, ...],
    labels: tuple[Box, ...],
) -> list[tuple[Place, ...]]:
    """Each row's drawn cells (column, columns, rows spanned, text width, shaded, a label's) of a
    table of ``shape`` (cells per row): worked out once per form, as every examinee's is the same."""
    origin = {(c0, r0): (c1 - c0 + 1, r1 - r0 + 1) for (c0, r0), (c1, r1) in spans}
    covered = {
        (c, r)
        for (c0, r0), (c1, r1) in spans
        for c in range(c0, c1 + 1)
        for r in range(r0, r1 + 1)
        if (c, r) != (c0, r0)
    }
    grey, named = (
        {(c, r) for (c0, r0), (c1, r1) in boxes for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)}
        for boxes in (shaded, labels)
    )
    places = []
    for r, size in enumerate(shape):
        row = []
        for c in range(size):
            if (c, r) not in covered:
                columns, down = origin.get((c, r), (1, 1))
                width = sum(widths[c : c + columns]) - 2 * PADDING_X
                row.append((c, columns, down, width, (c, r) in grey, (c, r) in named))
        places.append(tuple(row))
    return places


@cache
def _columns(
    widths: tuple[float, ...],
) -> tuple[list[float], list[str], dict[tuple[int, int], str], list[str]]:
    """A table's column edges, and as PDF operands: each edge, the width of each run of columns (from
    a column, how many), where each column's text starts. Worked out once per form."""
    lefts = list(accumulate(widths, initial=0.0))
    spans = {
        (c, n): f"{lefts[c + n] - lefts[c]:.2f}"
        for c in range(len(widths))
        for n in range(1, len(widths) - c + 1)
    }
    return lefts, [f"{x:.2f}" for x in lefts], spans, [f"{x + PADDING_X:.2f}" for x in lefts]


class Cell(NamedTuple):
    """One drawn cell: its first column, how many columns and rows it spans, its lines, shading,
    whether it is a label (the same on every examinee's form)."""

    column: int
    columns: int
    rows: int
    lines: Sequence[tuple[Run, ...]]
    shaded: bool
    label: bool


_cell = partial(tuple.__new__, Cell)  # a Cell without the named tuple's Python-level constructor


class Row(NamedTuple):
    height: float
    cells: Sequence[Cell]
    fixed: bool  # a height given, not from its text: never split
    places: tuple[Place, ...]  # its cells' places (``_places``): with the height, where its boxes are
    labels: tuple[str, ...]  # the texts of its label cells


def _known(canvas: Any) -> dict[tuple[Run, float], str]:
    """The operators made for ``canvas``'s document so far, kept on the document (they name its
    font subsets) and gone with it."""
    doc = canvas._doc
    known: dict[tuple[Run, float], str] | None = doc.__dict__.get("kaohe_operators")
    if known is None:
        known = doc.kaohe_operators = {}
    return known


def operators(canvas: Any, run: Run, size: float) -> str:
    """The PDF operators that show ``run`` at ``size`` (font selection and text), made once per
    document."""
    doc, cache = canvas._doc, _known(canvas)
    made = cache.get((run, size))
    if made is None:
        name, text = run
        font: Any = pdfmetrics.getFont(name)
        if getattr(font, "_dynamicFont", False):
            made = "".join(
                f"{font.getSubsetInternalName(subset, doc)} {size:g} Tf ({canvas._escape(chunk)}) Tj "
                for subset, chunk in font.splitString(text, doc)
            )
        else:  # the fallback CID font: its own encoding, escaped by it
            made = f"{doc.getInternalFontName(name)} {size:g} Tf ({font.formatForPdf(text)}) Tj "
        cache[run, size] = made
    return made


class Drawn(Flowable):
    """A flowable that writes its own PDF operators and changes no state the canvas tracks: placed
    with ``q``, a translation and ``Q`` alone (what ``Flowable.drawOn`` writes), without copying the
    canvas's state each time."""

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        code, flowable = canvas._code, cast(Any, self)
        code.append("q")
        code.append(f"1 0 0 1 {fp_str(flowable._hAlignAdjust(x, _sW), y)} cm")
        flowable._drawOn(canvas)
        code.append("Q")


_outlines: dict[object, list[str]] = {}  # a table's boxes by its widths and its rows' heights and places


def _boxes(
    tops: list[float], xs: list[str], spans: dict[tuple[int, int], str], rows: Sequence[Row]
) -> list[str]:
    """The operators that shade and rule a table's cells (its rows' tops given): the same for every
    table of a form whose rows are as high, so made once for them."""
    ys = [f"{top:.2f}" for top in tops]
    heights = [f"{tops[r] - tops[r + 1]:.2f}" for r in range(len(rows))]
    boxes, shaded = [], []  # each cell's rectangle, as operands of ``re``
    for r, row in enumerate(rows):
        for cell in row.cells:
            below = r + cell.rows
            height = heights[r] if cell.rows == 1 else f"{tops[r] - tops[below]:.2f}"
            box = f"{xs[cell.column]} {ys[below]} {spans[cell.column, cell.columns]} {height} re"
            boxes.append(box)
            if cell.shaded:
                shaded.append(box)
    code = [f"q {SHADE} rg {' '.join(shaded)} f Q"] if shaded else []
    code.append(f"q {RULE} w 0 G {' '.join(boxes)} S Q")
    return code


_rows: dict[tuple[object, ...], Row] = {}  # rows of short texts (labels, marks, scores): many repeat,
# made once (the memory cleared now and then: names and dates are many and seldom repeat)


def _row(texts: tuple[str, ...], placed: tuple[Place, ...], given: float | None, fonts: Fonts) -> Row:
    """A row of a table: its cells' lines, and its height (``given``, or its tallest cell's)."""
    cells, tallest = [], 1
    for c, columns, down, width, grey, label in placed:
        lines = fonts.lines(texts[c], width)
        cells.append(_cell((c, columns, down, lines, grey, label)))
        if down == 1:
            tallest = max(tallest, len(lines))
    height = given if given is not None else tallest * fonts.leading + 2 * PADDING_Y
    labels = tuple(texts[place[0]] for place in placed if place[5])
    return Row(height, tuple(cells), given is not None, placed, labels)


class Grid(Drawn):
    """A form's table (see the module's docstring); ``widths`` in points."""

    def __init__(self, rows: Sequence[Row], widths: Sequence[float], fonts: Fonts) -> None:
        super().__init__()
        self.rows, self.widths, self.fonts = list(rows), list(widths), fonts
        self.width, self.height = sum(widths), sum(row.height for row in rows)

    @classmethod
    def of(
        cls,
        values: Sequence[Sequence[object]],
        widths: Sequence[float],
        fonts: Fonts,
        *,
        spans: Sequence[Box] = (),
        shaded: Sequence[Box] = (),
        labels: Sequence[Box] = (),
        heights: Sequence[float | None] | None = None,
    ) -> Grid:
        shape = tuple(map(len, values))
        places = _places(shape, tuple(widths), tuple(spans), tuple(shaded), tuple(labels))
        rows = []
        for r, (row, placed) in enumerate(zip(values, places, strict=True)):
            texts = tuple("" if value is None else str(value) for value in row)
            given = heights[r] if heights else None
            short = max(map(len, texts), default=0) <= 64
            key = (texts, id(places), r, given, fonts)  # (``places`` are kept by ``_places``'s cache)
            made = _rows.get(key) if short else None
            if made is None:
                made = _row(texts, placed, given, fonts)
                if short:
                    if len(_rows) >= 4096:
                        _rows.clear()
                    _rows[key] = made
            rows.append(made)
        return cls(rows, widths, fonts)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        used, last = 0.0, 0  # rows [0, last) fit; a row span is never cut
        reach = 0
        for i, row in enumerate(self.rows):
            if used + row.height > availHeight:
                break
            used += row.height
            reach = max(reach, i + max((cell.rows for cell in row.cells), default=1))
            if reach <= i + 1:
                last = i + 1
        if last < len(self.rows):
            first = self._cut(last, availHeight - sum(row.height for row in self.rows[:last]))
            if first is not None:
                head, tail = first
                return [self._with([*self.rows[:last], head]), self._with([tail, *self.rows[last + 1 :]])]
        if last == 0:
            return []
        return [self._with(self.rows[:last]), self._with(self.rows[last:])]

    def _cut(self, index: int, room: float) -> tuple[Row, Row] | None:
        """Row ``index`` cut so that its first part fills ``room``, when it is text alone."""
        row = self.rows[index]
        fits = int((room - 2 * PADDING_Y) // self.fonts.leading)
        if row.fixed or fits < 1 or any(cell.rows > 1 for cell in row.cells):
            return None
        tallest = max((len(cell.lines) for cell in row.cells), default=0)
        if tallest <= fits:
            return None
        head = [cell._replace(lines=cell.lines[:fits]) for cell in row.cells]
        tail = [cell._replace(lines=cell.lines[fits:]) for cell in row.cells]
        rest = (tallest - fits) * self.fonts.leading + 2 * PADDING_Y
        return (
            Row(fits * self.fonts.leading + 2 * PADDING_Y, head, False, row.places, row.labels),
            Row(rest, tail, False, row.places, row.labels),
        )

    def _with(self, rows: Sequence[Row]) -> Grid:
        return Grid(rows, self.widths, self.fonts)

    def draw(self) -> None:
        canvas: Any = self.canv
        _, xs, spans, _ = _columns(tuple(self.widths))
        tops = [self.height]
        for row in self.rows:
            tops.append(tops[-1] - row.height)
        outline = (tuple(self.widths), tuple((row.height, row.places) for row in self.rows))
        boxes = _outlines.get(outline)
        if boxes is None:
            boxes = _boxes(tops, xs, spans, self.rows)
            if len(_outlines) >= 4096:
                _outlines.clear()
            _outlines[outline] = boxes
        # the boxes and labels: the same on every examinee's form, written once per document
        labelled = (outline, tuple(row.labels for row in self.rows))
        canvas._code.extend(
            once(canvas, labelled, lambda: [*boxes, *self._text(tops, True)], self.width, self.height)
        )
        canvas._code.extend(self._text(tops, False))

    def _text(self, tops: list[float], labels: bool) -> list[str]:
        """The operators that show the text of the label cells (``labels``) or of the others."""
        canvas: Any = self.canv
        fonts = self.fonts
        lefts, _, _, indents = _columns(tuple(self.widths))
        size, leading = fonts.size, fonts.leading
        known = _known(canvas)
        text = []
        for r, row in enumerate(self.rows):
            for cell in row.cells:
                if not cell.lines or cell.label is not labels:
                    continue
                top, bottom = tops[r], tops[r + cell.rows]
                # the lines' block centred in the cell, each line's glyphs centred in its leading
                baseline = (top + bottom) / 2 + len(cell.lines) * leading / 2 - leading / 2 - size * 0.35
                indent = indents[cell.column]
                for line in cell.lines:
                    if len(line) == 1:  # one font: most lines
                        run = line[0]
                        shown = known.get((run, size)) or operators(canvas, run, size)
                        text.append(f"1 0 0 1 {indent} {baseline:.2f} Tm {shown}")
                    else:
                        left, shown_left = lefts[cell.column] + PADDING_X, indent
                        for n, run in enumerate(line):
                            shown = known.get((run, size)) or operators(canvas, run, size)
                            text.append(f"1 0 0 1 {shown_left} {baseline:.2f} Tm {shown}")
                            if n + 1 < len(line):
                                left += sum(map(fonts.width, run[1]))
                                shown_left = f"{left:.2f}"
                    baseline -= leading
        return [f"BT {''.join(text)}ET"] if text else []
