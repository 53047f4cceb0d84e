"""Charts sent in chat: the grade distribution (等级分布) of a team's departments, as a PNG image.

Drawn with matplotlib's Agg backend (no display needed). Department and grade names are Chinese: the
chart draws them in the bundled CJK font (``flows.ui.fonts``), registered with matplotlib when the
first chart is drawn — nothing to install on the server, no font cache to clear.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib: no display, PNG only

from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from flows.ui.fonts import BUNDLED_CJK_FONT

GRADE_COLOURS = ("#2e7d32", "#66bb6a", "#90a4ae", "#ffa726", "#e53935", "#8d6e63", "#5c6bc0")


@dataclass(frozen=True)
class Grade:
    """A grade as the legend shows it: its key (what the counts are keyed by) and its label (``A 优秀``)."""

    key: str
    label: str


@dataclass(frozen=True)
class Bar:
    """One department's bar: its label and how many examinees have each grade."""

    label: str
    counts: dict[str, int]


@cache
def cjk_font() -> str:
    """The family name of the bundled CJK font, registered with matplotlib once per process."""
    font_manager.fontManager.addfont(str(BUNDLED_CJK_FONT))
    return font_manager.FontProperties(fname=str(BUNDLED_CJK_FONT)).get_name()


def distribution_chart(bars: Sequence[Bar], grades: Sequence[Grade], title: str) -> bytes:
    """A horizontal stacked bar per department, one colour per grade (best first), as PNG bytes."""
    text_style: dict[str, Any] = {"fontfamily": cjk_font()}
    figure = Figure(figsize=(7, 1.2 + 0.45 * len(bars)), dpi=110)
    axes = figure.add_subplot()
    rows = range(len(bars))
    left = [0] * len(bars)
    for index, grade in enumerate(grades):
        widths = [bar.counts.get(grade.key, 0) for bar in bars]
        colour = GRADE_COLOURS[index % len(GRADE_COLOURS)]
        axes.barh(rows, widths, left=left, color=colour, label=grade.label, edgecolor="white")
        for row, (start, width) in enumerate(zip(left, widths, strict=True)):
            if width:
                axes.text(start + width / 2, row, str(width), ha="center", va="center", color="white")
        left = [start + width for start, width in zip(left, widths, strict=True)]
    axes.set_yticks(list(rows), [bar.label for bar in bars], **text_style)
    axes.invert_yaxis()
    axes.set_xlim(0, max(left, default=0) + 0.5)
    locator = axes.xaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator)  # barh's default AutoLocator
    locator.set_params(integer=True)
    axes.legend(
        ncols=len(grades),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        frameon=False,
        prop={"family": cjk_font()},
    )
    axes.set_title(title, pad=28, **text_style)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
