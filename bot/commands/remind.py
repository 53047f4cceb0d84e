"""``kaohe remind``: nudge everyone pending in the current phase (一键催办), as the committee's button does.

The nudges are queued in the outbox; the running bot sends them, at most one a day to each person and
never in quiet hours.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bot.commands.common import named_cycle, open_database
from bot.config import Config
from flows.ui.i18n import plain
from storage.db import session_scope


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("remind", help="nudge everyone pending in the current phase (一键催办)")
    parser.add_argument("--name", help="the cycle (default: the newest one not archived)")
    parser.set_defaults(func=remind_command)


def remind_command(config: Config, args: argparse.Namespace) -> int:
    from flows.reminders.nudge import nudge  # and the home screen behind it: not for ``kaohe --help``
    from flows.ui.context import FlowContext

    settings = config.settings
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            cycle = named_cycle(session, args.name, settings.language)
            context = FlowContext(
                session=session, now=datetime.now(UTC), tz=settings.tz, default_locale=settings.language
            )
            result = nudge(context, cycle, actor="cli")
    finally:
        engine.dispose()
    if result.topic is None:
        print(plain(settings.language, "remind_cli_nothing", cycle=cycle.name))
        return 0
    counts = {"pending": result.pending, "queued": result.queued, "earlier": result.earlier}
    print(plain(settings.language, "remind_cli", cycle=cycle.name, unbound=result.unbound, **counts))
    return 0
