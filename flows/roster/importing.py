"""Importing a checked roster (名单导入) all or nothing, and describing what changed.

Members are matched by student number and never deleted: one who is no longer listed becomes
inactive. Every change is written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime

from sqlmodel import Session

from flows.roster.columns import FIELD_NAMES
from flows.rules.names import name_of, value_text
from storage import audit
from storage import roster as stored
from storage.roster import RosterEntry

# --- comparing and importing -------------------------------------------------------------------------

DIFF_FIELDS = tuple(f.name for f in fields(RosterEntry) if f.name != "student_no")


@dataclass(frozen=True)
class MemberChange:
    """A member before and after an import, and which fields differ."""

    before: RosterEntry
    after: RosterEntry
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RosterChanges:
    """What an import adds, changes and removes (marks inactive), and how many members stay as they were."""

    added: tuple[RosterEntry, ...]
    changed: tuple[MemberChange, ...]
    removed: tuple[MemberChange, ...]
    unchanged: int
    departments_added: tuple[str, ...]
    departments_removed: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
        }


def _comparable(value: object) -> object:
    return frozenset(value) if isinstance(value, tuple) else value  # the order of oversees is no change


def _changed_fields(before: RosterEntry, after: RosterEntry) -> tuple[str, ...]:
    return tuple(
        name
        for name in DIFF_FIELDS
        if _comparable(getattr(before, name)) != _comparable(getattr(after, name))
    )


def _department_names(entries: Iterable[RosterEntry]) -> dict[str, None]:
    return dict.fromkeys(f"{e.team} {e.department}" for e in entries if e.active and e.department)


def compare_roster(current: Iterable[RosterEntry], incoming: Sequence[RosterEntry]) -> RosterChanges:
    """The changes that make ``current`` (the stored roster, inactive members too) into ``incoming``."""
    current = list(current)
    by_student_no = {entry.student_no: entry for entry in current}
    added, changed, unchanged = [], [], 0
    for entry in incoming:
        before = by_student_no.get(entry.student_no)
        if before is None:
            added.append(entry)
        elif differing := _changed_fields(before, entry):
            changed.append(MemberChange(before, entry, differing))
        else:
            unchanged += 1
    listed = {entry.student_no for entry in incoming}
    removed = [
        MemberChange(entry, replace(entry, active=False), ("active",))
        for entry in current
        if entry.active and entry.student_no not in listed
    ]
    before_departments, after_departments = _department_names(current), _department_names(incoming)
    return RosterChanges(
        added=tuple(added),
        changed=tuple(changed),
        removed=tuple(removed),
        unchanged=unchanged,
        departments_added=tuple(d for d in after_departments if d not in before_departments),
        departments_removed=tuple(d for d in before_departments if d not in after_departments),
    )


def import_roster(
    session: Session,
    entries: Sequence[RosterEntry],
    *,
    actor: str,
    now: datetime,
    source: str | None = None,
    dry_run: bool = False,
) -> RosterChanges:
    """Make the stored roster match ``entries`` (read without errors) in the session's transaction.

    With ``dry_run`` nothing is written: the result says what the import would change.
    """
    changes = compare_roster(stored.load_entries(session, include_inactive=True), entries)
    if not dry_run:
        ids = stored.apply_entries(session, entries, now=now)
        _audit(session, changes, ids, actor=actor, now=now, source=source)
    return changes


def _record(entry: RosterEntry, names: Iterable[str]) -> dict[str, object]:
    return {"student_no": entry.student_no, "name": entry.name} | {n: _json(getattr(entry, n)) for n in names}


def _json(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _audit(
    session: Session,
    changes: RosterChanges,
    ids: Mapping[str, int],
    *,
    actor: str,
    now: datetime,
    source: str | None,
) -> None:
    def member(action: str, entity_id: int, before: dict | None, after: dict) -> audit.Row:
        return audit.Row(actor, action, "member", entity_id, before, after, at=now)

    summary = changes.counts() | {
        "departments_added": list(changes.departments_added),
        "departments_removed": list(changes.departments_removed),
    }
    rows = [audit.Row(actor, "roster.import", "roster", after=summary, reason=source, at=now)]
    rows += [
        member("roster.add", ids[entry.student_no], None, _record(entry, DIFF_FIELDS))
        for entry in changes.added
    ]
    for action, items in (("roster.change", changes.changed), ("roster.remove", changes.removed)):
        for change in items:
            before, after = _record(change.before, change.fields), _record(change.after, change.fields)
            rows.append(member(action, ids[change.after.student_no], before, after))
    audit.record_many(session, rows)


# --- describing changes ------------------------------------------------------------------------------


def describe_entry(entry: RosterEntry, locale: str) -> str:
    """``2023000256 郭宇雅 (校学生会 办公室 干事)``."""
    where = " ".join(filter(None, (entry.team, entry.department, name_of(entry.position, locale))))
    return f"{entry.student_no} {entry.name} ({where})"


def describe_change(change: MemberChange, locale: str) -> str:
    """``2023000256 郭宇雅: 部门 办公室 → 学习部; 职务 干事 → 副部长``."""
    parts = [
        f"{FIELD_NAMES[name].of(locale)} {value_text(getattr(change.before, name), locale)}"
        f" → {value_text(getattr(change.after, name), locale)}"
        for name in change.fields
    ]
    return f"{change.before.student_no} {change.before.name}: " + "; ".join(parts)


def describe_counts(changes: RosterChanges, locale: str) -> str:
    """``新增 2 人，变更 1 人，移除 1 人，未变 78 人`` / ``2 added, 1 changed, 1 removed, 78 unchanged``."""
    added, changed, removed, unchanged = changes.counts().values()
    if locale == "zh-CN":
        return f"新增 {added} 人，变更 {changed} 人，移除 {removed} 人，未变 {unchanged} 人"
    return f"{added} added, {changed} changed, {removed} removed, {unchanged} unchanged"
