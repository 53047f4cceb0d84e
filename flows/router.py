"""The one entry point into every conversation: an input goes in, the actions to take come out.

The bot adapter, the tests and any future channel call ``handle``; it picks the flow for a command,
and answers anything it does not understand with a pointer to /start.
"""

from __future__ import annotations

from collections.abc import Callable

from flows import profile, registration
from flows.chat import Action, Incoming, Reply
from flows.context import FlowContext
from flows.i18n import render

Flow = Callable[[FlowContext, Incoming], list[Action]]


def _help(context: FlowContext, incoming: Incoming) -> list[Action]:
    return [Reply(render(context.locale(incoming), "help"))]


COMMANDS: dict[str, Flow] = {
    "start": registration.start,
    "me": profile.show_me,
    "help": _help,
}


def handle(context: FlowContext, incoming: Incoming) -> list[Action]:
    """What to do about one input."""
    command = incoming.command
    if command is not None and command in COMMANDS:
        return COMMANDS[command](context, incoming)
    if not incoming.is_private:
        return []  # in groups the bot speaks only when addressed with one of its commands
    return [Reply(render(context.locale(incoming), "not_understood"))]
