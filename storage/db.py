"""The database: engine, sessions, and the schema's migration state.

SQLite (one file, the default) and PostgreSQL (psycopg 3) are both first-class. The schema is
created and upgraded only by Alembic (``upgrade``); ``current_revision`` and ``head_revision`` let
``kaohe run`` refuse to start on an out-of-date database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


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
    return create_engine(url, pool_pre_ping=True)


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
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (``kaohe init``)."""
    command.upgrade(_alembic_config(engine), "head")


def head_revision() -> str | None:
    """The newest migration this code knows."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
