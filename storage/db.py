"""The database: engine, sessions, and the schema's migration state.

SQLite (one file, the default) and PostgreSQL (psycopg 3) are both first-class. The schema is
created and upgraded only by Alembic (``upgrade``); ``current_revision`` and ``head_revision`` let
``kaohe run`` and every command refuse an out-of-date database. Those two read the ``alembic_version``
table and the migration files' ``revision`` lines themselves: Alembic (and every migration script) is
imported only when migrating, which keeps it out of each command's start-up.
"""

from __future__ import annotations

import ast
import asyncio
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's record of the revision a database is at


def normalise_url(url: str) -> str:
    """Use psycopg 3 for a bare ``postgresql://`` URL (SQLAlchemy would pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite database URL (None for another database, or one in memory)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _create_private(path: Path) -> None:
    """Create a database file readable by its owner only (0600), its missing folders 0700, whatever the
    umask; SQLite gives its -wal and -shm files the database file's permissions."""
    if path.exists():
        return
    missing = [folder for folder in path.parents if not folder.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    path.chmod(0o600)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL, a busy timeout and a private file."""
    url = normalise_url(url)
    path = sqlite_path(url)
    if path is not None:
        _create_private(path)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url)
    _ping_after_rest(engine)
    return engine


REST_BEFORE_PING = 5.0  # seconds a pooled PostgreSQL connection may rest before it is checked on use
_RESTED = "kaohe.rested_at"


def _ping_after_rest(engine: Engine) -> None:
    """Check a pooled connection before a transaction only when it has rested a while (the server may
    have restarted or closed it meanwhile): in a busy moment connections go back and forth many times
    a second, and a ping each time (``pool_pre_ping``) would cost a round trip per transaction. A
    connection found dead is replaced; one that dies in use fails its transaction, which is retried."""

    @event.listens_for(engine, "checkin")
    def _rest(_dbapi_connection, record) -> None:
        record.info[_RESTED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, _proxy) -> None:
        rested = record.info.pop(_RESTED, None)
        if rested is None or time.monotonic() - rested < REST_BEFORE_PING:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(str(error)) from error


_THREADS: WeakKeyDictionary[Engine, ThreadPoolExecutor] = WeakKeyDictionary()
_THREADS_LOCK = threading.Lock()
POSTGRES_THREADS = 4


def database_thread(engine: Engine) -> ThreadPoolExecutor:
    """The threads an event loop hands its database work on ``engine`` to, so that the loop keeps
    serving the network meanwhile: one for SQLite (one writer at a time anyway: the work queues here
    instead of waiting on the file's lock), a few for PostgreSQL (which locks rows)."""
    with _THREADS_LOCK:
        if engine not in _THREADS:
            threads = 1 if engine.dialect.name == "sqlite" else POSTGRES_THREADS
            _THREADS[engine] = ThreadPoolExecutor(threads, thread_name_prefix="database")
        return _THREADS[engine]


T = TypeVar("T")


async def in_database_thread(engine: Engine, work: Callable[..., T], *args: object) -> T:
    """``work(*args)`` on the engine's database thread (``database_thread``), awaited by the event loop."""
    return await asyncio.get_running_loop().run_in_executor(database_thread(engine), work, *args)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed on success, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (``kaohe init``)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), "head")


_REVISION_LINE = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(.+)$", re.MULTILINE)


def head_revision() -> str | None:
    """The newest migration this code knows: the one revision no other migration names as its
    ``down_revision`` (what Alembic's ``get_current_head`` answers, without importing the scripts)."""
    revisions: set[str] = set()
    below: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8")):
            named = ast.literal_eval(value.strip())
            if name == "revision":
                revisions.add(named)
            elif named is not None:
                below.update((named,) if isinstance(named, str) else named)
    heads = revisions - below
    if len(heads) > 1:
        raise RuntimeError(f"the migrations have several heads: {sorted(heads)}")
    return next(iter(heads), None)


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return None
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
