"""The roster (名单) in the database: load it by names, and apply an import in the caller's transaction.

A ``RosterEntry`` is one person as a roster file names them (team and department by name, the
departments a vice-president oversees 分管 by name); it is both what an import brings and what the
database holds. Applying entries never deletes a member: one missing from the entries is marked
inactive, keeping their Telegram binding and history. Departments missing from the entries become
inactive; oversight rows are replaced to match the entries.

The queries other families ask about members (by student number, by department, the teachers, the
committee 考核小组) live here too, at the end.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import String, TypeDecorator, inspect, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, SQLModel, col, delete, nulls_first, select

from storage.bulk import insert_rows
from storage.models import CommitteeRole, Department, Member, Oversight, Position, Team, TelegramBinding


class Placed(Protocol):
    """Where a person sits in the organisation (组织): their name, team (团队) and department (部门; none
    for a team's presidium), whether read from the roster, a member or an examinee."""

    @property
    def name(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def department(self) -> str | None: ...


@dataclass(frozen=True)
class RosterEntry:
    """One person of the roster, by names: a row of a roster file, or a member as stored."""

    student_no: str  # 学号
    name: str  # 姓名
    team: str  # 团队
    department: str | None  # 部门 (None above departments: 主席, 副主席, 老师)
    position: Position  # 职务
    oversees: tuple[str, ...] = ()  # 分管部门, a vice-president's departments in their team
    college: str = ""  # 院部
    term_start: str = ""  # 任职时间, YYYY-MM
    committee_role: CommitteeRole | None = None  # 考核小组
    active: bool = True  # on the roster now


def _length(table: type[SQLModel], column: str) -> int:
    """The declared length of a text column."""
    declared = inspect(table).columns[column].type
    if isinstance(declared, TypeDecorator):  # SQLModel's AutoString wraps a String
        declared = declared.impl_instance
    assert isinstance(declared, String) and declared.length is not None, f"{table.__name__}.{column}"
    return declared.length


# The longest text each field may hold, as the tables define it.
MAX_LENGTHS: dict[str, int] = {
    "student_no": _length(Member, "student_no"),
    "name": _length(Member, "name"),
    "team": _length(Team, "name"),
    "department": _length(Department, "name"),
    "college": _length(Member, "college"),
}


POSITIONS = {position.value: position for position in Position}  # a stored code → its position

_ENTRY_COLUMNS = (  # a member's columns that make their entry, after their id
    col(Member.id),
    col(Member.student_no),
    col(Member.name),
    col(Team.name),
    col(Department.name),
    col(Member.position),
    col(Member.college),
    col(Member.term_start),
    col(Member.committee_role),
    col(Member.active),
)


def load_entries(session: Session, *, include_inactive: bool = False) -> list[RosterEntry]:
    """The roster as stored: by team, then department (officers above departments first), then id.

    Read as plain rows (the columns an entry needs, through the connection: no ORM loading), not as
    ``Member`` objects: a cycle's opening and an import read ten thousand of them."""
    query = (
        select_columns(*_ENTRY_COLUMNS)
        .join(Team, col(Team.id) == col(Member.team_id))
        .outerjoin(Department, col(Department.id) == col(Member.department_id))
        .order_by(col(Team.id), nulls_first(col(Member.department_id)), col(Member.id))
    )
    if not include_inactive:
        query = query.where(col(Member.active).is_(True))
    oversees = _oversight_by_member(session)  # an ORM query: it flushes what is pending, read below too
    return [
        RosterEntry(
            student_no=student_no,
            name=name,
            team=team,
            department=department,
            position=POSITIONS[position],
            oversees=tuple(oversees.get(member_id, ())),
            college=college,
            term_start=term_start,
            committee_role=CommitteeRole(role) if role else None,
            active=active,
        )
        for member_id, student_no, name, team, department, position, college, term_start, role, active in (
            session.connection().execute(query)
        )
    ]


def _oversight_by_member(session: Session) -> dict[int, list[str]]:
    query = (
        select(Oversight.vice_president_id, Department.name)
        .join(Department, col(Department.id) == col(Oversight.department_id))
        .order_by(col(Oversight.id))
    )
    names: dict[int, list[str]] = {}
    for vice_president_id, department in session.exec(query):
        names.setdefault(vice_president_id, []).append(department)
    return names


def bound_student_nos(session: Session) -> set[str]:
    """Student numbers of the members who have bound a Telegram account."""
    query = select(Member.student_no).join(TelegramBinding, col(TelegramBinding.member_id) == col(Member.id))
    return set(session.exec(query))


def apply_entries(session: Session, entries: Sequence[RosterEntry], *, now: datetime) -> dict[str, int]:
    """Make the stored roster match ``entries`` (validated) and return every member's id by student number.

    Writes go into the session's transaction; the caller commits them all or none.
    """
    teams = _teams(session, dict.fromkeys(entry.team for entry in entries))
    departments = _sync_departments(
        session, teams, dict.fromkeys((e.team, e.department) for e in entries if e.department)
    )
    members = _sync_members(session, entries, teams, departments, now)
    _replace_oversight(session, entries, members, departments)
    return members


def _teams(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Team ids by name, creating the teams not yet stored."""
    existing = {team.name: team for team in session.exec(select(Team))}
    for name in names:
        if name not in existing:
            existing[name] = Team(name=name)
            session.add(existing[name])
    session.flush()
    return {name: team.id for name, team in existing.items()}


def _sync_departments(
    session: Session, teams: dict[str, int], wanted: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Department ids by (team, name): the wanted ones created or made active, all others inactive."""
    existing = {(d.team_id, d.name): d for d in session.exec(select(Department))}
    for department in existing.values():
        department.active = False
    kept: dict[tuple[str, str], Department] = {}
    for team, name in wanted:
        department = existing.get((teams[team], name)) or Department(team_id=teams[team], name=name)
        department.active = True
        session.add(department)
        kept[(team, name)] = department
    session.flush()
    return {key: department.id for key, department in kept.items()}


def _sync_members(
    session: Session,
    entries: Sequence[RosterEntry],
    teams: dict[str, int],
    departments: dict[tuple[str, str], int],
    now: datetime,
) -> dict[str, int]:
    """Members created or updated from ``entries``, those not in them marked inactive; every member's id
    by student number. The new ones go in as plain rows in one insert (``storage.bulk``): a first import
    of ten thousand builds no ORM object for them."""
    members = {member.student_no: member for member in session.exec(select(Member).order_by(col(Member.id)))}
    added: list[dict[str, Any]] = []
    for entry in entries:
        values: dict[str, Any] = {
            "name": entry.name,
            "team_id": teams[entry.team],
            "department_id": departments[(entry.team, entry.department)] if entry.department else None,
            "position": entry.position,
            "college": entry.college,
            "term_start": entry.term_start,
            "committee_role": entry.committee_role,
            "active": True,
        }
        member = members.get(entry.student_no)
        if member is None:
            added.append({"student_no": entry.student_no, "created_at": now, "updated_at": now, **values})
        elif any(getattr(member, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(member, key, value)
            member.updated_at = now
    listed = {entry.student_no for entry in entries}
    for student_no, member in members.items():
        if member.active and student_no not in listed:
            member.active = False
            member.updated_at = now
    session.flush()
    insert_rows(session, Member, added)
    return dict(session.exec(select(Member.student_no, Member.id)).all())


def _replace_oversight(
    session: Session,
    entries: Sequence[RosterEntry],
    members: dict[str, int],
    departments: dict[tuple[str, str], int],
) -> None:
    session.exec(delete(Oversight))
    for entry in entries:
        for department in entry.oversees:
            session.add(
                Oversight(
                    vice_president_id=members[entry.student_no],
                    department_id=departments[(entry.team, department)],
                )
            )
    session.flush()


# Members, as other families ask for them


def member_by_student_no(session: Session, student_no: str) -> Member | None:
    return session.exec(select(Member).where(Member.student_no == student_no)).first()


_NAMES = "roster.team_and_department_names"
"""The key of the names ``team_and_department_names`` remembers in ``Session.info``."""


def team_and_department_names(session: Session, member: Member) -> tuple[str, str | None]:
    """The names of the member's team and department (None for officers above departments), in one
    statement, remembered for the session: a team's or department's name never changes (an import
    that renames one makes a new row), so a step that asks twice asks the database once."""
    key = (member.team_id, member.department_id)
    known: dict[tuple[int, int | None], tuple[str, str | None]] = session.info.setdefault(_NAMES, {})
    if key not in known:
        row = session.exec(
            select(Team.name, Department.name)
            .outerjoin(Department, col(Department.id) == member.department_id)
            .where(Team.id == member.team_id)
        ).first()
        known[key] = (row[0], row[1]) if row else ("", None)
    return known[key]


def member_ids_by_student_no(session: Session) -> dict[str, int]:
    """Active members' ids by student number."""
    rows = session.exec(select(Member.student_no, Member.id).where(col(Member.active).is_(True)))
    return {student_no: member_id for student_no, member_id in rows}


def members_in_department(session: Session, team: str, department: str) -> list[Member]:
    """The active members of one department, e.g. 校团委 / 组织部."""
    return list(
        session.exec(
            select(Member)
            .join(Department, col(Department.id) == col(Member.department_id))
            .join(Team, col(Team.id) == col(Department.team_id))
            .where(Team.name == team, Department.name == department, col(Member.active).is_(True))
            .order_by(col(Member.id))
        )
    )


def teachers(session: Session) -> list[Member]:
    """The active teachers (老师)."""
    return list(
        session.exec(
            select(Member)
            .where(Member.position == Position.TEACHER, col(Member.active).is_(True))
            .order_by(col(Member.id))
        )
    )


def members(session: Session, member_ids: Iterable[int]) -> dict[int, Member]:
    """Members by id (inactive ones too: old records still name them)."""
    rows = session.exec(select(Member).where(col(Member.id).in_(list(member_ids))))
    return {row.id: row for row in rows}


def find_members(session: Session, name_or_number: str) -> list[Member]:
    """Active members whose name or student number is exactly ``name_or_number``."""
    text = name_or_number.strip()
    return list(
        session.exec(
            select(Member)
            .where(
                or_(col(Member.name) == text, col(Member.student_no) == text), col(Member.active).is_(True)
            )
            .order_by(col(Member.id))
        )
    )


def committee(session: Session, roles: Collection[str] | None = None) -> list[Member]:
    """The active members of the assessment committee (考核小组), or only those in ``roles``, by id."""
    query = select(Member).where(col(Member.committee_role).is_not(None), col(Member.active).is_(True))
    if roles is not None:
        query = query.where(col(Member.committee_role).in_(list(roles)))
    return list(session.exec(query.order_by(col(Member.id))))
