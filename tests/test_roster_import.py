"""Importing the roster into the database: all or nothing, matched by student number, deleting nobody."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from org_helpers import statements
from sqlmodel import Session, col, func, select
from test_audit_chain import config_for

from bot.cli import main
from flows.roster.importing import RosterChanges, import_roster
from flows.roster.reading import read_roster
from flows.rules.organisation import COMMITTEE, Organisation, scorer_of
from storage import audit
from storage import roster as stored
from storage.models import AuditEntry, Department, Member, Oversight, Position, Team, TelegramBinding
from storage.roster import RosterEntry

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
STUDENT_UNION_DEPARTMENTS = ["办公室", "学习部", "文艺部", "体育部", "宣传部", "外联部", "生活部", "权益部"]


@pytest.fixture
def entries(sample_roster) -> list[RosterEntry]:
    return read_roster(sample_roster).entries


def run_import(session: Session, entries: list[RosterEntry], *, dry_run: bool = False) -> RosterChanges:
    changes = import_roster(session, entries, actor="cli", now=NOW, source="roster.csv", dry_run=dry_run)
    session.commit()
    return changes


def count(session: Session, table: type) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def member(session: Session, student_no: str) -> Member:
    return session.exec(select(Member).where(Member.student_no == student_no)).one()


def edited(entries: list[RosterEntry], student_no: str, **changes: object) -> list[RosterEntry]:
    return [replace(e, **changes) if e.student_no == student_no else e for e in entries]


def stored_roster(session: Session) -> set[RosterEntry]:
    return set(stored.load_entries(session))


def without(entries: list[RosterEntry], *student_nos: str) -> list[RosterEntry]:
    return [e for e in entries if e.student_no not in student_nos]


def test_the_sample_roster_builds_the_organisation_of_the_scheme(session, entries):
    changes = run_import(session, entries)

    assert changes.counts() == {"added": 82, "changed": 0, "removed": 0, "unchanged": 0}
    assert [t.name for t in session.exec(select(Team).order_by(col(Team.id)))] == [
        "校学生会",
        "校团委",
        "校社团联合会",
    ]
    assert count(session, Department) == 15
    union = session.exec(select(Team).where(Team.name == "校学生会")).one()
    union_departments = session.exec(select(Department).where(Department.team_id == union.id))
    assert sorted(d.name for d in union_departments) == sorted(STUDENT_UNION_DEPARTMENTS)
    assert count(session, Member) == 82
    teachers = session.exec(select(Member).where(Member.position == Position.TEACHER)).all()
    assert sorted(t.name for t in teachers) == ["程婷", "龚杰"]

    org = Organisation(stored.load_entries(session))
    overseers = {d: org.overseer_of("校学生会", d) for d in STUDENT_UNION_DEPARTMENTS}
    assert {o.name for o in overseers.values() if o} == {"马凯秀", "孙玉英", "熊秀雅"}
    assert all(overseers.values())
    union_vice_presidents = [m.id for m in session.exec(select(Member).where(Member.team_id == union.id))]
    union_oversight = session.exec(
        select(Oversight).where(col(Oversight.vice_president_id).in_(union_vice_presidents))
    ).all()
    assert len(union_oversight) == 8
    assert len({o.vice_president_id for o in union_oversight}) == 3

    people = {e.name: e for e in org.members}
    assert scorer_of(people["郭宇雅"], org) == people["马凯秀"]  # 干事 of 办公室
    assert scorer_of(people["孙玉英"], org) == people["罗晨秀"]  # 副主席
    assert scorer_of(people["罗晨秀"], org) is COMMITTEE  # 主席
    assert scorer_of(people["龚杰"], org) is None  # a teacher is not an examinee


def test_reimporting_the_same_roster_changes_nothing(session, entries):
    run_import(session, entries)
    changes = run_import(session, entries)
    assert changes.counts() == {"added": 0, "changed": 0, "removed": 0, "unchanged": 82}
    assert stored_roster(session) == set(entries)


def test_the_order_of_departments_in_charge_is_no_change(session, entries):
    run_import(session, entries)
    reordered = edited(entries, "2023000111", oversees=("生活部", "办公室", "体育部"))
    assert run_import(session, reordered).counts()["unchanged"] == 82


def test_reimport_marks_missing_members_inactive_and_keeps_their_history(session, entries):
    run_import(session, entries)
    gone = member(session, "2023000331")
    session.add(TelegramBinding(member_id=gone.id, telegram_user_id=555, chat_id=555))
    session.commit()

    changes = run_import(session, without(entries, "2023000331"))

    assert changes.counts() == {"added": 0, "changed": 0, "removed": 1, "unchanged": 81}
    assert changes.removed[0].before.name == "江桂"
    session.expire_all()
    kept = member(session, "2023000331")
    assert kept.id == gone.id and not kept.active
    assert session.exec(select(TelegramBinding).where(TelegramBinding.member_id == gone.id)).one()
    assert "2023000331" not in {e.student_no for e in stored.load_entries(session)}
    removal = session.exec(select(AuditEntry).where(AuditEntry.action == "roster.remove")).one()
    assert removal.entity_id == str(gone.id)
    assert removal.before == {"student_no": "2023000331", "name": "江桂", "active": True}
    assert removal.after == {"student_no": "2023000331", "name": "江桂", "active": False}


def test_a_member_who_reappears_becomes_active_again(session, entries):
    run_import(session, entries)
    run_import(session, without(entries, "2023000331"))
    changes = run_import(session, entries)
    assert [(c.before.name, c.fields) for c in changes.changed] == [("江桂", ("active",))]
    assert member(session, "2023000331").active


def test_reimport_reports_changed_fields_before_and_after(session, entries):
    run_import(session, entries)
    moved = edited(
        entries, "2023000256", department="学习部", position=Position.DEPUTY_HEAD, term_start="2026-03"
    )

    changes = run_import(session, moved)

    assert changes.counts() == {"added": 0, "changed": 1, "removed": 0, "unchanged": 81}
    change = changes.changed[0]
    assert change.fields == ("department", "position", "term_start")
    assert (change.before.department, change.after.department) == ("办公室", "学习部")
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "roster.change")).one()
    assert entry.actor == "cli"
    assert entry.before == {
        "student_no": "2023000256",
        "name": "郭宇雅",
        "department": "办公室",
        "position": "officer",
        "term_start": "2025-09",
    }
    assert entry.after["position"] == "deputy_head" and entry.after["department"] == "学习部"
    org = Organisation(stored.load_entries(session))
    assert scorer_of(next(e for e in org.members if e.name == "郭宇雅"), org).name == "孙玉英"


def test_departments_no_longer_present_become_inactive(session, entries):
    run_import(session, entries)
    life = [e.student_no for e in entries if e.team == "校学生会" and e.department == "生活部"]
    smaller = edited(without(entries, *life), "2023000111", oversees=("办公室", "体育部"))

    changes = run_import(session, smaller)

    assert changes.departments_removed == ("校学生会 生活部",)
    assert len(changes.removed) == len(life)
    department = session.exec(select(Department).where(Department.name == "生活部")).one()
    assert not department.active
    run_import(session, entries)
    session.refresh(department)
    assert department.active


def test_oversight_is_replaced_to_match_the_file(session, entries):
    run_import(session, entries)
    swapped = edited(
        edited(entries, "2023000111", oversees=("体育部", "生活部")),
        "2023000116",
        oversees=("办公室", "学习部", "宣传部", "权益部"),
    )

    changes = run_import(session, swapped)

    assert [(c.before.name, c.fields) for c in changes.changed] == [
        ("马凯秀", ("oversees",)),
        ("孙玉英", ("oversees",)),
    ]
    org = Organisation(stored.load_entries(session))
    assert org.overseer_of("校学生会", "办公室").name == "孙玉英"
    assert count(session, Oversight) == 15


def test_a_dry_run_reports_the_changes_and_writes_nothing(session, entries):
    run_import(session, entries)
    audit_rows = count(session, AuditEntry)
    changes = run_import(
        session, edited(without(entries, "2023000331"), "2023000256", name="郭玉雅"), dry_run=True
    )
    assert changes.counts() == {"added": 0, "changed": 1, "removed": 1, "unchanged": 80}
    assert stored_roster(session) == set(entries)
    assert count(session, AuditEntry) == audit_rows


def test_each_import_is_recorded_in_the_audit_trail(session, entries):
    run_import(session, entries)
    summary = session.exec(select(AuditEntry).where(AuditEntry.action == "roster.import")).one()
    assert (summary.actor, summary.entity, summary.reason) == ("cli", "roster", "roster.csv")
    assert summary.after["added"] == 82 and summary.after["removed"] == 0
    assert len(summary.after["departments_added"]) == 15
    additions = session.exec(select(AuditEntry).where(AuditEntry.action == "roster.add")).all()
    assert len(additions) == 82
    first = next(a for a in additions if a.after["student_no"] == "2023000111")
    assert first.before is None
    assert first.after["oversees"] == ["办公室", "体育部", "生活部"]
    assert first.entity_id == str(member(session, "2023000111").id)


def audit_inserts(statements: list[str]) -> list[str]:
    """The statements that add rows to the audit trail (its rows and the heads of its chains)."""
    return [sql for sql in statements if sql.lstrip().upper().startswith("INSERT INTO AUDIT")]


def test_the_audit_rows_of_an_import_go_in_as_many_inserts_for_many_members_as_for_few(
    session, engine, entries, tmp_path, database_url
):
    audit.record(session, actor="cli", action="invite.use", entity="invitation", entity_id="x", at=NOW)
    with statements(engine) as few:
        run_import(session, [replace(entry, oversees=()) for entry in entries[:10]])
    with statements(engine) as many:
        changes = run_import(session, entries)
    assert len(changes.added) == 72 and changes.changed
    assert len(audit_inserts(many)) == len(audit_inserts(few)) <= 4
    session.expire_all()
    rows = audit.chain_entries(session, audit.ORGANISATION)
    assert [row.seq for row in rows] == list(range(1, 1 + 1 + 11 + 1 + 72 + len(changes.changed)))
    assert audit.verify(session, audit.ORGANISATION) is None
    assert main(["--config", config_for(tmp_path, database_url), "audit", "verify"]) == 0
