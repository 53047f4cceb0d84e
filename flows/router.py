"""The one entry point into every conversation: an input goes in, the actions to take come out.

The bot adapter, the tests and any future channel call ``handle``; it picks the flow for a command,
a button press or a typed answer, and answers anything it does not understand with a pointer to /start.

Button presses are checked here before any flow sees them: the data must parse through the codec
(``flows.ui.buttons``) into a family some flow handles, the presser must be a member, and a button
that names a cycle must name the current one. A refusal from here or from any flow (``Refused``) is
handled in one place: a press is answered with a toast, logged and audited (``button.refused``), and
nothing changes; a typed answer or a command gets the refusal as a reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flows import home, review, scoring
from flows import selfassess as self_assessment
from flows.appeals import AppealPress, ConsultPress, DecisionPress, DeskPress, InterviewPress, interviews
from flows.appeals import consult as appeals_consult
from flows.appeals import conversation as appeals
from flows.appeals import decision as appeals_decision
from flows.appeals import desk as appeals_desk
from flows.archive import export as archive
from flows.reminders import nudge
from flows.roster import profile, registration
from flows.rules.cycles import CycleArchived
from flows.ui.buttons import ButtonData, parse_button
from flows.ui.chat import Action, Content, Incoming, Reply, Toast
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from flows.ui.refusal import Refused
from storage import audit, conversations
from storage.models import Cycle

Flow = Callable[[FlowContext, Incoming], list[Action]]
PressHandler = Callable[[FlowContext, Incoming, Any], list[Action]]
log = logging.getLogger("kaohe.flows")


def _cancel(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/cancel``: stop waiting for an answer; everything saved so far stays."""
    conversations.end_conversation(context.session, incoming.telegram_user_id)
    return [Reply(render(context.locale(incoming), "cancelled"))]


COMMANDS: dict[str, Flow] = {
    "start": registration.start,
    "me": profile.show_me,
    "help": home.help_screen,
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
    "result": review.show_result,
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

PRESSES: dict[type[ButtonData], PressHandler] = {
    nudge.NudgePress: nudge.on_press,
    home.HomePress: home.on_press,
    AppealPress: appeals.on_press,
    DeskPress: appeals_desk.on_press,
    ConsultPress: appeals_consult.on_press,
    DecisionPress: appeals_decision.on_press,
    InterviewPress: interviews.on_press,
    self_assessment.SelfPress: self_assessment.on_press,
    scoring.ScorePress: scoring.on_press,
    scoring.ScorePagePress: scoring.on_page,
    scoring.ScoreFoundPress: scoring.on_found_page,
    **review.PRESSES,
}
"""Each button family (``flows.ui.buttons``) and the flow step that handles a press of it."""

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
    """What to do about one input; refusals and writes to an archived cycle are answered here."""
    try:
        return _dispatch(context, incoming)
    except CycleArchived as error:
        message = archive.refusal(error, context.locale(incoming))
        return [Reply(message, notice=message if incoming.content is Content.BUTTON else None)]
    except Refused as refusal:
        message = render(context.locale(incoming), refusal.key, **refusal.params)
        if incoming.content is not Content.BUTTON:
            return [_refusal_reply(message, refusal.question)]
        _audit_refused_press(context, incoming, refusal)
        return [Toast(message)]


def _refusal_reply(message: str, question: Reply | None) -> Reply:
    """The reason, and under it the question still waiting (as a new message: it is where the eyes are)."""
    if question is None:
        return Reply(message)
    return replace(question, text=message + "\n\n" + question.text, edit=False)


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
        return _press(context, incoming)
    conversation = conversations.conversation(context.session, incoming.telegram_user_id)
    if command is None and conversation is not None and conversation.flow in CONVERSATIONS:
        return CONVERSATIONS[conversation.flow](context, incoming, dict(conversation.state))
    return [Reply(render(locale, "not_understood"))]


def _press(context: FlowContext, incoming: Incoming) -> list[Action]:
    """A button press: parsed, its presser and cycle checked, then handed to its flow."""
    button = parse_button(incoming.text)
    if button is None:
        raise Refused("stale_button", reason="not a button of ours")
    handler = PRESSES.get(type(button))
    if handler is None:
        raise Refused("stale_button", reason="no flow takes this button")
    if context.member_of(incoming.telegram_user_id) is None:
        raise Refused("button_not_member", reason="pressed by someone who is not a member")
    cycle_id = getattr(button, "cycle", None)
    if cycle_id is not None:
        _check_cycle(context, cycle_id)
    return handler(context, incoming, button)


def _check_cycle(context: FlowContext, cycle_id: int) -> None:
    """A button of an archived cycle says so; one of any cycle but the current one is stale."""
    current = context.current_cycle()
    if current is not None and current.id == cycle_id:
        return
    named = context.session.get(Cycle, cycle_id)
    if named is not None and named.archived_at is not None and named.archived_at <= context.now:
        raise CycleArchived(named)
    raise Refused("stale_button", reason="not the current cycle")


def _audit_refused_press(context: FlowContext, incoming: Incoming, refusal: Refused) -> None:
    member = context.member_of(incoming.telegram_user_id)
    actor = f"member:{member.id}" if member is not None else f"telegram:{incoming.telegram_user_id}"
    data = incoming.text[:80]
    log.warning(
        "button refused: %s pressed %r in chat %s: %s",
        actor,
        data,
        incoming.chat_id,
        refusal.reason,
        extra={"event": "button.refused", "actor": actor, "data": data, "reason": refusal.reason},
    )
    audit.record(
        context.session,
        actor=actor,
        action="button.refused",
        entity="button",
        after={"data": data, "chat_id": incoming.chat_id, "telegram_user_id": incoming.telegram_user_id},
        reason=refusal.reason,
        at=context.now,
    )
