"""Plain rows in bulk (``storage.bulk.insert_rows``): a few or many (then handed to the driver), the
same rows stored, a taken unique key skipped, each column's type applied (aware times as UTC, JSON)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel import Session, col, select

from storage.bulk import BULK_ROWS, insert_rows
from storage.models import Department, Notification, NotificationState, Team

BEIJING = timezone(timedelta(hours=8))
AT = datetime(2026, 12, 1, 20, 0, tzinfo=BEIJING)
KEYBOARD = [[{"label": "打开", "data": "sf:1"}]]
SIZES = [3, BULK_ROWS + 5]  # one INSERT; the driver (COPY, executemany)


def notices(keys: range) -> list[dict[str, object]]:
    return [
        {
            "dedupe_key": f"k{key}",
            "chat_id": 10_000_000_000 + key,  # beyond 32 bits: a BIGINT
            "text": f"第{key}条 <b>通知</b>\n'\"\\ \t",
            "buttons": KEYBOARD if key % 2 else None,
            "not_before": AT,
            "created_at": AT,
            "state": NotificationState.PENDING,
            "attempts": 0,
            "member_id": key if key % 3 else None,
        }
        for key in keys
    ]


@pytest.mark.parametrize("size", SIZES)
def test_rows_are_stored_as_given_with_their_columns_types(session: Session, size: int) -> None:
    inserted = insert_rows(session, Notification, notices(range(size)), returning="dedupe_key")
    assert sorted(inserted) == sorted(f"k{key}" for key in range(size))
    session.commit()
    stored = list(session.exec(select(Notification).order_by(col(Notification.id))))
    assert [row.dedupe_key for row in stored] == [f"k{key}" for key in range(size)]  # in their order
    last = stored[-1]
    assert last.chat_id == 10_000_000_000 + size - 1 and last.text == f"第{size - 1}条 <b>通知</b>\n'\"\\ \t"
    assert last.not_before == AT and last.not_before.tzinfo == UTC  # stored as UTC, read back aware
    assert [row.keyboard for row in stored[:2]] == [[], [[("打开", "sf:1")]]]
    assert [row.member_id for row in stored[:3]] == [None, 1, 2]
    assert {row.state for row in stored} == {NotificationState.PENDING}


@pytest.mark.parametrize("size", SIZES)
def test_rows_whose_unique_key_is_taken_are_skipped(session: Session, size: int) -> None:
    insert_rows(session, Notification, notices(range(0, size, 2)))
    fresh = insert_rows(
        session, Notification, notices(range(size)), unique="dedupe_key", returning="dedupe_key"
    )
    assert sorted(fresh) == sorted(f"k{key}" for key in range(1, size, 2))
    session.commit()
    assert len(session.exec(select(Notification)).all()) == size


@pytest.mark.parametrize("size", SIZES)
def test_rows_may_refer_to_what_the_session_has_not_yet_sent_and_take_the_defaults(
    session: Session, size: int
) -> None:
    session.add(Team(id=41, name="校学生会"))  # pending in the session, not yet sent
    insert_rows(session, Department, [{"team_id": 41, "name": f"部门{n}"} for n in range(size)])
    session.commit()
    departments = session.exec(select(Department).where(Department.team_id == 41)).all()
    assert len(departments) == size and all(department.active for department in departments)  # a default


def test_many_rows_go_in_again_after_a_rolled_back_insert(session: Session) -> None:
    size = BULK_ROWS + 5
    insert_rows(session, Notification, notices(range(size)), unique="dedupe_key", returning="dedupe_key")
    session.rollback()
    fresh = insert_rows(
        session, Notification, notices(range(size)), unique="dedupe_key", returning="dedupe_key"
    )
    assert len(fresh) == size
    session.commit()
    assert len(session.exec(select(Notification)).all()) == size


def test_many_rows_are_stored_exactly_as_a_few_are(session: Session) -> None:
    """The driver's path (COPY, executemany) writes the very values SQLAlchemy's own INSERT writes."""
    many = notices(range(BULK_ROWS))
    insert_rows(session, Notification, many, unique="dedupe_key", returning="dedupe_key")
    few = [{**row, "dedupe_key": f"few-{row['dedupe_key']}"} for row in many]
    for start in range(0, len(few), 3):
        insert_rows(
            session, Notification, few[start : start + 3], unique="dedupe_key", returning="dedupe_key"
        )
    session.commit()
    stored = session.connection().exec_driver_sql("SELECT * FROM notification ORDER BY id").mappings().all()
    as_written = [{**row, "id": None, "dedupe_key": row["dedupe_key"].removeprefix("few-")} for row in stored]
    assert as_written[: len(many)] == as_written[len(many) :]


@pytest.mark.parametrize("size", SIZES)
def test_rows_of_a_single_column_are_stored(session: Session, size: int) -> None:
    insert_rows(session, Team, [{"name": f"团队{n}"} for n in range(size)])
    session.commit()
    assert session.exec(select(Team.name).order_by(col(Team.id))).all() == [f"团队{n}" for n in range(size)]
