"""Thousands of rows into one table at once, the quick way on each database.

``insert_rows`` takes plain rows (dicts of column values, the same columns in each), not ORM objects:
a cycle's opening writes ten thousand examinees and as many notices. Many rows are handed to the
database driver as they are, its C code doing the per-row work: on PostgreSQL they are streamed with
``COPY`` (psycopg formats them; a multi-row ``INSERT … VALUES`` would be thousands of placeholders,
which psycopg parses in Python a batch at a time, then planned by the server), on SQLite one ``INSERT``
is executed for each row by the driver's ``executemany`` (through SQLAlchemy each row's parameters
would be processed in Python, and with ``RETURNING`` rewritten as multi-row statements). Rows that may
collide with a unique key, or whose values are wanted back, go into a temporary table first and are
moved with one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``. Each column's own type prepares
its values (aware times stored as naive UTC, JSON encoded), once for a value shared by consecutive rows,
and SQLAlchemy's own column defaults are filled in, as any other write does. A few rows go as one
``INSERT`` through SQLAlchemy (no temporary table for a single notice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from importlib import import_module
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Dialect, Table, inspect
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault
from sqlmodel import Session, SQLModel

if TYPE_CHECKING:
    import sqlite3

    import psycopg

BULK_ROWS = 200  # from this many rows on, the driver takes them (fewer: one INSERT through SQLAlchemy)


def insert_rows(
    session: Session,
    model: type[SQLModel],
    rows: Sequence[Mapping[str, Any]],
    *,
    unique: str | None = None,
    returning: str | None = None,
) -> list[Any]:
    """Insert ``rows`` into ``model``'s table in the session's transaction, in their order.

    With ``unique`` (a column with a unique index), a row whose value is already taken is skipped, by
    the database itself (``ON CONFLICT DO NOTHING``: also when another process takes it meanwhile).
    With ``returning``, that column's value of each row inserted is returned (else nothing is).
    """
    if not rows:
        return []
    table = inspect(model).local_table
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    if len(rows) >= BULK_ROWS and dialect in _LOADERS:
        return _bulk(session, table, rows, unique, returning)
    result = session.execute(_insert(dialect, table, unique, returning), list(rows))
    return list(result.scalars()) if returning else []


@cache
def _insert(dialect: str, table: Table, unique: str | None, returning: str | None) -> Insert:
    """The statement inserting one row (executed for each), built once per table and shape."""
    on_dialect = import_module(f"sqlalchemy.dialects.{dialect}")
    statement: Insert = on_dialect.insert(table)
    if unique:
        statement = statement.on_conflict_do_nothing(index_elements=[unique])  # type: ignore[attr-defined]
    return statement.returning(table.c[returning]) if returning else statement


Values = Iterator[list[Any]]
Loader = Callable[[Connection, str, str, Values], None]  # (connection, table, its columns, their values)


def _copy(connection: Connection, target: str, columns: str, values: Values) -> None:
    """PostgreSQL: ``COPY`` the values in (psycopg formats each row in C)."""
    driver = cast("psycopg.Connection[Any]", connection.connection.dbapi_connection)
    with driver.cursor() as cursor, cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def _execute_many(connection: Connection, target: str, columns: str, values: Values) -> None:
    """SQLite: one ``INSERT`` executed for each row by the driver (in C, in the open transaction)."""
    marks = ", ".join("?" * (columns.count(",") + 1))
    driver = cast("sqlite3.Connection", connection.connection.dbapi_connection)
    cursor = driver.cursor()
    try:
        cursor.executemany(f"INSERT INTO {target} ({columns}) VALUES ({marks})", values)
    finally:
        cursor.close()


_LOADERS: dict[str, Loader] = {"postgresql": _copy, "sqlite": _execute_many}


def _bulk(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    unique: str | None,
    returning: str | None,
) -> list[Any]:
    """The rows loaded by the driver into the table, or through a temporary table when some may be
    skipped or their values are returned."""
    session.flush()  # what the ORM holds goes first: the rows may refer to it
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    given = tuple(rows[0])
    defaults = _defaults(table, given)
    names = given + tuple(defaults)
    columns = ", ".join(map(quote, names))
    target = quote(table.name)
    values = _values(table, given, dialect, rows, defaults)
    load = _LOADERS[dialect.name]
    if unique is None and returning is None:
        load(connection, target, columns, values)
        return []
    staging = quote(f"incoming_{table.name}")
    if dialect.name == "sqlite":  # one left by a rollback (its driver may CREATE outside a transaction)
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{staging}")
    connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {staging} AS SELECT {columns} FROM {target} LIMIT 0")
    load(connection, staging, columns, values)
    moving = f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {staging} WHERE true"
    if unique:
        moving += f" ON CONFLICT ({quote(unique)}) DO NOTHING"
    if returning:
        moving += f" RETURNING {quote(returning)}"
    moved = connection.exec_driver_sql(moving)
    inserted = list(moved.scalars()) if returning else []
    connection.exec_driver_sql(f"DROP TABLE {staging}")
    return inserted


def _defaults(table: Table, given: tuple[str, ...]) -> dict[str, Any]:
    """The values of the columns not given that have a default of SQLAlchemy's (the driver knows only the
    database's own): what an ``INSERT`` through SQLAlchemy would fill in, once for all the rows."""
    defaults: dict[str, Any] = {}
    for column in table.c:
        default = column.default
        if column.name in given or default is None:
            continue
        if isinstance(default, ScalarElementColumnDefault):
            defaults[column.name] = default.arg
        elif isinstance(default, CallableColumnDefault):
            defaults[column.name] = default.arg(None)  # type: ignore[arg-type]  # no context: utcnow and such
    return defaults


def _values(
    table: Table,
    given: tuple[str, ...],
    dialect: Dialect,
    rows: Sequence[Mapping[str, Any]],
    defaults: Mapping[str, Any],
) -> Values:
    """Each row's values of the ``given`` columns, then the ``defaults``, each prepared by its column's
    type for this database (what SQLAlchemy does to the parameters of any statement): the defaults once
    for all the rows, a row's own values only in the columns whose type has something to do."""

    def processor(name: str) -> Callable[[Any], Any] | None:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    fixed = [
        value if (ready := processor(name)) is None else ready(value) for name, value in defaults.items()
    ]
    prepare = [(place, _prepared(ready)) for place, name in enumerate(given) if (ready := processor(name))]
    pick = itemgetter(*given) if len(given) > 1 else lambda row: (row[given[0]],)
    for row in rows:
        values = [*pick(row), *fixed]
        for place, ready in prepare:
            values[place] = ready(values[place])
        yield values


_UNSEEN = object()


def _prepared(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``processor``, run once for a value the row before had too: the
    rows of a notice or an opening share their times and defaults (one object each), whose preparation
    (a time formatted as text on SQLite) would otherwise be repeated ten thousand times."""
    last: list[Any] = [_UNSEEN, None]  # the value seen last, prepared

    def ready(value: Any) -> Any:
        if value is not last[0]:
            last[:] = value, processor(value)
        return last[1]

    return ready
