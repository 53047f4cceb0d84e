"""A cell's text cut into lines (``Fonts``): one character at a time, as Chinese is, with widths
from a per-character cache (cumulative widths, a bisection per line), a run of Latin letters or
digits kept whole, closing punctuation hung at a line's end; characters the embedded font lacks set
in the fallback font, control characters spelled out. Used by the forms' tables
(``flows.archive.grid``).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from reportlab.pdfbase import pdfmetrics

from flows.archive.controls import spelled

Run = tuple[str, str]  # (font name, text)
NO_LINE_START = frozenset("，。、；：！？）」』》】〉”’,.;:!?)]}%")  # hung at a line's end instead


class Fonts:
    """The main and fallback fonts at one size: which characters the main one has, and widths."""

    def __init__(self, main: str, fallback: str, covered: frozenset[str], size: float, leading: float):
        self.main, self.fallback, self.covered = main, fallback, covered
        self.size, self.leading = size, leading
        self.widths: dict[str, float] = {}
        self.wrapped: dict[tuple[str, float], list[tuple[Run, ...]]] = {}  # labels repeat

    def width(self, character: str) -> float:
        known = self.widths.get(character)
        if known is None:
            font = self.main if character in self.covered or character.isspace() else self.fallback
            known = self.widths[character] = pdfmetrics.stringWidth(character, font, self.size)
        return known

    def runs(self, line: str) -> tuple[Run, ...]:
        """``line`` cut where it changes between the main and the fallback font."""
        if not line or set(line) <= self.covered:
            return ((self.main, line),) if line else ()
        runs: list[Run] = []
        for character in line:
            font = self.main if character in self.covered or character.isspace() else self.fallback
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + character)
            else:
                runs.append((font, character))
        return tuple(runs)

    def lines(self, text: str, width: float) -> list[tuple[Run, ...]]:
        """A cell's ``text`` as its lines: control characters spelled out, wrapped; none when blank.
        Remembered for short texts (a form's labels and marks: the same on every examinee's page),
        the memory cleared now and then (names and dates are many and seldom repeat)."""
        short = len(text) <= 64
        known = self.wrapped.get((text, width)) if short else None
        if known is None:
            shown = spelled(text)
            known = self.wrap(shown, width) if shown.strip() else []
            if short:
                if len(self.wrapped) >= 4096:
                    self.wrapped.clear()
                self.wrapped[text, width] = known
        return known

    def wrap(self, text: str, width: float) -> list[tuple[Run, ...]]:
        """``text``'s lines broken to ``width``: anywhere between characters, but a run of Latin
        letters or digits (a date, a hash) kept whole when it fits on a line, and closing punctuation
        never starting a line."""
        lines: list[tuple[Run, ...]] = []
        widths, characters = self.widths, set(text)
        for character in characters.difference(widths):  # (a dict's keys looked up, not copied)
            self.width(character)
        main = self.main
        runs = self.runs if not characters <= self.covered else lambda line: ((main, line),) if line else ()
        for paragraph in text.split("\n"):
            ends = list(accumulate(map(widths.__getitem__, paragraph), initial=0.0))
            start, size = 0, len(paragraph)
            while True:
                end = bisect_right(ends, ends[start] + width, start + 1) - 1  # the most that fits
                if end >= size:
                    lines.append(runs(paragraph[start:].rstrip()))
                    break
                end = max(end, start + 1)
                if paragraph[end] in NO_LINE_START:
                    end += 1  # hung at the end of this line
                elif _latin(paragraph[end]) and _latin(paragraph[end - 1]):
                    word = end
                    while word > start and _latin(paragraph[word - 1]):
                        word -= 1
                    end = word if word > start else end
                lines.append(runs(paragraph[start:end].rstrip()))
                start = end
                while start < size and paragraph[start] == " ":
                    start += 1
                if start >= size:
                    break
        return lines


def _latin(character: str) -> bool:
    return character.isascii() and character.isalnum()
