"""Backing up and restoring the database (备份与恢复), while the bot may keep running.

SQLite: the online backup API copies a consistent snapshot page by page, even while the bot writes
(a plain file copy of a database in WAL mode may miss what is still in the -wal file); restoring
copies the backup back the same way, after keeping the current database beside it. PostgreSQL:
``pg_dump`` in its custom format, and ``pg_restore --clean`` (both must be installed, of the
server's major version or newer).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that cannot be done, worded for the administrator."""


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url}: not a database file")
    return Path(database)


def libpq_url(url: str) -> str:
    """The URL as pg_dump reads it (``postgresql://``, without SQLAlchemy's driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _copy_sqlite(source: Path | str, target: Path) -> None:
    """Copy one SQLite database into another through the online backup API."""
    with closing(sqlite3.connect(source, uri=True)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def _run(tool: str, *arguments: str) -> None:
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (on Debian: apt-get install postgresql-client)")
    done = subprocess.run([tool, *arguments], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()}")


def backup(url: str, target: Path) -> Path:
    """Write a backup of the database at ``url`` to ``target``; returns it."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose another name")
    if is_sqlite(url):
        source = sqlite_path(url)
        if not source.exists():
            raise BackupError(f"{source}: no such database")
        _copy_sqlite(source, target)
    else:
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}", f"--dbname={libpq_url(url)}")
    return target


def restore(url: str, source: Path) -> Path | None:
    """Replace the database at ``url`` with the backup ``source``; for SQLite, where the old one was kept."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup")
    if not is_sqlite(url):
        _run("pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={libpq_url(url)}", str(source))
        return None
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as check:
            check.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source}: not an SQLite backup ({error})") from None
    target = sqlite_path(url)
    kept = None
    if target.exists():
        kept = target.with_name(f"{target.name}.before-restore")
        kept.unlink(missing_ok=True)
        _copy_sqlite(target, kept)
    _copy_sqlite(source, target)
    return kept
