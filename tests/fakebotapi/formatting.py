"""Message text as Telegram stores it: HTML parse mode, whitespace trimming and UTF-16 lengths.

``parse_html`` turns a text sent with parse_mode=HTML into the plain text and the entities Telegram makes
of it, or raises ``EntityParseError`` with the wording of Telegram's own parser ("Unsupported start tag
"foo" at byte offset 3", "Can't find end tag corresponding to start tag "b"", ...). Offsets and lengths of
entities count UTF-16 code units, as the Bot API does.

One deliberate difference: Telegram shows an unknown named entity such as ``&nbsp;`` literally, which is
never what a bot meant, so the fake refuses it ("Unsupported HTML entity"). A bare ``&`` that starts no
entity is kept, as Telegram keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]*));")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")


class EntityParseError(ValueError):
    """Telegram refused the HTML; the message is its description after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's text limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int
    begin: int


class _HtmlParser:
    """One pass over the source, in the manner of Telegram's parser: tags, attributes, entities."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []
        self.code_language: tuple[int, int, str] | None = None

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        while self.pos < len(self.source):
            char = self.source[self.pos]
            if char == "&":
                self._entity_or_ampersand()
            elif char == "<":
                self._tag()
            else:
                self._emit(char)
                self.pos += 1
        if self.stack:
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.out), self.entities

    def _char(self, index: int) -> str:
        return self.source[index] if index < len(self.source) else ""

    def _byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def _emit(self, text: str) -> None:
        self.out.append(text)
        self.offset += utf16_len(text)

    def _decode_entity(self, index: int) -> tuple[str, int] | None:
        """The character an entity at ``index`` stands for and the index after it, None if none is there."""
        match = _ENTITY.match(self.source, index)
        if match is None:
            return None
        decimal, hexadecimal, name = match.groups()
        if name is not None:
            if name not in NAMED_ENTITIES:
                raise EntityParseError(
                    f'Unsupported HTML entity "{match.group()}" at byte offset {self._byte_offset(index)}'
                )
            return NAMED_ENTITIES[name], match.end()
        code = int(decimal) if decimal is not None else int(hexadecimal, 16)
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), match.end()

    def _entity_or_ampersand(self) -> None:
        decoded = self._decode_entity(self.pos)
        if decoded is None:
            self._emit("&")
            self.pos += 1
        else:
            self._emit(decoded[0])
            self.pos = decoded[1]

    def _skip_spaces(self) -> None:
        while self._char(self.pos).isspace():
            self.pos += 1

    def _read_until_space_or(self, stops: str) -> str:
        start = self.pos
        while (char := self._char(self.pos)) and not char.isspace() and char not in stops:
            self.pos += 1
        return self.source[start : self.pos]

    def _tag(self) -> None:
        begin = self.pos
        self.pos += 1
        if self._char(self.pos) == "/":
            self.pos += 1
            self._end_tag(begin)
        else:
            self._start_tag(begin)

    def _unclosed(self, begin: int) -> EntityParseError:
        return EntityParseError(f"Unclosed start tag at byte offset {self._byte_offset(begin)}")

    def _start_tag(self, begin: int) -> None:
        name = self._read_until_space_or(">").lower()
        if not self._char(self.pos):
            raise self._unclosed(begin)
        if name not in ENTITY_TYPES:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {self._byte_offset(begin)}'
            )
        argument = self._attributes(name, begin)
        if name == "span" and argument != "spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset(begin)}'
            )
        self.pos += 1
        self.stack.append(_OpenTag(name, argument, self.offset, begin))

    def _attributes(self, tag: str, begin: int) -> str:
        """Reads the attributes up to the closing ">" and returns the one that matters for the tag."""
        argument = ""
        while True:
            self._skip_spaces()
            char = self._char(self.pos)
            if char == ">":
                return argument
            if not char:
                raise self._unclosed(begin)
            attribute = self._read_until_space_or("=>").lower()
            if not attribute:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self._byte_offset(begin)}'
                )
            self._skip_spaces()
            if self._char(self.pos) != "=":
                if not self._char(self.pos):
                    raise self._unclosed(begin)
                if tag == "blockquote" and attribute == "expandable":
                    argument = "expandable"
                    continue
                raise EntityParseError(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                    f"at byte offset {self._byte_offset(begin)}"
                )
            self.pos += 1
            self._skip_spaces()
            value = self._attribute_value(begin)
            argument = _tag_argument(tag, attribute, value, argument)

    def _attribute_value(self, begin: int) -> str:
        quote = self._char(self.pos)
        if not quote:
            raise self._unclosed(begin)
        if quote not in "'\"":
            token = _NAME_TOKEN.match(self.source, self.pos)
            assert token is not None  # the pattern matches the empty string
            self.pos = token.end()
            char = self._char(self.pos)
            if char != ">" and not char.isspace():
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {self._byte_offset(token.start())}"
                )
            return token.group().lower()
        self.pos += 1
        value: list[str] = []
        while (char := self._char(self.pos)) and char != quote:
            decoded = self._decode_entity(self.pos) if char == "&" else None
            if decoded is None:
                value.append(char)
                self.pos += 1
            else:
                value.append(decoded[0])
                self.pos = decoded[1]
        if not char:
            raise self._unclosed(begin)
        self.pos += 1
        return "".join(value)

    def _end_tag(self, begin: int) -> None:
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self._byte_offset(begin)}")
        name = self._read_until_space_or(">").lower()
        self._skip_spaces()
        if self._char(self.pos) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {self._byte_offset(begin)}")
        self.pos += 1
        tag = self.stack.pop()
        if name and name != tag.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {self._byte_offset(begin)}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        self._close(tag)

    def _close(self, tag: _OpenTag) -> None:
        length = self.offset - tag.offset
        if length == 0:
            return
        entity: dict[str, Any] = {"offset": tag.offset, "length": length, "type": ENTITY_TYPES[tag.name]}
        if tag.name == "a":
            if not tag.argument:
                return
            entity["url"] = tag.argument
        elif tag.name == "tg-emoji":
            if not tag.argument:
                return
            entity["custom_emoji_id"] = tag.argument
        elif tag.name == "blockquote" and tag.argument == "expandable":
            entity["type"] = "expandable_blockquote"
        elif tag.name == "code" and tag.argument and self.stack and self.stack[-1].name == "pre":
            self.code_language = (tag.offset, length, tag.argument)
        elif tag.name == "pre" and self.code_language and self.code_language[:2] == (tag.offset, length):
            self.entities.pop()
            entity["language"] = self.code_language[2]
            self.code_language = None
        self.entities.append(entity)


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value.removeprefix("language-")
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value.removeprefix("tg-")
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and entities of an HTML-formatted text; raises EntityParseError like Telegram."""
    return _HtmlParser(source).parse()


def strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims leading and trailing whitespace and moves or cuts the entities accordingly."""
    stripped = text.strip()
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept
