"""The Chinese and English names of positions (职务) and committee roles (考核小组角色), and their lookup."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple, TypeVar

from storage.models import CommitteeRole, Position

Choice = TypeVar("Choice", Position, CommitteeRole)
LOCALES = ("zh-CN", "en")  # every text and name exists in each of these, Chinese first


class Names(NamedTuple):
    """A name in Chinese (zh-CN) and English (en)."""

    zh: str
    en: str

    def of(self, locale: str) -> str:
        return self.zh if locale == "zh-CN" else self.en


POSITION_NAMES: dict[Position, Names] = {
    Position.PRESIDENT: Names("主席", "president"),
    Position.VICE_PRESIDENT: Names("副主席", "vice-president"),
    Position.HEAD: Names("部长", "head of department"),
    Position.DEPUTY_HEAD: Names("副部长", "deputy head"),
    Position.OFFICER: Names("干事", "officer"),
    Position.TEACHER: Names("老师", "teacher"),
}

COMMITTEE_NAMES: dict[CommitteeRole, Names] = {
    CommitteeRole.CHIEF_ADVISER: Names("总指导", "chief adviser"),
    CommitteeRole.LEADER: Names("组长", "leader"),
    CommitteeRole.DEPUTY_LEADER: Names("副组长", "deputy leader"),
    CommitteeRole.MEMBER: Names("组员", "member"),
}


def name_of(value: Position | CommitteeRole, locale: str) -> str:
    """The name of a position or committee role in ``locale``."""
    names = POSITION_NAMES[value] if isinstance(value, Position) else COMMITTEE_NAMES[value]
    return names.of(locale)


def value_text(value: object, locale: str) -> str:
    """A field's value as people read it."""
    if isinstance(value, Position | CommitteeRole):
        return name_of(value, locale)
    if isinstance(value, bool):
        return Names("是", "yes").of(locale) if value else Names("否", "no").of(locale)
    if isinstance(value, tuple):
        return "、".join(value) if locale == "zh-CN" else ", ".join(value)
    return str(value) if value not in (None, "") else "—"


def in_both(describe: Callable[[str], str]) -> str:
    """A text in Chinese, then in English."""
    return " / ".join(describe(locale) for locale in LOCALES)


def lookup_key(text: str) -> str:
    return re.sub(r"[\s_-]+", "_", text.strip().casefold())


def _lookup(names: Mapping[Choice, Names]) -> dict[str, Choice]:
    """Every way a roster may write a value: its code, its Chinese name, its English name."""
    table: dict[str, Choice] = {}
    for value, (zh, en) in names.items():
        for spelling in (value.value, zh, en):
            table[lookup_key(spelling)] = value
    return table


POSITIONS = _lookup(POSITION_NAMES)
COMMITTEE_ROLES = _lookup(COMMITTEE_NAMES)
