"""The one notice path: everything the bot sends other than a direct reply is queued by ``notify``.

A notice is about something (``Notice``: its kind, the cycle, the step, the record it concerns, a
tag) and goes to members, each in their own language and with the buttons it carries (``Body``).
``notify`` queues one outbox row per member (a long text in several parts, the buttons on the last),
with the subject stored as columns of the row. So every notice alike:

- goes once to each member: one already told this notice is skipped, and the row's unique key,
  computed from the subject, settles a race between two processes;
- waits for the quiet hours to end when queued in them (``send_time``); the sender also holds back
  whatever falls due in them (``flows.reminders.schedule.triage``);
- is checked again just before it is sent, by its kind (``flows.reminders.checks``), and dropped if no
  longer true;
- is paced per chat by the sender (``bot.sender``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flows.notices.quiet import send_time
from flows.ui.chat import Button
from flows.ui.context import FlowContext
from flows.ui.i18n import locale_for, render
from flows.ui.text import split_message
from storage import accounts, outbox
from storage.models import Subject


class Kind(StrEnum):
    """What sort of notice it is (the re-check before sending dispatches on this)."""

    REMIND = "remind"  # a rung of a deadline's ladder (催办); step: the topic, tag: the rung
    DIGEST = "digest"  # the committee's daily progress digest during review; tag: the day
    NUDGE = "nudge"  # a committee member's nudge (one a day per person); step: the topic, tag: the day
    PHASE = "phase"  # a phase change announced; step: the topic
    OPENED = "opened"  # the cycle has opened
    RESULT = "result"  # an examinee's released result; about: the examinee
    SIGNOFF = "signoff"  # a signer's turn to sign; step: the stage, tag: the version
    VOIDED = "voided"  # a signature voided by a change; about: the signature
    RETURNED = "returned"  # a score sheet returned to its scorer; about: the sheet, tag: when
    TAKEN_OVER = "taken_over"  # a score sheet taken over by the committee, to its scorer; about: the sheet
    APPEAL_SUBMITTED = "appeal_submitted"  # to those who receive appeals; about: the appeal
    APPEAL_ESCALATED = "appeal_escalated"  # reported to the committee; about: the appeal
    APPEAL_OVERDUE = "appeal_overdue"  # undecided past its time; about: the appeal, tag: the day
    APPEAL_QUESTION = "appeal_question"  # a party asked for an opinion; about: the opinion
    APPEAL_ANSWERED = "appeal_answered"  # the party has answered; about: the opinion
    APPEAL_DECIDED = "appeal_decided"  # the final decision, to the examinee; about: the appeal
    INTERVIEW = "interview"  # a talk (谈话) recorded, to the examinee; about: the interview


class Topic(StrEnum):
    """The step of the scheduler's notices: what a reminder, nudge or announcement is about."""

    SELF = "self"  # their self-assessment is not submitted
    SCORE = "score"  # score sheets of theirs are not submitted
    REVIEW = "review"  # the committee's review is under way
    SELF_CLOSED = "self_closed"  # the self-assessment has closed
    SCORING_OPEN = "scoring_open"  # scoring has opened


@dataclass(frozen=True)
class Notice:
    """What a notice is about, whoever it goes to: a ``Subject`` less its member."""

    kind: Kind
    cycle_id: int
    step: str = ""
    about_id: int | None = None
    tag: str = ""

    def to(self, member_id: int) -> Subject:
        return Subject(self.kind, self.cycle_id, member_id, self.step, self.about_id, self.tag)


@dataclass(frozen=True)
class Body:
    """What one member receives: the text (Telegram HTML) and the buttons under it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


Compose = Callable[[int, str], Body]  # (member id, their locale) → what they receive


def rendered(key: str, **params: object) -> Compose:
    """A notice that is the message ``key`` with ``params``, in each member's language (rendered once a
    language: a cycle's opening tells thousands the same thing)."""
    bodies: dict[str, Body] = {}

    def compose(_member_id: int, locale: str) -> Body:
        if locale not in bodies:
            bodies[locale] = Body(render(locale, key, **params))
        return bodies[locale]

    return compose


def told(context: FlowContext, notice: Notice, *, any_step: bool = False) -> set[int]:
    """The members already queued ``notice`` (with any step, if ``any_step``)."""
    step = {} if any_step else {"step": notice.step}
    return outbox.told(
        context.session,
        kind=notice.kind,
        cycle_id=notice.cycle_id,
        about_id=notice.about_id,
        tag=notice.tag,
        **step,
    )


def notify(context: FlowContext, notice: Notice, members: Iterable[int], compose: Compose) -> int:
    """Queue ``notice`` for each of ``members`` who is bound to the bot and has not had it yet, composed
    by ``compose`` in their own language, all in one insert; how many members were newly queued.

    The rows are built as plain dicts, each a copy of one made for the notice with the member's own
    columns: a cycle's opening queues ten thousand."""
    fresh = set(members) - told(context, notice)
    chats = accounts.chats_of(context.session, fresh)
    common = outbox.row(  # the notice's row; each member's a copy with their own columns
        outbox.queued_defaults(),
        dedupe_key="",
        chat_id=0,
        text="",
        not_before=send_time(context),
        subject=notice.to(0),
    )
    parts: dict[str, list[str]] = {}  # a text's parts, split once however many members receive it
    rows: list[dict[str, Any]] = []
    firsts: list[str] = []  # each member's first row's key: newly queued when it is
    for member_id, chat in chats.items():
        body = compose(member_id, locale_for(chat.language_code, context.default_locale))
        if body.text not in parts:
            parts[body.text] = split_message(body.text)
        texts, subject = parts[body.text], notice.to(member_id)
        keys = (
            [subject.key(number) for number in range(1, len(texts) + 1)]
            if len(texts) > 1
            else [subject.key()]
        )
        buttons = outbox.keyboard([[(button.label, button.data) for button in row] for row in body.buttons])
        firsts.append(keys[0])
        rows += (
            {
                **common,
                "member_id": member_id,
                "dedupe_key": key,
                "chat_id": chat.chat_id,
                "text": text,
                "buttons": buttons if key is keys[-1] else None,  # under the last part
            }
            for key, text in zip(keys, texts, strict=True)
        )
    queued = outbox.queue_rows(context.session, rows)
    return sum(key in queued for key in firsts)
