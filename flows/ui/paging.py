"""Long lists on small screens: a list shown a page at a time, and a search by name or student number.

Telegram takes at most 100 inline buttons and 4096 characters in one message, so a list of people
(a scorer's examinees, a department of the review) is shown ``PAGE_SIZE`` at a time (fewer where
their lines are long) with ◀ ▶ under it, on the one live message that paging edits in place. A page
the presser names is checked against the list as it stands (``page_of`` gives None for one past its
end), like any other place in a list.

Anyone on the list is also found by typing part of their name or their student number (学号) while
the list is the live screen: ``search`` puts exact matches first, so a full name or number always
finds its person on the first page of results, and more matches than a page are paged the same way.

Cutting a list into pages needs the length of every line, not only of those shown: ``LineLengths``
measures a line without rendering it, from one rendering per shape of line.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flows.ui.buttons import ButtonData
from flows.ui.chat import Button
from flows.ui.text import visible_length

PAGE_SIZE = 20  # people on one page at most: their buttons, with the screen's others, stay under 100
PAGE_TEXT = 2400  # visible characters their lines may take, leaving the rest of 4096 to the screen
SEARCH_MIN = 1  # characters typed before a search is made
SEARCH_SHOWN = 40  # characters of a search repeated on screen, and looked for
FIND = "find"  # what a conversation waits for while a list is shown: a name or number to look for
T = TypeVar("T")
Shown = TypeVar("Shown", covariant=True)


@dataclass(frozen=True)
class Page(Generic[Shown]):
    """The items on page ``number`` (from 0) of a list of ``size`` items in ``count`` pages; ``first``:
    the position in the whole list of the first item on the page (from 0)."""

    items: Sequence[Shown]
    number: int
    count: int
    size: int
    first: int

    @property
    def paged(self) -> bool:
        """Whether the list takes more than one page."""
        return self.count > 1


def page_of(items: Sequence[T], number: object, length: Callable[[T], int] = lambda _: 0) -> Page[T] | None:
    """Page ``number`` of ``items``; None when the list has no such page (an empty list has page 0).

    A page holds ``PAGE_SIZE`` items, fewer where their lines on screen (``length``: an item's, in
    visible characters) would take more than ``PAGE_TEXT`` together, so that a page of long names still
    fits one message.
    """
    starts = _starts(items, length)
    if not isinstance(number, int) or not 0 <= number < len(starts):
        return None
    start, end = starts[number], (starts[number + 1] if number + 1 < len(starts) else len(items))
    return Page(items[start:end], number, len(starts), len(items), start)


def page_holding(items: Sequence[T], position: int, length: Callable[[T], int] = lambda _: 0) -> int:
    """The number of the page of ``items`` (cut as ``page_of`` cuts them) that holds the item at
    ``position``: where a screen of one of them goes back to."""
    return bisect_right(_starts(items, length), position) - 1


def _starts(items: Sequence[T], length: Callable[[T], int]) -> list[int]:
    """Where each page of ``items`` starts."""
    starts, used = [0], 0
    for position, item in enumerate(items):
        size = length(item)
        if position > starts[-1] and (position - starts[-1] == PAGE_SIZE or used + size > PAGE_TEXT):
            starts.append(position)
            used = 0
        used += size
    return starts


@dataclass
class LineLengths:
    """The visible length of a line ``render(**fields)`` gives, rendering a few lines per shape.

    A field named in ``free`` (a name, a number, a score) is measured as its own text times the times
    the line shows it, and the rest of the line by rendering it with a one-character stand-in for every
    non-empty free field (an empty one as it is): lines of the same shape (the same other fields, the
    same free fields empty) share that rendering, and one more per free field (a two-character
    stand-in) that counts how often the line shows it. A free field must be escaped and not compared
    with anything but emptiness (``tests/test_paging.py`` checks the review's templates).
    """

    render: Callable[..., str]
    free: Collection[str]
    _shapes: dict[tuple[tuple[str, Any], ...], tuple[int, dict[str, int]]] = field(default_factory=dict)

    def __call__(self, **fields: Any) -> int:
        own: dict[str, int] = {}
        for name in self.free:  # ``fields`` is this call's own dict: it becomes the line's shape
            value = fields[name]
            if value:
                own[name] = units(str(value)) - 1
                fields[name] = "x"
        key = tuple(fields.items())
        found = self._shapes.get(key)
        if found is None:
            base = visible_length(self.render(**fields))
            shown = {name: visible_length(self.render(**{**fields, name: "xx"})) - base for name in own}
            found = self._shapes[key] = (base, shown)
        length, shown = found
        for name, extra in own.items():
            length += extra * shown[name]
        return length


def units(text: str) -> int:
    """Telegram's length of plain ``text`` (UTF-16 code units), as ``LineLengths`` counts a field."""
    return len(text.encode("utf-16-le")) // 2


def turn_buttons(page: Page[T], press: Callable[[int], ButtonData]) -> tuple[Button, ...]:
    """◀ and ▶ to the pages before and after ``page`` (none on a list of one page); ``press`` gives
    what a press of a button to page ``n`` stands for."""
    buttons = []
    if page.number > 0:
        buttons.append(Button(f"◀ {page.number}/{page.count}", press(page.number - 1)))
    if page.number + 1 < page.count:
        buttons.append(Button(f"{page.number + 2}/{page.count} ▶", press(page.number + 1)))
    return tuple(buttons)


def search(items: Sequence[T], typed: str, name: Callable[[T], str], number: Callable[[T], str]) -> list[T]:
    """The items whose name or student number holds ``typed`` (case and spaces aside), those whose name
    or number is exactly ``typed`` first, each part in list order."""
    wanted = _folded(typed)
    if len(wanted) < SEARCH_MIN:
        return []
    exact: list[T] = []
    partial: list[T] = []
    for item in items:
        said, numbered = _folded(name(item)), _folded(number(item))
        if wanted in (said, numbered):
            exact.append(item)
        elif wanted in said or wanted in numbered:
            partial.append(item)
    return exact + partial


def _folded(text: str) -> str:
    return "".join(text.split()).casefold()
