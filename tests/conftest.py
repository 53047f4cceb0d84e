"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when KAOHE_TEST_DATABASE_URL is set.

Every test that takes ``engine`` (or ``session``) runs once per backend. The schema is built once
per backend by the real Alembic migrations; each test then starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from storage.db import make_engine, upgrade
from storage.models import metadata

POSTGRES_ENV = "KAOHE_TEST_DATABASE_URL"
REPO = Path(__file__).resolve().parent.parent
SAMPLE_ROSTER = REPO / "bot" / "sandbox" / "sample-roster.csv"  # shipped: the sandbox runs on it


def backends() -> list:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} not set"),
        ),
    ]


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "kaohe.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def _postgres_engine() -> Iterator[Engine]:
    engine = make_engine(os.environ[POSTGRES_ENV])
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty_postgres(engine: Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a migrated, empty database (a file copy on SQLite, truncated tables on PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "kaohe.sqlite3"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    engine = request.getfixturevalue("_postgres_engine")
    _empty_postgres(engine)
    return os.environ[POSTGRES_ENV]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def sample_roster() -> Path:
    return SAMPLE_ROSTER
