"""A story of forms laid onto pages (``compose``) as ReportLab's ``SimpleDocTemplate.build`` lays it
into its one frame, without platypus's document loop: that loop's hooks (page templates, hanging
actions, generated content, keep-with-next, frame actions) cost some tenth of drawing 20,000 pages
and the forms use none of them.

What is kept is the frame's arithmetic, step for step (``reportlab.platypus.frames.Frame``'s
``add`` and ``split``, the document's ``handle_flowable``): the same flowables give the same
operators at the same places, so the same bytes. A page is begun when something is to go on it, and
decorated then; a flowable that does not fit is split (its first part must then fit) or moved whole
to the next page, once; ``PageBreak`` ends the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak
from reportlab.platypus.doctemplate import LayoutError

FUZZ = rl_config._FUZZ
PADDING = 6.0  # a frame's default padding on every side


class Frame:
    """The one frame of every page (``left``, ``bottom``, ``width``, ``height``, as the document's
    margins give it): where the next flowable goes, and whether the page is still empty."""

    def __init__(self, left: float, bottom: float, width: float, height: float) -> None:
        self.x = left + PADDING
        self.top = bottom + height - PADDING
        self.floor = bottom + PADDING
        self.width = left + width - left - PADDING - PADDING  # (as ReportLab works it out: the same float)
        self.y, self._atTop, self.after = self.top, 1, 0.0  # ``_atTop``: ReportLab's name, read by flowables

    def reset(self) -> None:
        self.y, self._atTop, self.after = self.top, 1, 0.0

    def before(self, flowable: Flowable) -> float:
        """The space above ``flowable``: none at the top, and the space after the flowable above
        overlaps it."""
        return 0.0 if self._atTop else max(flowable.getSpaceBefore() - self.after, 0)

    def add(self, flowable: Any, canvas: Canvas) -> bool:
        """Draw ``flowable`` here if it fits (as ``Frame.add``); whether it did."""
        flowable._frame, flowable.canv = self, canvas
        before = self.before(flowable)
        height = self.y - self.floor - before
        if height <= 0:
            return False
        width, height = flowable.wrap(self.width, height)
        y = self.y - (height + before)
        if y < self.floor - FUZZ:
            return False
        flowable.drawOn(canvas, self.x, y, _sW=self.width - width)
        after = flowable.getSpaceAfter()
        y -= after
        self.after = after
        if y != self.y:
            self._atTop = 0
        self.y = y
        return True

    def split(self, flowable: Any, canvas: Canvas) -> list[Flowable]:
        """``flowable`` split to fill what is left of the frame (as ``Frame.split``)."""
        height = self.y - self.floor - self.before(flowable)
        if height <= 0:
            return []
        flowable._frame, flowable.canv = self, canvas
        return list(flowable.split(self.width, height))


def compose(
    story: Iterable[Flowable],
    canvas: Canvas,
    frame: Frame,
    decorate: Callable[[Canvas], None],
) -> None:
    """Lay ``story`` onto ``canvas``'s pages in ``frame``, each page decorated when it is begun; the
    last page shown (the document is then saved by the caller)."""
    pending: list[Flowable] = []  # split parts and postponed flowables, before the rest of the story
    flowables = iter(story)
    open_page, placed = False, 0
    while True:
        flowable = pending.pop() if pending else next(flowables, None)
        if flowable is None:
            break
        if not open_page:
            decorate(canvas)
            frame.reset()
            open_page, placed = True, 0
        if isinstance(flowable, PageBreak):
            canvas.showPage()
            open_page = False
            continue
        if frame.add(flowable, canvas):
            placed += 1
            continue
        parts = frame.split(flowable, canvas)
        if parts:
            if not frame.add(parts[0], canvas):
                raise LayoutError(f"the first part of a split {type(flowable).__name__} does not fit")
            placed += 1
            pending.extend(reversed(parts[1:]))
            continue
        if getattr(flowable, "_postponed", False) or not placed:
            raise LayoutError(f"a {type(flowable).__name__} too large for a page")
        flowable._postponed = 1  # type: ignore[attr-defined]
        pending.append(flowable)
        canvas.showPage()
        open_page = False
    if open_page:
        canvas.showPage()
