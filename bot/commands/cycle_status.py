"""``kaohe cycle status``: where a cycle stands, a summary first (phase, deadlines, the two forms, the
sign-off, who is not registered or cannot be reached, each department in roster order); details on
request: ``--details`` (every scorer, everyone not registered) or ``--department NAME`` (each person).
Its arguments are read by ``bot.commands.cycle``, which loads this module only to run it."""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.commands.common import UsageError, console, named_cycle, open_database
from bot.config import Config
from flows.cycles.status import (
    NOT_STARTED,
    CycleStatus,
    GroupProgress,
    ScorerProgress,
    cycle_status,
    department_members,
    scorer_progress,
)
from flows.rules.names import name_of, value_text
from flows.ui.i18n import plain
from flows.ui.text import progress_bar
from storage.db import session_scope
from storage.models import Position, SelfStatus, SheetStatus
from storage.progress import ExamineeState

if TYPE_CHECKING:
    from rich.table import Table

    from flows.review.signoff import SignoffState

SCORER_STATES = (NOT_STARTED, SheetStatus.DRAFT, SheetStatus.RETURNED, SheetStatus.SUBMITTED)
NAMED_IN_SUMMARY = 20  # unregistered members named in the summary; --details names them all


class Words:
    """Texts and times in the one language of this run."""

    def __init__(self, config: Config) -> None:
        self.locale = config.settings.language
        self.timezone = config.settings.timezone
        self.tz = config.settings.tz

    def __call__(self, key: str, **context: object) -> str:
        return plain(self.locale, key, **context)

    def time(self, moment: datetime | None) -> str | None:
        return f"{moment.astimezone(self.tz):%Y-%m-%d %H:%M}" if moment else None

    def state(self, status: str | None) -> str:
        return self(f"cli_state_{status or NOT_STARTED}")

    def person(self, name: str, student_no: str) -> str:
        return self("cli_person", name=name, student_no=student_no)

    def names(self, people: Sequence[str]) -> str:
        return value_text(tuple(people), self.locale) if people else ""


def status_command(config: Config, args: argparse.Namespace) -> int:
    words = Words(config)
    engine = open_database(config)
    try:
        with session_scope(engine) as session:
            cycle = named_cycle(session, args.name, words.locale)
            named = None if args.details else NAMED_IN_SUMMARY
            status = cycle_status(session, cycle, datetime.now(UTC), named=named)
            scorers = scorer_progress(session, cycle) if args.details else []
            members = department_members(session, cycle, args.department) if args.department else []
    finally:
        engine.dispose()
    if args.department and not members:
        raise UsageError(words("cli_status_no_department", cycle=cycle.name, department=args.department))
    out = console(width=120)
    for line in _summary(status, words):
        out.print(line, soft_wrap=True)  # a long list of names stays one line to copy
    out.print(_departments_table(status, words))
    if args.details:
        out.print(_scorers_table(scorers, words))
    if args.department:
        out.print(_members_table(args.department, members, words))
    if not (args.details or args.department):
        out.print(words("cli_status_hint"), soft_wrap=True)
    return 0


def _summary(status: CycleStatus, words: Words) -> list[str]:
    cycle, total = status.cycle, status.total()
    dues = {f"{name}_due": words.time(getattr(cycle, f"{name}_due")) for name in ("self", "score", "review")}
    selves, sheets = total.selves, total.sheets
    return [
        words("cli_status_head", cycle=cycle.name, phase=words(f"sandbox_phase_{status.phase.value}")),
        words("cycle_deadlines_read", timezone=words.timezone, **dues),
        words(
            "cli_status_self",
            bar=progress_bar(selves[SelfStatus.SUBMITTED], total.examinees),
            draft=selves[SelfStatus.DRAFT],
            not_started=selves[NOT_STARTED],
            missing=selves[SelfStatus.MISSING],
        ),
        words(
            "cli_status_scoring",
            bar=progress_bar(sheets[SheetStatus.SUBMITTED], total.examinees),
            draft=sheets[SheetStatus.DRAFT],
            returned=sheets[SheetStatus.RETURNED],
            not_started=sheets[NOT_STARTED],
        ),
        _signoff_line(status.signoff, words),
        words(
            "cli_status_unregistered",
            count=total.unregistered,
            names=words.names([words.person(p.name, p.student_no) for p in status.unregistered]),
            more=total.unregistered - len(status.unregistered),
        ),
        words(
            "cli_status_unreachable",
            count=len(status.unreachable),
            names=words.names(
                [
                    words("cli_person_reason", name=p.name, student_no=p.student_no, reason=p.error)
                    for p in status.unreachable
                ]
            ),
        ),
    ]


