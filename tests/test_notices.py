"""The one notice path (``flows.notices.notice.notify``): a typed subject in columns, each member once, in
their language, with the buttons it carries; every kind of notice waits out the quiet hours."""

from __future__ import annotations

import pytest
import reminder_helpers
from cycle_helpers import bind
from org_helpers import statements
from reminder_helpers import HEAD, OFFICER, PEOPLE, context, local
from sqlmodel import Session, select

from flows.appeals.presses import AppealAction, AppealPress
from flows.notices.notice import Body, Kind, Notice, notify, rendered
from flows.reminders import checks
from flows.reminders.schedule import triage
from flows.review.release import ReceiptPress
from flows.ui.chat import Button
from storage import accounts, roster
from storage.models import Notification, Subject

cycle = reminder_helpers.cycle
NOON, LATE, MORNING = local(25, 12), local(25, 23, 30), local(26, 7)


def ids(session: Session, *student_nos: str) -> list[int]:
    members = roster.member_ids_by_student_no(session)
    return [members[student_no] for student_no in student_nos]


FOOTER = rendered("result_released_footer")


def inserts(statements: list[str]) -> list[str]:
    """The statements that add rows to the outbox."""
    return [sql for sql in statements if sql.lstrip().upper().startswith("INSERT INTO NOTIFICATION")]


def rows(session: Session, kind: Kind, about_id: int | None = None) -> list[Notification]:
    """The notices of one kind (about one record, if given), in the order they were queued."""
    query = select(Notification).where(Notification.kind == kind)
    if about_id is not None:
        query = query.where(Notification.about_id == about_id)
    return list(session.exec(query.order_by(Notification.id)))


def test_a_notice_is_queued_with_its_subject_as_columns_in_each_members_language(session, cycle):
    officer, head = ids(session, OFFICER, HEAD)
    english = accounts.bindings_of(session, [head])[head]
    english.language_code = "en"
    session.add(english)
    appeal = Notice(Kind.APPEAL_ESCALATED, cycle.id, about_id=7)
    compose = rendered("appeal_overdue_notice", cycle="C", name="N", due="D")
    queued = notify(context(session, NOON), appeal, [officer, head], compose)
    assert queued == 2
    by_member = {row.member_id: row for row in rows(session, Kind.APPEAL_ESCALATED)}
    assert by_member[officer].subject == Subject("appeal_escalated", cycle.id, officer, "", 7, "")
    assert (by_member[officer].chat_id, by_member[head].chat_id) == (PEOPLE[OFFICER], PEOPLE[HEAD])
    assert "仍未裁定" in by_member[officer].text and "undecided" in by_member[head].text
    assert by_member[officer].not_before == NOON


def test_a_notice_goes_to_each_member_once_however_often_it_is_queued(session, cycle):
    officer, head = ids(session, OFFICER, HEAD)
    opened = Notice(Kind.OPENED, cycle.id)
    compose = rendered("cycle_opened", cycle=cycle.name, due="—")
    assert notify(context(session, NOON), opened, [officer, head], compose) == 0  # the opening told them
    signoff = Notice(Kind.SIGNOFF, cycle.id, step="president", tag="1")
    assert notify(context(session, NOON), signoff, [officer], compose) == 1
    assert notify(context(session, NOON), signoff, [officer, head], compose) == 1
    assert notify(context(session, LATE), signoff, [officer, head], compose) == 0
    version_2 = Notice(Kind.SIGNOFF, cycle.id, step="president", tag="2")
    assert notify(context(session, NOON), version_2, [head], compose) == 1
    assert [row.member_id for row in rows(session, Kind.SIGNOFF)] == [officer, head, head]


def test_members_without_a_chat_with_the_bot_are_left_out(session, cycle):
    [unbound] = ids(session, "2023000186")  # 杨超, never registered
    assert notify(context(session, NOON), Notice(Kind.RESULT, cycle.id, about_id=3), [unbound], FOOTER) == 0
    assert rows(session, Kind.RESULT) == []


