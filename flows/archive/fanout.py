"""Drawing the printable forms once for the three PDFs each of their pages is in (issue 12).

An examinee's forms are in their own PDF, in their department's and in the whole cycle's. Laying the
forms out (ReportLab wrapping and splitting tables and paragraphs) is most of the work, so it is done
once: the whole cycle's story goes through one ``SimpleDocTemplate`` whose canvas is a ``Fanout``,
passing every drawing call on to the canvases of the PDFs the examinee on the page belongs to. Each
of those canvases encodes the text in its own font subset, heads and numbers its own pages, and so
gives the PDF it would give drawn alone. Each PDF goes to ``emit`` as soon as it is complete (an
examinee's when the next examinee begins, a department's after its last examinee, the cycle's last),
and the story is laid out one examinee at a time, so that a cycle of 10,000 is never in memory whole.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Flowable, PageBreak

Emit = Callable[[str, bytes], None]
Decorate = Callable[[Canvas, str], None]
NewCanvas = Callable[[io.BytesIO, str], Canvas]


class Fanned:
    """Several ReportLab objects of one kind (canvases, text objects, paths) driven as one: a call
    goes to each (a fanned argument given to each its own), an attribute is read from the first."""

    def __init__(self, items: list[Any]) -> None:
        object.__setattr__(self, "items", items)

    def __getattr__(self, name: str) -> Any:
        first = getattr(self.items[0], name)
        if not callable(first):
            return first

        def each(*args: Any, **kwargs: Any) -> Any:
            if any(isinstance(value, Fanned) for value in (*args, *kwargs.values())):
                results = [
                    getattr(item, name)(
                        *(_nth(a, n) for a in args), **{k: _nth(v, n) for k, v in kwargs.items()}
                    )
                    for n, item in enumerate(self.items)
                ]
            else:  # most calls: the same arguments for each
                results = [getattr(item, name)(*args, **kwargs) for item in self.items]
            return Fanned(results) if isinstance(results[0], PDFTextObject | PDFPathObject) else results[0]

        return each

    def __setattr__(self, name: str, value: Any) -> None:
        for item in self.items:
            setattr(item, name, value)

    def __delattr__(self, name: str) -> None:
        for item in self.items:
            delattr(item, name)


def _nth(value: Any, n: int) -> Any:
    return value.items[n] if isinstance(value, Fanned) else value


@dataclass
class Sheet:
    """One PDF being drawn: where it goes, its page header, its canvas."""

    path: str
    header: str
    buffer: io.BytesIO
    canvas: Canvas


@dataclass(frozen=True)
class Part:
    """One examinee's forms: their PDF's path and header, their group's (department's), the story."""

    path: str
    header: str
    group: str
    group_header: str
    story: Callable[[], list[Flowable]]


class Fanout(Fanned):
    """The canvas the document template draws on: the canvases of the PDFs of the examinee drawn."""

    OWN = ("_doctemplate", "_cropMarks", "_doc")

    def __init__(self, printer: Printer) -> None:
        super().__init__([printer.cycle.canvas])
        object.__setattr__(self, "printer", printer)
        object.__setattr__(self, "_doc", SimpleNamespace(info=None))  # the template's own bookkeeping

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.OWN:
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name in self.OWN:
            object.__delattr__(self, name)
        else:
            super().__delattr__(name)

    def begin(self, index: int) -> None:
        """Examinee ``index`` starts on a fresh page: draw on their PDFs from now on."""
        self.items[:] = [sheet.canvas for sheet in self.printer.begin(index)]

    def showPage(self) -> None:
        for sheet in self.printer.drawing:
            self.printer.decorate(sheet.canvas, sheet.header)
            sheet.canvas.showPage()

    def save(self) -> None:
        self.printer.finish()


class Begin(Flowable):
    """Where an examinee's forms begin (always on a new page): switches the PDFs drawn on."""

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        canvas.begin(self.index)


class Story(list):
    """The cycle's story, laid out one examinee at a time: topped up whenever the template asks how
    much is left (every step of its loop does)."""

    def __init__(self, parts: Sequence[Part]) -> None:
        super().__init__()
        self.pending: Iterator[tuple[int, Part]] = iter(enumerate(parts))

    def __len__(self) -> int:
        while super().__len__() < 2:
            following = next(self.pending, None)
            if following is None:
                break
            index, part = following
            self.extend([PageBreak()] if index else [])
            self.extend([Begin(index), *part.story()])
        return super().__len__()


class Printer:
    """The open PDFs: the cycle's, the current department's (or several, should a department's
    examinees not follow each other) and the current examinee's."""

    def __init__(
        self,
        parts: Sequence[Part],
        cycle: tuple[str, str],
        new_canvas: NewCanvas,
        decorate: Decorate,
        emit: Emit,
    ) -> None:
        self.parts, self.new_canvas, self.decorate, self.emit = parts, new_canvas, decorate, emit
        self.cycle = self.open(*cycle)
        self.last = {part.group: index for index, part in enumerate(parts)}
        self.groups: dict[str, Sheet] = {}
        self.examinee: Sheet | None = None
        self.drawing: list[Sheet] = [self.cycle]

    def open(self, path: str, header: str) -> Sheet:
        buffer = io.BytesIO()
        return Sheet(path, header, buffer, self.new_canvas(buffer, header))

    def close(self, sheet: Sheet) -> None:
        sheet.canvas.save()
        self.emit(sheet.path, sheet.buffer.getvalue())

    def begin(self, index: int) -> list[Sheet]:
        part = self.parts[index]
        if self.examinee is not None:
            self.close(self.examinee)
        for group in list(self.groups):
            if self.last[group] < index:
                self.close(self.groups.pop(group))
        self.examinee = self.open(part.path, part.header)
        if part.group not in self.groups:
            self.groups[part.group] = self.open(part.group, part.group_header)
        self.drawing = [self.examinee, self.groups[part.group], self.cycle]
        return self.drawing

    def finish(self) -> None:
        for sheet in [*([self.examinee] if self.examinee else []), *self.groups.values(), self.cycle]:
            self.close(sheet)
        self.examinee, self.groups = None, {}
