"""The one entry point into every conversation: an input goes in, the actions to take come out.

The bot adapter, the tests and any future channel call ``handle``; it picks the flow for a command,
and answers anything it does not understand with a pointer to /start.
"""

from __future__ import annotations

from collections.abc import Callable

from flows.appeals import consult as appeals_consult
from flows.appeals import conversation as appeals
from flows.appeals import decision as appeals_decision
from flows.appeals import desk as appeals_desk
from flows.appeals import interviews
from flows.archive import export as archive
from flows.notices import nudge
from flows.review import conversation as review
from flows.review import results
from flows.roster import profile, registration
from flows.rules.cycles import CycleArchived
from flows.scoring import conversation as scoring
from flows.selfassess import conversation as self_assessment
from flows.ui.chat import Action, Content, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import cycles

Flow = Callable[[FlowContext, Incoming], list[Action]]


def _help(context: FlowContext, incoming: Incoming) -> list[Action]:
    return [Reply(render(context.locale(incoming), "help"))]


def _cancel(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/cancel``: stop waiting for an answer; everything saved so far stays."""
    cycles.end_conversation(context.session, incoming.telegram_user_id)
    return [Reply(render(context.locale(incoming), "cancelled"))]


COMMANDS: dict[str, Flow] = {
    "start": registration.start,
    "me": profile.show_me,
    "help": _help,
    "cancel": _cancel,
    "self": self_assessment.start,
    "score": scoring.start,
    "nudge": nudge.start,
    "appeal": appeals.start,
    "appeals": appeals_desk.start,
    "interview": interviews.start,
    "interviews": interviews.show,
    "export": archive.export,
    "review": review.start,
    "result": results.start,
}
PRIVATE_ONLY = {
    "me",
    "cancel",
    "self",
    "score",
    "nudge",
    "appeal",
    "appeals",
    "interview",
    "interviews",
    "export",
    "review",
    "result",
}

BUTTONS: dict[str, Flow] = {
    self_assessment.PREFIX: self_assessment.on_button,
    scoring.PREFIX: scoring.on_button,
    nudge.PREFIX: nudge.on_button,
    appeals.PREFIX: appeals.on_button,
    appeals_desk.PREFIX: appeals_desk.on_button,
    appeals_consult.PREFIX: appeals_consult.on_button,
    appeals_decision.PREFIX: appeals_decision.on_button,
    interviews.PREFIX: interviews.on_button,
    review.PREFIX: review.on_button,
    results.PREFIX: results.on_button,
}

CONVERSATIONS = {
    self_assessment.FLOW: self_assessment.on_input,
    scoring.FLOW: scoring.on_input,
    appeals.FLOW: appeals.on_input,
    appeals_desk.FLOW: appeals_desk.on_input,
    appeals_consult.FLOW: appeals_consult.on_input,
    appeals_decision.FLOW: appeals_decision.on_input,
    interviews.FLOW: interviews.on_input,
    review.FLOW: review.on_input,
}


def handle(context: FlowContext, incoming: Incoming) -> list[Action]:
    """What to do about one input; a write to an archived cycle is refused with a reply."""
    try:
        return _dispatch(context, incoming)
    except CycleArchived as error:
        message = archive.refusal(error, context.locale(incoming))
        return [Reply(message, notice=message if incoming.content is Content.BUTTON else None)]


def _dispatch(context: FlowContext, incoming: Incoming) -> list[Action]:
    locale = context.locale(incoming)
    command = incoming.command
    if command is not None and command in COMMANDS:
        if command in PRIVATE_ONLY and not incoming.is_private:
            return [Reply(render(locale, "group_pointer"))]
        return COMMANDS[command](context, incoming)
    if not incoming.is_private:
        return []  # in groups the bot speaks only when addressed with one of its commands
    if incoming.content is Content.BUTTON:
        flow = BUTTONS.get(incoming.text.split(":", 1)[0])
        if flow is None:
            message = render(locale, "stale_button")
            return [Reply(message, notice=message)]
        return flow(context, incoming)
    conversation = cycles.conversation(context.session, incoming.telegram_user_id)
    if command is None and conversation is not None and conversation.flow in CONVERSATIONS:
        return CONVERSATIONS[conversation.flow](context, incoming, dict(conversation.state))
    return [Reply(render(locale, "not_understood"))]