def test_the_buttons_are_stored_under_the_last_part_of_a_long_notice(session, cycle):
    [officer] = ids(session, OFFICER)
    sign, appeal = ReceiptPress(1, 3, 1), AppealPress(1, AppealAction.NEW)
    buttons = ((Button("签字", sign), Button("申诉", appeal)), (Button("再看", sign),))
    text = "\n\n".join("很长的结果" * 200 for _ in range(5))  # 5,000 characters and more

    def compose(member_id: int, locale: str) -> Body:
        return Body(text, buttons)

    assert notify(context(session, NOON), Notice(Kind.RESULT, cycle.id, about_id=3), [officer], compose) == 1
    *first, last = rows(session, Kind.RESULT)
    assert first and all(row.buttons is None for row in first)
    assert last.keyboard == [[("签字", sign.pack()), ("申诉", appeal.pack())], [("再看", sign.pack())]]
    assert {row.subject for row in [*first, last]} == {Subject("result", cycle.id, officer, about_id=3)}
    assert len({row.dedupe_key for row in [*first, last]}) == len(first) + 1


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_of_notice_queued_in_quiet_hours_waits_for_their_end(session, cycle, kind):
    [officer] = ids(session, OFFICER)
    notice = Notice(kind, cycle.id, about_id=1, tag="x")
    assert notify(context(session, LATE), notice, [officer], FOOTER) == 1
    [row] = rows(session, kind, about_id=1)
    assert row.not_before == MORNING


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_of_notice_falling_due_in_quiet_hours_is_held_until_they_end(
    session, cycle, kind, monkeypatch
):
    monkeypatch.setattr(checks, "STILL_DUE", {})  # whatever the checks would say: here only the hour counts
    [officer] = ids(session, OFFICER)
    notify(context(session, NOON), Notice(kind, cycle.id, about_id=1), [officer], FOOTER)
    [row] = rows(session, kind, about_id=1)
    late = triage(context(session, LATE), [row])
    assert (late.send, late.hold, late.drop, late.until) == ([], [row], [], MORNING)
    assert triage(context(session, MORNING), [row]).send == [row]


def test_a_member_bound_later_is_told_what_they_have_not_been_told(session, cycle):
    [deputy] = ids(session, "2023000186")
    opened = Notice(Kind.OPENED, cycle.id)
    compose = rendered("cycle_opened", cycle=cycle.name, due="—")
    assert notify(context(session, NOON), opened, [deputy], compose) == 0
    bind(session, "2023000186", 506)
    assert notify(context(session, NOON), opened, [deputy], compose) == 1


def test_a_notice_to_many_members_is_queued_in_as_many_inserts_as_to_one(session, engine, cycle):
    members = roster.member_ids_by_student_no(session)
    for number, student_no in enumerate(sorted(members.keys() - PEOPLE.keys())):
        bind(session, student_no, 900_000 + number)
    session.commit()
    result = Notice(Kind.RESULT, cycle.id, about_id=3)
    with statements(engine) as to_one:
        assert notify(context(session, NOON), result, [members[OFFICER]], FOOTER) == 1
    with statements(engine) as to_all:
        assert notify(context(session, NOON), result, members.values(), FOOTER) == len(members) - 1
    assert len(inserts(to_all)) == len(inserts(to_one)) == 1
    assert {row.member_id for row in rows(session, Kind.RESULT)} == set(members.values())
    assert notify(context(session, NOON), result, members.values(), FOOTER) == 0


def test_a_notice_to_more_members_than_are_asked_for_by_id_reaches_the_same_ones(session, cycle, monkeypatch):
    members = roster.member_ids_by_student_no(session)
    result = Notice(Kind.RESULT, cycle.id, about_id=3)
    monkeypatch.setattr(accounts, "FEW_MEMBERS", 2)  # past it, every binding is read and filtered
    some = [*ids(session, OFFICER, HEAD), max(members.values()) + 1]  # and one who does not exist
    assert notify(context(session, NOON), result, some, FOOTER) == 2
    assert {row.member_id for row in rows(session, Kind.RESULT)} == set(some[:2])
