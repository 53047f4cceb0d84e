"""Opening a cycle (开启考核): check the deadlines, freeze the roster into it, tell every examinee.

The cycle keeps its own copy of who is assessed, where they sit and who scores them (per
``flows.rules.organisation``), and of the scheme's text, so later roster or scheme edits do not reach in.
Every registered examinee gets a private notice (``flows.notices.notice``), sent by the running bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from flows.notices.notice import Kind, Notice, notify, rendered
from flows.rules.organisation import COMMITTEE, Organisation, is_examinee, scorer_of
from flows.rules.scheme import Scheme, load_scheme
from flows.ui.context import FlowContext
from storage import audit, roster
from storage import cycles as store
from storage.models import Cycle

NAME_MAX = 100


class CycleError(Exception):
    """A cycle that cannot be opened or found, with a message key and its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Deadlines:
    """The three deadlines of a cycle, aware datetimes."""

    self_due: datetime  # 自我评定
    score_due: datetime  # 上级评定
    review_due: datetime  # 复核确认


@dataclass(frozen=True)
class OpenedCycle:
    cycle: Cycle
    examinees: int
    notified: int


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _check(session: Session, name: str, deadlines: Deadlines, now: datetime, tz: ZoneInfo) -> None:
    if not name.strip() or len(name) > NAME_MAX:
        raise CycleError("cycle_bad_name")
    if store.cycle_by_name(session, name) is not None:
        raise CycleError("cycle_name_taken", name=name)
    named = (("self", deadlines.self_due), ("score", deadlines.score_due), ("review", deadlines.review_due))
    for which, when in named:
        if when <= now:
            raise CycleError("cycle_deadline_past", which=f"--{which}-due", when=_local(when, tz))
    if not deadlines.self_due < deadlines.score_due < deadlines.review_due:
        raise CycleError("cycle_deadlines_out_of_order")


def _freeze(session: Session, cycle: Cycle) -> list[dict[str, Any]]:
    """The cycle's examinees (as rows of ``CycleExaminee``), copied from the active roster with each
    one's scorer."""
    organisation = Organisation(roster.load_entries(session))
    ids = roster.member_ids_by_student_no(session)
    cycle_id = cycle.id  # read once: an ORM attribute
    frozen: list[dict[str, Any]] = []
    for entry in organisation.members:
        if not is_examinee(entry):
            continue
        scorer = scorer_of(entry, organisation)
        frozen.append(
            {
                "cycle_id": cycle_id,
                "member_id": ids[entry.student_no],
                "student_no": entry.student_no,
                "name": entry.name,
                "team": entry.team,
                "department": entry.department,
                "position": entry.position,
                "college": entry.college,
                "term_start": entry.term_start,
                "scorer_member_id": None if scorer is None or scorer is COMMITTEE else ids[scorer.student_no],
            }
        )
    return frozen


def open_cycle(
    session: Session,
    *,
    name: str,
    deadlines: Deadlines,
    scheme_path: Path,
    now: datetime,
    tz: ZoneInfo,
    default_locale: str,
) -> OpenedCycle:
    """Open a cycle and queue a private notice for every registered examinee.

    Raises ``CycleError`` for a bad name or deadlines and ``SchemeError`` for a bad scheme file;
    nothing is written then.
    """
    name = name.strip()
    _check(session, name, deadlines, now, tz)
    scheme: Scheme = load_scheme(scheme_path)
    cycle = Cycle(
        name=name,
        scheme_name=scheme.name.zh,
        scheme_text=scheme_path.read_text(encoding="utf-8"),
        self_due=deadlines.self_due,
        score_due=deadlines.score_due,
        review_due=deadlines.review_due,
        opened_at=now,
    )
    session.add(cycle)
    session.flush()
    examinees = _freeze(session, cycle)
    if not examinees:
        raise CycleError("cycle_no_examinees")
    store.add_examinees(session, examinees)
    context = FlowContext(session=session, now=now, tz=tz, default_locale=default_locale)
    notified = notify(
        context,
        Notice(Kind.OPENED, cycle.id),
        [examinee["member_id"] for examinee in examinees],
        rendered("cycle_opened", cycle=cycle.name, due=_local(cycle.self_due, tz)),
    )
    audit.record(
        session,
        actor="cli",
        action="cycle.open",
        entity="cycle",
        entity_id=cycle.id,
        after={
            "name": name,
            "scheme": str(scheme_path),
            "examinees": len(examinees),
            "self_due": deadlines.self_due.isoformat(),
            "score_due": deadlines.score_due.isoformat(),
            "review_due": deadlines.review_due.isoformat(),
        },
        at=now,
    )
    return OpenedCycle(cycle, len(examinees), notified)
