"""The one button codec: every inline button's data is packed and parsed here, nowhere else.

Each button family is a small frozen dataclass with a ``prefix`` and typed fields (in the spirit of
aiogram's ``CallbackData``)::

    @dataclass(frozen=True)
    class ScorePress(ButtonData, prefix="c"):
        cycle: Id
        action: ScoreAction          # a StrEnum: only its values parse
        examinee: Id | None = None   # optional fields come last and may be left off
        item: Key | None = None

``ScorePress(3, ScoreAction.OPEN, 12).pack()`` gives ``"c:3:o:12"`` (at most 64 bytes, or ValueError:
a programming error, caught by the codec's tests); ``parse_button(data)`` gives the typed value of
whichever family the prefix names, or ``None`` for anything else: an unknown prefix, a missing or
extra field, an id that is not a plain positive ASCII number within a database column's range, a
value outside an enum, a key with characters a key never has. What does not parse is refused by the
router in one place (``flows.router``): the press is answered, logged and audited, nothing changes.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, fields
from enum import Enum
from typing import Annotated, Any, ClassVar, Self, Union, get_args, get_origin, get_type_hints

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for inline button data
SEPARATOR = ":"
ID_MAX = 2**31 - 1  # the largest value of a 32-bit INTEGER column (SQLite's and PostgreSQL's ids fit)
INDEX_MAX = 9_999


@dataclass(frozen=True)
class FieldKind:
    """How one kind of field is written in button data and read back (``read`` gives None if invalid)."""

    name: str
    pattern: re.Pattern[str]
    convert: type

    def read(self, text: str) -> Any:
        if not self.pattern.fullmatch(text):
            return None
        value = self.convert(text)
        if self.convert is int and not (0 <= value <= ID_MAX):
            return None
        return value


_ID = FieldKind("id", re.compile(r"[1-9][0-9]{0,9}", re.ASCII), int)
_INDEX = FieldKind("index", re.compile(r"0|[1-9][0-9]{0,3}", re.ASCII), int)
_KEY = FieldKind("key", re.compile(r"[A-Za-z0-9_.+-]{1,32}", re.ASCII), str)

Id = Annotated[int, _ID]
"""A database id: a positive integer within a column's range (``1`` … ``2**31 - 1``)."""
Index = Annotated[int, _INDEX]
"""A position in a short list shown on screen (``0`` … ``9999``)."""
Key = Annotated[str, _KEY]
"""A short name from the scheme or a typed value: a rubric item's key, a grade's key, a score like ``8.5``."""


@dataclass(frozen=True)
class _Field:
    name: str
    optional: bool
    kind: FieldKind | None  # None: an enum
    enum: type[Enum] | None

    def read(self, text: str) -> Any:
        if self.enum is not None:
            try:
                return self.enum(text)
            except ValueError:
                return None
        assert self.kind is not None
        return self.kind.read(text)

    def write(self, value: Any) -> str:
        text = value.value if isinstance(value, Enum) else str(value)
        if SEPARATOR in text or self.read(text) is None:
            raise ValueError(f"{self.name}={value!r} cannot be packed into button data")
        return text


_FAMILIES: dict[str, type[ButtonData]] = {}


def _describe(name: str, hint: Any) -> _Field:
    optional = False
    if get_origin(hint) in (Union, types.UnionType):
        members = [a for a in get_args(hint) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"button field {name}: one type or that type | None")
        hint, optional = members[0], True
    if isinstance(hint, type) and issubclass(hint, Enum):
        return _Field(name, optional, None, hint)
    metadata = getattr(hint, "__metadata__", ())
    kinds = [m for m in metadata if isinstance(m, FieldKind)]
    if not kinds:
        raise TypeError(f"button field {name}: use Id, Index, Key or a StrEnum")
    return _Field(name, optional, kinds[0], None)


class ButtonData:
    """The base of every button family: subclass as a frozen dataclass with ``prefix="…"``."""

    prefix: ClassVar[str]
    _fields: ClassVar[tuple[_Field, ...]]

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not re.fullmatch(r"[a-z]{1,3}", prefix) or prefix in _FAMILIES:
            raise TypeError(f"button prefix {prefix!r} must be 1-3 letters and unique")
        cls.prefix = prefix
        _FAMILIES[prefix] = cls

    @classmethod
    def _layout(cls) -> tuple[_Field, ...]:
        if "_fields" not in cls.__dict__:
            hints = get_type_hints(cls, include_extras=True)
            layout = tuple(_describe(f.name, hints[f.name]) for f in fields(cls))  # type: ignore[arg-type]
            seen_optional = False
            for field_ in layout:
                if seen_optional and not field_.optional:
                    raise TypeError(f"{cls.__name__}: optional fields must come last")
                seen_optional = seen_optional or field_.optional
            cls._fields = layout
        return cls._fields

    def pack(self) -> str:
        """The button's data, at most 64 bytes; trailing fields left as None are left off."""
        parts = [self.prefix]
        pending = 0
        for field_ in self._layout():
            value = getattr(self, field_.name)
            if value is None:
                if not field_.optional:
                    raise ValueError(f"{type(self).__name__}.{field_.name} is required")
                pending += 1
                continue
            if pending:
                raise ValueError(f"{type(self).__name__}: {field_.name} given after a field left off")
            parts.append(field_.write(value))
        data = SEPARATOR.join(parts)
        if len(data.encode()) > CALLBACK_DATA_LIMIT:
            raise ValueError(f"button data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: str) -> Self | None:
        """The button ``data`` stands for, or None when it is not exactly one of this family's."""
        if len(data.encode("utf-8", "surrogatepass")) > CALLBACK_DATA_LIMIT:
            return None
        prefix, _, rest = data.partition(SEPARATOR)
        if prefix != cls.prefix:
            return None
        parts = rest.split(SEPARATOR) if rest else []
        layout = cls._layout()
        required = sum(1 for f in layout if not f.optional)
        if not required <= len(parts) <= len(layout):
            return None
        values: dict[str, Any] = {f.name: None for f in layout}
        for field_, text in zip(layout, parts, strict=False):
            value = field_.read(text)
            if value is None:
                return None
            values[field_.name] = value
        return cls(**values)


def parse_button(data: str) -> ButtonData | None:
    """Whichever family's button ``data`` is, typed; None for anything that is not a button of ours."""
    family = _FAMILIES.get(data.partition(SEPARATOR)[0])
    return family.parse(data) if family is not None else None


def families() -> dict[str, type[ButtonData]]:
    """Every button family, by prefix (for the router's checks and the codec's tests)."""
    return dict(_FAMILIES)
