"""The reminder ladder (催办): who is reminded of which deadline and when, and the committee's digest.

A deadline's ladder is the scheme's ``reminders.days_before`` (default 3, 1, 0, -1). Rung ``d`` comes
at the start of the local day ``d`` days before the deadline's day (-1: the day after it) and so goes
out when the quiet hours end, 07:00 by default.

- Examinees whose self-assessment is not submitted are reminded on the self-assessment deadline's ladder.
- Scorers with score sheets not submitted get one digest listing those examinees, on the scoring
  deadline's ladder.
- During review the committee gets a daily digest of overall progress, until the review deadline's
  last overdue rung, naming the sheets still unsubmitted that it may take over.

Each reminder carries the button that opens its task (``flows.home.task_button``: /self, /score); the
digest the /review overview's and one per sheet to take over (opening that examinee's /review screen).

Only the rung in force is sent: after the bot was down across two rungs the older one is skipped, not
sent late beside the newer; a rung that came before the people concerned had anything to do (before
the cycle opened, before scoring opened) is left to that phase's own announcement. Rungs before a
deadline stop at the deadline, and nothing is reminded once results are released. Each (deadline,
rung, person) is queued once (``flows.notices.notice``); the sender asks ``reminders_still_due``
before sending, so a person who has since submitted is not reminded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlmodel import Session

from flows.home import Task, task_button
from flows.notices.notice import Body, Kind, Notice, Topic, notify
from flows.notices.quiet import local_day
from flows.review.presses import ExamineePress, ExamineeStep
from flows.rules.cycles import current_phase, scheme_of
from flows.rules.phase import Phase
from flows.ui.chat import Button
from flows.ui.context import FlowContext
from flows.ui.i18n import plain, render
from storage import cycles, outbox, roster, scoring
from storage.models import Cycle, CycleExaminee, SelfStatus, SheetStatus, Subject

NOT_STARTED = "not_started"
LIST_LIMIT = 40  # examinees named in one scorer's digest; the rest are counted
TAKE_OVER_BUTTONS = (
    5  # sheets to take over with a button of their own in the committee's digest; /review has all
)
TASKS = {Topic.SELF: Task.SELF, Topic.SCORE: Task.SCORE}  # the home button a reminder or nudge carries
REMINDED_PHASES = (Phase.SELF_ASSESSMENT, Phase.SCORING, Phase.REVIEW)


# Who is waiting on whom


@dataclass(frozen=True)
class Waiting:
    """An examinee whose form is not submitted, and how far it has got: not started, draft, returned."""

    examinee: CycleExaminee
    status: str


def pending(
    session: Session, cycle: Cycle, topic: Topic, member_ids: Iterable[int] | None = None
) -> dict[int, list[Waiting]]:
    """Who is pending in ``topic`` and on what, by member id (or only these members).

    ``Topic.SELF``: examinees, each waiting on their own self-assessment. ``Topic.SCORE``: scorers,
    each with the examinees whose sheets they have not submitted (the presidents', which the committee
    scores, and sheets the committee took over are left out).
    """
    ids = None if member_ids is None else list(member_ids)
    if topic is Topic.SELF:
        return {
            examinee.member_id: [Waiting(examinee, status or NOT_STARTED)]
            for examinee, status in cycles.self_statuses(session, cycle.id, ids)
            if status != SelfStatus.SUBMITTED
        }
    sheets = scoring.cycle_sheets(session, cycle.id)
    found: dict[int, list[Waiting]] = {}
    for examinee, status in scoring.sheet_statuses(session, cycle.id, ids):
        sheet, scorer = sheets.get(examinee.id), examinee.scorer_member_id
        taken_over = sheet is not None and sheet.scorer_member_id != scorer
        if scorer is not None and status != SheetStatus.SUBMITTED and not taken_over:
            found.setdefault(scorer, []).append(Waiting(examinee, status or NOT_STARTED))
    return found


def waiting_list(locale: str, waiting: Sequence[Waiting]) -> dict[str, Any]:
    """Template variables for the examinees a scorer is waiting on: ``count``, and ``sheets`` listing them."""
    people = [
        {"name": w.examinee.name, "group": w.examinee.department or w.examinee.team, "status": w.status}
        for w in waiting[:LIST_LIMIT]
    ]
    listed = render(locale, "pending_sheets", people=people, more=max(0, len(waiting) - LIST_LIMIT))
    return {"count": len(waiting), "sheets": Markup(listed)}  # already escaped by its own template


# The ladder


@dataclass(frozen=True)
class Ladder:
    """The reminders of one deadline: about ``topic``, for rungs that come from ``since`` on."""

    topic: Topic
    deadline: datetime
    since: datetime


def ladders(cycle: Cycle) -> tuple[Ladder, Ladder]:
    """The self-assessment deadline's (from the opening) and the scoring deadline's (from scoring's start)."""
    return (
        Ladder(Topic.SELF, cycle.self_due, cycle.opened_at),
        Ladder(Topic.SCORE, cycle.score_due, cycle.self_due),
    )


def _start_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def rung_moment(deadline: datetime, days: int, tz: ZoneInfo) -> datetime:
    """When rung ``days`` comes: the start of the local day ``days`` before the deadline's day."""
    return _start_of(deadline.astimezone(tz).date() - timedelta(days=days), tz)


def rung_in_force(ladder: Ladder, days_before: Sequence[int], now: datetime, tz: ZoneInfo) -> int | None:
    """The newest rung that has come by ``now`` (and not before ``ladder.since``), if any.

    Before the deadline only rungs of 0 days or more count; after it only the overdue ones.
    """
    overdue = now >= ladder.deadline
    came = [
        days
        for days in days_before
        if (days < 0) == overdue and ladder.since <= rung_moment(ladder.deadline, days, tz) <= now
    ]
    return min(came, default=None)


def _reminder(
    context: FlowContext, locale: str, cycle: Cycle, ladder: Ladder, rung: int, waiting: list[Waiting]
) -> Body:
    """A rung's reminder with the button that opens the task (none once a self-assessment is overdue:
    it can no longer be submitted)."""
    key = f"remind_{ladder.topic}{'_overdue' if rung < 0 else ''}"
    common = {"cycle": cycle.name, "due": context.local_time(ladder.deadline), "days": rung}
    closed = ladder.topic is Topic.SELF and rung < 0
    buttons = () if closed else ((task_button(locale, cycle.id, TASKS[ladder.topic]),),)
    if ladder.topic is Topic.SELF:
        return Body(render(locale, key, draft=waiting[0].status != NOT_STARTED, **common), buttons)
    return Body(render(locale, key, **waiting_list(locale, waiting), **common), buttons)


def _remind(context: FlowContext, cycle: Cycle, ladder: Ladder, days_before: Sequence[int]) -> int:
    """Queue the rung in force of one ladder for everyone pending who has not had it yet."""
    rung = rung_in_force(ladder, days_before, context.now, context.tz)
    if rung is None:
        return 0
    waiting = pending(context.session, cycle, ladder.topic)

    def compose(member_id: int, locale: str) -> Body:
        return _reminder(context, locale, cycle, ladder, rung, waiting[member_id])

    return notify(context, Notice(Kind.REMIND, cycle.id, ladder.topic, tag=str(rung)), waiting, compose)


def reminders_still_due(context: FlowContext, cycle: Cycle, subjects: Iterable[Subject]) -> set[Subject]:
    """Those of ``subjects`` (reminders) whose rung is still in force and whose person is still pending."""
    if current_phase(cycle, context.now) not in REMINDED_PHASES:
        return set()
    days_before = scheme_of(cycle).reminders.days_before
    due = set()
    for ladder in ladders(cycle):
        rung = rung_in_force(ladder, days_before, context.now, context.tz)
        mine = [s for s in subjects if s.step == ladder.topic and s.tag == str(rung)]
        if mine:
            waiting = pending(context.session, cycle, ladder.topic, {s.member_id for s in mine})
            due |= {s for s in mine if s.member_id in waiting}
    return due


# The committee's daily digest during review


def _digest_days_over(cycle: Cycle, days_before: Sequence[int], now: datetime, tz: ZoneInfo) -> bool:
    """Whether the digests have run past the review deadline's last overdue rung."""
    last = min(min(days_before, default=0), 0)
    return now >= rung_moment(cycle.review_due, last - 1, tz)


def progress(session: Session, cycle: Cycle) -> dict[str, int]:
    """The cycle's overall progress, as the digest shows it."""
    selves = cycles.self_statuses(session, cycle.id)
    sheets = [status for _, status in scoring.sheet_statuses(session, cycle.id)]
    return {
        "total": len(selves),
        "self_done": sum(status == SelfStatus.SUBMITTED for _, status in selves),
        "sheets_done": sheets.count(SheetStatus.SUBMITTED),
        "returned": sheets.count(SheetStatus.RETURNED),
        "unreachable": len(outbox.unreachable(session)),
    }


def _digest(context: FlowContext, cycle: Cycle, days_before: Sequence[int]) -> int:
    """Queue today's digest for every committee member who has not had it."""
    now, tz, session = context.now, context.tz, context.session
    if current_phase(cycle, now) is not Phase.REVIEW or _digest_days_over(cycle, days_before, now, tz):
        return 0
    today = local_day(now, tz)
    figures = progress(session, cycle) | {
        "cycle": cycle.name,
        "day": today,
        "due": context.local_time(cycle.review_due),
        "overdue": now >= cycle.review_due,
    }
    overdue = [w for waiting in pending(session, cycle, Topic.SCORE).values() for w in waiting]

    def compose(_member_id: int, locale: str) -> Body:
        listed = waiting_list(locale, overdue) if overdue else {"count": 0}
        text = render(locale, "digest_review", **figures, **listed)
        return Body(text, _digest_buttons(locale, cycle, overdue))

    committee = [member.id for member in roster.committee(session)]
    digest = Notice(Kind.DIGEST, cycle.id, Topic.REVIEW, tag=today)
    return notify(context, digest, committee, compose)


def _digest_buttons(locale: str, cycle: Cycle, overdue: Sequence[Waiting]) -> tuple[tuple[Button, ...], ...]:
    """The /review overview, and each of the first sheets overdue with its scorer: its examinee's
    screen in /review, where the committee takes it over (flows.review.takeover)."""
    sheets = tuple(
        (
            Button(
                plain(locale, "digest_take_over", name=w.examinee.name),
                ExamineePress(cycle.id, ExamineeStep.OPEN, w.examinee.id),
            ),
        )
        for w in overdue[:TAKE_OVER_BUTTONS]
    )
    return ((task_button(locale, cycle.id, Task.REVIEW),), *sheets)


def digests_still_due(context: FlowContext, cycle: Cycle, subjects: Iterable[Subject]) -> set[Subject]:
    """Today's digests, while the review is under way; yesterday's are not sent late."""
    if current_phase(cycle, context.now) is not Phase.REVIEW:
        return set()
    today = local_day(context.now, context.tz)
    return {s for s in subjects if s.tag == today}


def plan_reminders(context: FlowContext, cycle: Cycle) -> int:
    """Queue every reminder and digest in force for ``cycle`` at ``context.now``; how many were new."""
    if current_phase(cycle, context.now) not in REMINDED_PHASES:
        return 0
    days_before = scheme_of(cycle).reminders.days_before
    queued = sum(_remind(context, cycle, ladder, days_before) for ladder in ladders(cycle))
    return queued + _digest(context, cycle, days_before)
