"""Sub-commands of ``kaohe``; each module has ``add_parser(subparsers)`` that sets ``func(config, args)``."""

from __future__ import annotations

from bot.commands import audit, backup, cycle, database, export, invites, remind, roster, run, sandbox

COMMAND_MODULES = (database, roster, invites, cycle, export, audit, remind, backup, run, sandbox)
