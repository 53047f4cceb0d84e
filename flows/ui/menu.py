"""Which commands each person sees (命令菜单), by their place in the organisation.

The same list feeds the text menu after /start and Telegram's per-chat command menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.rules.access import is_committee
from flows.rules.organisation import is_examinee
from flows.ui.i18n import render
from storage.models import Member, Position


@dataclass(frozen=True)
class MenuCommand:
    command: str
    description: str


STRANGER_COMMANDS = ("start", "help")
MEMBER_COMMANDS = ("start", "me", "cancel", "help")
EXAMINEE_COMMANDS = ("self", "result", "appeal", "interviews")
SCORER_COMMANDS = ("score",)  # for those who score others: presidents and vice-presidents
SCORER_POSITIONS = (Position.PRESIDENT, Position.VICE_PRESIDENT)
COMMITTEE_COMMANDS = ("review", "nudge", "appeals", "interview", "export")  # for the committee (考核小组)


def _commands(names: tuple[str, ...], locale: str) -> list[MenuCommand]:
    return [MenuCommand(name, render(locale, f"command_{name}")) for name in names]


def stranger_menu(locale: str) -> list[MenuCommand]:
    """What someone not (yet) on the roster can do."""
    return _commands(STRANGER_COMMANDS, locale)


def member_menu(member: Member, locale: str) -> list[MenuCommand]:
    """What a registered member can do, by their roles."""
    examinee = EXAMINEE_COMMANDS if is_examinee(member) else ()
    scorer = SCORER_COMMANDS if member.position in SCORER_POSITIONS else ()
    committee = COMMITTEE_COMMANDS if is_committee(member) else ()
    names = examinee + scorer + committee + MEMBER_COMMANDS
    return _commands(names, locale)