def _signoff_line(state: SignoffState, words: Words) -> str:
    """The results' version, who confirmed and signed it and when, the release, the examinees' signatures."""

    def signed(role: str, signature: object) -> str | None:
        at = words.time(getattr(signature, "signed_at", None))
        return f"{state.signers.get(role, '?')} {at}" if at else None

    return words(
        "cli_status_signoff",
        version=state.version,
        committee=signed("committee", state.confirmed),
        president=signed("president", state.president),
        teacher=signed("teacher", state.teacher),
        released=words.time(state.released_at),
        acknowledged=progress_bar(state.acknowledged, state.examinees, width=10),
    )


def _table(title: str, words: Words, *columns: str) -> Table:
    """A table with these columns (``cli_column_*`` keys, or ``cli_state_*`` ones by their full key)."""
    from rich.table import Table  # when a status is printed: ``cycle open`` loads this module too

    table = Table(title=title)
    for column in columns:
        table.add_column(words(column if column.startswith("cli_") else f"cli_column_{column}"))
    return table


def _departments_table(status: CycleStatus, words: Words) -> Table:
    """A row per department in roster order (a team's officers first), then the total."""
    table = _table(
        words("cli_status_departments"),
        words,
        *("team", "department", "examinees", "unregistered", "self", "scoring"),
    )

    def row(label: str, department: str, group: GroupProgress) -> None:
        table.add_row(
            label,
            department,
            str(group.examinees),
            str(group.unregistered),
            progress_bar(group.selves[SelfStatus.SUBMITTED], group.examinees, width=10),
            progress_bar(group.sheets[SheetStatus.SUBMITTED], group.examinees, width=10),
        )

    for group in status.groups:
        row(group.team, group.department or words("cli_status_officers"), group)
    row(words("cli_status_total"), "", status.total())
    return table


def _scorers_table(progress: list[ScorerProgress], words: Words) -> Table:
    """A row per scorer (the committee, which scores the presidents, once per team), then the total."""
    table = _table(
        words("cli_status_scorers"),
        words,
        "scorer",
        "team",
        *(f"cli_state_{state}" for state in SCORER_STATES),
        "progress",
    )

    def row(label: str, team: str, sheets: Counter[str]) -> None:
        total = sum(sheets.values())
        bar = progress_bar(sheets[SheetStatus.SUBMITTED], total, width=10)
        table.add_row(label, team, *(str(sheets[state]) for state in SCORER_STATES), bar)

    for scorer in progress:
        row(scorer.scorer or words("cli_committee"), scorer.team, scorer.sheets)
    row(words("cli_status_total"), "", sum((s.sheets for s in progress), Counter()))
    return table


def _members_table(department: str, members: list[ExamineeState], words: Words) -> Table:
    """Each person of the department: registered or not, and where their two forms stand."""
    title = words("cli_status_department_title", department=department, count=len(members))
    columns = ("student_no", "name", "team", "position", "registered", "self_status", "sheet_status")
    table = _table(title, words, *columns)
    for person in members:
        table.add_row(
            person.student_no,
            person.name,
            person.team,
            name_of(Position(person.position), words.locale),
            words("cli_bound" if person.registered else "cli_unbound"),
            words.state(person.self_status),
            words.state(person.sheet_status),
        )
    return table
