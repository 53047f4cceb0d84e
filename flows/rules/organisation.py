"""The organisation (组织架构) and who scores whom (谁考核谁), per the scheme's layered assessment (分层考核).

Each examinee's direct superior (直接上级) scores them:

- a department member (部长 / 副部长 / 干事) by the vice-president in charge of (分管) their department;
- a vice-president (副主席) by their team's president (主席考核副主席);
- a president (主席) by the assessment committee (考核小组), marked by ``COMMITTEE``.

Teachers (老师) sit on the committee and are not examinees. ``scorer_of`` asks only a small
read-only view (``OrgView``) of the organisation, so a cycle can answer it from its own frozen copy
just as ``Organisation`` answers it from the live roster.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Protocol, TypeVar

from storage.models import CommitteeRole, Position
from storage.roster import Placed, RosterEntry

DEPARTMENT_POSITIONS = (Position.HEAD, Position.DEPUTY_HEAD, Position.OFFICER)


class Committee(Enum):
    """The assessment committee (考核小组) as a scorer: it scores the presidents."""

    COMMITTEE = "committee"


COMMITTEE = Committee.COMMITTEE


class Positioned(Protocol):
    """Anyone with a position (职务): a roster entry, a stored member."""

    @property
    def position(self) -> Position: ...


class Person(Positioned, Placed, Protocol):
    """What scoring needs to know of a person: their position and their place."""


PersonT = TypeVar("PersonT", bound=Person)
PersonT_co = TypeVar("PersonT_co", bound=Person, covariant=True)


class OrgView(Protocol[PersonT_co]):
    """The questions ``scorer_of`` asks of an organisation (whose people are ``PersonT_co``)."""

    def president_of(self, team: str) -> PersonT_co | None: ...
    def overseer_of(self, team: str, department: str) -> PersonT_co | None: ...


def is_examinee(person: Positioned) -> bool:
    """Whether ``person`` is assessed: every cadre, never a teacher."""
    return person.position != Position.TEACHER


def scorer_of(person: Person, org: OrgView[PersonT]) -> PersonT | Committee | None:
    """Who scores ``person``: a person, ``COMMITTEE``, or None for a teacher (or a missing superior)."""
    if person.position is Position.PRESIDENT:
        return COMMITTEE
    if person.position is Position.VICE_PRESIDENT:
        return org.president_of(person.team)
    if person.position in DEPARTMENT_POSITIONS and person.department:
        return org.overseer_of(person.team, person.department)
    return None


_POSITIONS = tuple(Position)


def _rank(entry: RosterEntry) -> int:
    return _POSITIONS.index(entry.position)


def _committee_rank(entry: RosterEntry) -> int:
    roles = list(CommitteeRole)
    return roles.index(entry.committee_role) if entry.committee_role else len(roles)


class Organisation:
    """The active roster as an organisation: teams, their officers and departments, and the committee.

    Teams and departments keep the order of the entries given; inside a department people are
    listed top down (部长, 副部长, 干事).
    """

    def __init__(self, entries: Iterable[RosterEntry]) -> None:
        self.members: tuple[RosterEntry, ...] = tuple(entry for entry in entries if entry.active)
        # Looked up once here, so that asking who scores each of ten thousand people stays one pass.
        self._officers: dict[tuple[str, Position], list[RosterEntry]] = {}
        self._departments: dict[str, dict[str, list[RosterEntry]]] = {}
        self._overseers: dict[tuple[str, str], RosterEntry] = {}
        for entry in self.members:
            self._officers.setdefault((entry.team, entry.position), []).append(entry)
            people = self._departments.setdefault(entry.team, {})
            if entry.department:
                people.setdefault(entry.department, []).append(entry)
            if entry.position is Position.VICE_PRESIDENT:
                for department in entry.oversees:
                    self._overseers.setdefault((entry.team, department), entry)

    def __len__(self) -> int:
        return len(self.members)

    def teams(self) -> list[str]:
        return list(self._departments)

    def _of_team(self, team: str, position: Position) -> list[RosterEntry]:
        return list(self._officers.get((team, position), ()))

    def president_of(self, team: str) -> RosterEntry | None:
        return next(iter(self._of_team(team, Position.PRESIDENT)), None)

    def vice_presidents_of(self, team: str) -> list[RosterEntry]:
        return self._of_team(team, Position.VICE_PRESIDENT)

    def departments_of(self, team: str) -> list[str]:
        return list(self._departments.get(team, {}))

    def members_of(self, team: str, department: str) -> list[RosterEntry]:
        return sorted(self._departments.get(team, {}).get(department, ()), key=_rank)

    def overseer_of(self, team: str, department: str) -> RosterEntry | None:
        """The vice-president in charge of (分管) ``department`` of ``team``."""
        return self._overseers.get((team, department))

    def committee(self) -> list[RosterEntry]:
        """The committee (考核小组) by role, then the teachers without a role."""
        people = [e for e in self.members if e.committee_role or e.position is Position.TEACHER]
        return sorted(people, key=_committee_rank)
