"""Notices to members through the outbox: about what, to whom and in which language, and when.

Every notice of the scheduler's (a reminder, a digest, a nudge, a phase announcement) is queued with
a ``Subject`` as its dedupe key: the kind of notice, the cycle, the topic, the member and a tag (the
rung of the ladder, the day). The key makes each go out once, whoever queues it and however often;
the sender reads the subject back just before sending, so that a notice no longer true by then (the
person has since submitted, the phase has moved on) is dropped.

Quiet hours (免打扰时段, from the current cycle's scheme, in the configured timezone): a notice queued
in them waits for their end, and the sender holds back any of these notices that falls due in them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session

from flows.rules.cycles import scheme_of
from flows.rules.scheme import QuietHours, default_scheme
from flows.ui.context import FlowContext
from flows.ui.i18n import locale_for
from storage import accounts, outbox
from storage import cycles as cycle_store


class Kind(StrEnum):
    REMIND = "remind"  # a rung of a deadline's ladder (催办)
    DIGEST = "digest"  # the committee's daily progress digest during review
    NUDGE = "nudge"  # a committee member's nudge (one a day per person)
    PHASE = "phase"  # a phase change announced


class Topic(StrEnum):
    SELF = "self"  # their self-assessment is not submitted
    SCORE = "score"  # score sheets of theirs are not submitted
    REVIEW = "review"  # the committee's review is under way
    SELF_CLOSED = "self_closed"  # the self-assessment has closed
    SCORING_OPEN = "scoring_open"  # scoring has opened


@dataclass(frozen=True)
class Subject:
    """What a notice is about; written as its dedupe key ``kind:cycle:topic:member:tag``."""

    kind: Kind
    cycle_id: int
    topic: Topic
    member_id: int
    tag: str = ""

    @property
    def key(self) -> str:
        return f"{prefix(self.kind, self.cycle_id, self.topic)}{self.member_id}:{self.tag}"

    @classmethod
    def parse(cls, key: str) -> Subject | None:
        """The subject of a dedupe key, or None for keys of other notices (e.g. ``cycle:3:opened:12``)."""
        parts = key.split(":")
        if len(parts) != 5:
            return None
        kind, cycle_id, topic, member_id, tag = parts
        try:
            return cls(Kind(kind), int(cycle_id), Topic(topic), int(member_id), tag)
        except ValueError:
            return None


def prefix(kind: Kind, cycle_id: int, topic: Topic) -> str:
    """The start of every key of one kind and topic in a cycle."""
    return f"{kind}:{cycle_id}:{topic}:"


def already_queued(
    session: Session, kind: Kind, cycle_id: int, topic: Topic, tag: str | None = None
) -> set[int]:
    """The members who were queued a notice of this kind and topic in a cycle (with this tag, if given)."""
    subjects = map(Subject.parse, outbox.keys_with_prefix(session, prefix(kind, cycle_id, topic)))
    return {s.member_id for s in subjects if s is not None and (tag is None or s.tag == tag)}


@dataclass(frozen=True)
class Recipient:
    """A member the bot can write to: their private chat, in their language."""

    chat_id: int
    locale: str


def recipients(session: Session, member_ids: Iterable[int], default_locale: str) -> dict[int, Recipient]:
    """The members among ``member_ids`` who are bound to a Telegram account, by member id."""
    bindings = accounts.bindings_of(session, list(set(member_ids)))
    return {
        member_id: Recipient(binding.chat_id, locale_for(binding.language_code, default_locale))
        for member_id, binding in bindings.items()
    }


def quiet_hours(session: Session) -> QuietHours:
    """The quiet hours in force: the current cycle's scheme's, else the shipped scheme's."""
    cycle = cycle_store.latest_cycle(session)
    scheme = scheme_of(cycle) if cycle is not None else default_scheme()
    return scheme.reminders.quiet_hours


def is_quiet(quiet: QuietHours, now: datetime, tz: ZoneInfo) -> bool:
    return quiet.contains(now.astimezone(tz).time())


def quiet_end(quiet: QuietHours, now: datetime, tz: ZoneInfo) -> datetime:
    """``now`` outside quiet hours, else the moment they end (UTC)."""
    if not is_quiet(quiet, now, tz):
        return now
    local = now.astimezone(tz)
    end = datetime.combine(local.date(), quiet.end, tzinfo=tz)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


def local_day(moment: datetime, tz: ZoneInfo) -> str:
    """The local date of ``moment``, as a tag: ``2026-11-24``."""
    return moment.astimezone(tz).date().isoformat()


def send_time(context: FlowContext) -> datetime:
    """When a notice queued now may go out: now, or when the quiet hours end."""
    return quiet_end(quiet_hours(context.session), context.now, context.tz)


def notify(
    context: FlowContext,
    kind: Kind,
    cycle_id: int,
    topic: Topic,
    tag: str,
    members: Iterable[int],
    text: Callable[[int, str], str],
) -> int:
    """Queue ``text(member id, locale)`` for each of ``members`` who is bound to the bot and has not had
    this notice (kind, topic, tag) yet; how many were queued."""
    session = context.session
    had = already_queued(session, kind, cycle_id, topic, tag)
    not_before = send_time(context)
    queued = 0
    for member_id, to in recipients(session, set(members) - had, context.default_locale).items():
        queued += outbox.queue(
            session,
            dedupe_key=Subject(kind, cycle_id, topic, member_id, tag).key,
            chat_id=to.chat_id,
            text=text(member_id, to.locale),
            not_before=not_before,
        )
    return queued
