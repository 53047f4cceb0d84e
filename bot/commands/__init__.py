"""Sub-commands of ``kaohe``; each module has ``add_parser(subparsers)`` that sets ``func(config, args)``.

A run imports only the module of the command it names (``kaohe invites`` need not load the archive's
workbooks and PDFs first): the command line starts in a fraction of the time. Without a command (or
with one it does not know) every module is loaded, so that ``--help`` and the error list them all. An
action with a module of its own in a group of actions (``kaohe cycle status``) is ``deferred``: its
module is loaded when it runs, not when the group's parser is built.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Config

Command = Callable[["Config", argparse.Namespace], int]  # what ``func`` of a parsed command line is

MODULES = ("database", "roster", "invites", "cycle", "export", "audit", "remind", "backup", "run", "sandbox")
COMMANDS = {  # the first word of each sub-command → its module
    "init": "database",
    "roster": "roster",
    "invites": "invites",
    "cycle": "cycle",
    "export": "export",
    "audit": "audit",
    "remind": "remind",
    "backup": "backup",
    "restore": "backup",
    "run": "run",
    "sandbox": "sandbox",
}
OPTIONS_WITH_VALUES = ("--config", "--lang")  # the top-level options that take a value


def command_word(argv: Sequence[str]) -> str | None:
    """The sub-command named on the line (``invites`` of ``--config x --lang en invites --qr y``)."""
    words = iter(argv)
    for word in words:
        if word in OPTIONS_WITH_VALUES:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def command_modules(argv: Sequence[str] | None = None) -> list[ModuleType]:
    """The modules the parser needs for ``argv``: the named command's alone, else all of them."""
    named = COMMANDS.get(command_word(argv) or "") if argv is not None else None
    return [importlib.import_module(f"bot.commands.{name}") for name in ((named,) if named else MODULES)]


def deferred(module: str, function: str) -> Command:
    """The command ``function`` of ``bot.commands.<module>``, imported when it runs."""

    def run(config: Config, args: argparse.Namespace) -> int:
        command: Command = getattr(importlib.import_module(f"bot.commands.{module}"), function)
        return command(config, args)

    return run
