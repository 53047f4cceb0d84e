"""The schema comes from the migrations, matches the tables the code declares, and round-trips times as
aware UTC on every backend; the migration files are named in their chain's order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import select

from storage import db
from storage.db import MIGRATIONS_DIR, current_revision, head_revision, make_engine, upgrade
from storage.models import Invitation, Member, Position, Team, TelegramBinding, metadata


def a_member(session, team: str, student_no: str, name: str) -> Member:
    """A president of a new team, flushed so that it has its id."""
    organisation = Team(name=team)
    session.add(organisation)
    session.flush()
    member = Member(student_no=student_no, name=name, team_id=organisation.id, position=Position.PRESIDENT)
    session.add(member)
    session.flush()
    return member


def test_migrations_bring_an_empty_database_to_head(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    upgrade(engine)  # a second init is harmless
    assert current_revision(engine) == head_revision()


def test_the_migrated_schema_is_the_schema_the_tables_declare(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_migration_files_are_numbered_in_the_order_of_their_chain():
    """File numbers follow the chain even where a revision id does not (0004's id is "0006")."""
    scripts = ScriptDirectory(str(MIGRATIONS_DIR))
    chain = reversed(list(scripts.walk_revisions()))  # walk_revisions goes from head down
    numbers = [script.path.rsplit("/", 1)[-1][:4] for script in chain]
    assert numbers == [f"{n:04d}" for n in range(1, len(numbers) + 1)]


def test_times_come_back_aware_in_utc(session):
    member = a_member(session, "校学生会", "1", "罗晨秀")
    beijing = timezone(timedelta(hours=8))
    expires = datetime(2026, 12, 1, 20, 0, tzinfo=beijing)
    session.add(Invitation(member_id=member.id, code="abc", expires_at=expires))
    session.commit()
    session.expunge_all()
    stored = session.exec(select(Invitation)).one()
    assert stored.expires_at == expires
    assert stored.expires_at.tzinfo is not None
    assert stored.expires_at.utcoffset() == timedelta(0)
    assert stored.expires_at.astimezone(UTC).hour == 12


def test_telegram_ids_beyond_32_bits_are_kept(session):
    member = a_member(session, "校团委", "2", "莫玲")
    big = 7_123_456_789
    session.add(TelegramBinding(member_id=member.id, telegram_user_id=big, chat_id=big))
    session.commit()
    session.expunge_all()
    assert session.exec(select(TelegramBinding)).one().telegram_user_id == big


def test_the_revisions_read_without_alembic_are_alembics(engine):
    assert head_revision() == ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    with engine.connect() as connection:
        assert current_revision(engine) == MigrationContext.configure(connection).get_current_revision()


def test_a_postgresql_connection_closed_while_resting_is_replaced_before_use(engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("a server that closes connections: PostgreSQL (SQLite is a file)")
    monkeypatch.setattr(db, "REST_BEFORE_PING", 0.0)
    with engine.connect() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    server_side = make_engine(engine.url.render_as_string(hide_password=False))
    with server_side.begin() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    server_side.dispose()
    with engine.connect() as connection:  # the pooled one is dead: a new one is used, no error
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar() != backend
