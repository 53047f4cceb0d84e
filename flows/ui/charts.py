"""Charts sent in chat: the grade distribution (等级分布) of a team's departments, as a PNG image.

Drawn with matplotlib's Agg backend (no display needed). Department names are Chinese, which needs a
font with CJK glyphs: ``cjk_font`` looks for one (Noto Sans CJK, Source Han Sans, WenQuanYi...). Where
none is installed the caller labels the bars with numbers and explains them in the caption, so the
picture never shows empty boxes (豆腐块) in place of characters.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib: no display, PNG only

from matplotlib import font_manager
from matplotlib.figure import Figure

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
)
GRADE_COLOURS = ("#2e7d32", "#66bb6a", "#90a4ae", "#ffa726", "#e53935", "#8d6e63", "#5c6bc0")


@dataclass(frozen=True)
class Bar:
    """One department's bar: its label and how many examinees have each grade."""

    label: str
    counts: dict[str, int]


@cache
def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None when there is none."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def distribution_chart(bars: Sequence[Bar], grades: Sequence[str], title: str | None = None) -> bytes:
    """A horizontal stacked bar per department, one colour per grade (best first), as PNG bytes.

    Labels and title must be ASCII unless ``cjk_font()`` found a font.
    """
    font = cjk_font()
    text_style = {"fontfamily": font} if font else {}
    figure = Figure(figsize=(7, 1.2 + 0.45 * len(bars)), dpi=110)
    axes = figure.add_subplot()
    rows = range(len(bars))
    left = [0] * len(bars)
    for index, grade in enumerate(grades):
        widths = [bar.counts.get(grade, 0) for bar in bars]
        colour = GRADE_COLOURS[index % len(GRADE_COLOURS)]
        axes.barh(rows, widths, left=left, color=colour, label=grade, edgecolor="white")
        for row, (start, width) in enumerate(zip(left, widths, strict=True)):
            if width:
                axes.text(start + width / 2, row, str(width), ha="center", va="center", color="white")
        left = [start + width for start, width in zip(left, widths, strict=True)]
    axes.set_yticks(list(rows), [bar.label for bar in bars], **text_style)
    axes.invert_yaxis()
    axes.set_xlim(0, max(left, default=0) + 0.5)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(ncols=len(grades), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    if title:
        axes.set_title(title, pad=28, **text_style)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
