"""Laying out inline keyboards: buttons in rows, and a long text with its buttons under the last part."""

from __future__ import annotations

from collections.abc import Sequence

from flows.ui.chat import Button, Reply
from flows.ui.text import split_message


def rows_of(buttons: Sequence[Button], width: int = 3) -> list[tuple[Button, ...]]:
    """Buttons laid out ``width`` to a row."""
    return [tuple(buttons[start : start + width]) for start in range(0, len(buttons), width)]


def with_buttons(text: str, buttons: Sequence[Sequence[Button]] = ()) -> list[Reply]:
    """``text`` split to fit Telegram, the buttons under its last part."""
    parts = split_message(text)
    rows = tuple(tuple(row) for row in buttons)
    return [Reply(part) for part in parts[:-1]] + [Reply(parts[-1], rows)]
