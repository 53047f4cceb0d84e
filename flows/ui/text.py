"""Text as people read it: numbers of points, progress bars, and rendered Telegram HTML fitted into
messages.

A number of points reads ``18.5`` or ``20`` (no trailing ``.0``). A message holds at most 4096
characters, and a long text is split without cutting a word or a tag.

Telegram counts a message's length in UTF-16 code units of its text after entity parsing, so tags
do not count and ``&lt;`` counts as one. A long text is split at the best boundary that fits (a
blank line, then a line break, then a space, then anywhere), and any tag open at the cut is closed
at the end of one part and opened again at the start of the next.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

MESSAGE_LIMIT = 4096
_TOKEN = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z0-9-]+)")


def points(value: Decimal) -> str:
    """``18.5``, ``20`` (no trailing ``.0``)."""
    return f"{value.normalize():f}"


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """``██████░░░░░░ 12/20`` (text, so it reads the same in a terminal, a log and a chat)."""
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"


def visible_length(fragment: str) -> int:
    """The length Telegram counts for an HTML fragment (UTF-16 code units of its text)."""
    text = html.unescape(_TOKEN.sub("", fragment))
    return len(text.encode("utf-16-le")) // 2


def _units(text: str) -> int:
    return len(html.unescape(text).encode("utf-16-le")) // 2


def _cut_point(text: str, room: int) -> int:
    """How many characters of plain (escaped) ``text`` to keep so that at most ``room`` units show."""
    end = 0
    while end < len(text):
        step = text.index(";", end) + 1 if text[end] == "&" and ";" in text[end : end + 10] else end + 1
        if _units(text[:step]) > room:
            break
        end = step
    for boundary in ("\n\n", "\n", " "):
        position = text.rfind(boundary, 0, end)
        if position > 0 and end < len(text):
            return position + len(boundary)
    return end


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` as one or more messages of at most ``limit`` visible characters each."""
    if visible_length(text) <= limit:
        return [text]
    parts: list[str] = []
    current, used = "", 0
    open_tags: list[tuple[str, str]] = []  # (name, opening tag)
    for token in _TOKEN.split(text):
        if not token:
            continue
        if token.startswith("<"):
            current += token
            name = _TAG_NAME.match(token)
            if name and token.startswith("</"):
                matches = [i for i, (n, _) in enumerate(open_tags) if n == name[1].lower()]
                open_tags = open_tags[: matches[-1]] if matches else open_tags
            elif name:
                open_tags.append((name[1].lower(), token))
            continue
        while token:
            cut = _cut_point(token, limit - used)
            if cut == len(token):
                current, used, token = current + token, used + _units(token), ""
                break
            if cut == 0 and used == 0:  # not even one character fits: cannot happen with limit >= 1
                raise ValueError("limit too small")
            current += token[:cut]
            closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
            parts.append(current.rstrip() + closing)
            current, used = "".join(opening for _, opening in open_tags), 0
            token = token[cut:].lstrip(" \n")
    if current.strip():
        parts.append(current.rstrip())
    return parts
