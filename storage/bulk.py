"""Thousands of rows into one table at once, the quick way on each database.

``insert_rows`` takes plain rows (dicts of column values, the same columns in each), not ORM objects:
a cycle's opening writes ten thousand examinees and as many notices. On PostgreSQL many rows are
streamed with ``COPY`` (psycopg formats them in C; a multi-row ``INSERT … VALUES`` would be thousands
of placeholders, which psycopg parses in Python a batch at a time, then planned by the server); rows
that may collide with a unique key, or whose values are wanted back, are copied into a temporary table
first and moved with one ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING``. A few rows on
PostgreSQL, and any number on SQLite (whose driver runs an ``executemany`` in C), go as one ``INSERT``
executed for each row. Either way each column's own type prepares its values (aware times stored as
naive UTC, JSON encoded), as any other write does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Dialect, Table, inspect
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault
from sqlmodel import Session, SQLModel

if TYPE_CHECKING:
    import psycopg


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
    if dialect == "postgresql" and len(rows) >= COPY_ROWS:
        return _copied(session, table, rows, unique, returning)
    result = session.execute(_insert(dialect, table, unique, returning), list(rows))
    return list(result.scalars()) if returning else []


COPY_ROWS = 200  # from this many rows on, PostgreSQL gets them by COPY (fewer: one INSERT, as ever)


@cache
def _insert(dialect: str, table: Table, unique: str | None, returning: str | None) -> Insert:
    """The statement inserting one row (executed for each), built once per table and shape."""
    on_dialect = import_module(f"sqlalchemy.dialects.{dialect}")
    statement: Insert = on_dialect.insert(table)
    if unique:
        statement = statement.on_conflict_do_nothing(index_elements=[unique])  # type: ignore[attr-defined]
    return statement.returning(table.c[returning]) if returning else statement


def _copied(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    unique: str | None,
    returning: str | None,
) -> list[Any]:
    """PostgreSQL: ``COPY`` the rows into the table, or through a temporary table when some may be
    skipped or their values are returned."""
    session.flush()  # what the ORM holds goes first: the rows may refer to it
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    given = tuple(rows[0])
    defaults = _defaults(table, given)
    names = given + tuple(defaults)
    columns = ", ".join(map(quote, names))
    target = quote(table.name)
    staging = quote(f"incoming_{table.name}")
    direct = unique is None and returning is None
    if not direct:
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {staging} AS SELECT {columns} FROM {target} WITH NO DATA"
        )
    driver = cast("psycopg.Connection[Any]", connection.connection.dbapi_connection)
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {target if direct else staging} ({columns}) FROM STDIN") as copy,
    ):
        for values in _values(table, names, connection.dialect, rows, defaults):
            copy.write_row(values)
    if direct:
        return []
    moving = f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {staging}"
    if unique:
        moving += f" ON CONFLICT ({quote(unique)}) DO NOTHING"
    if returning:
        moving += f" RETURNING {quote(returning)}"
    moved = connection.exec_driver_sql(moving)
    inserted = list(moved.scalars()) if returning else []
    connection.exec_driver_sql(f"DROP TABLE {staging}")
    return inserted


def _defaults(table: Table, given: tuple[str, ...]) -> dict[str, Any]:
    """The values of the columns not given that have a default of SQLAlchemy's (``COPY`` knows only the
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
    names: tuple[str, ...],
    dialect: Dialect,
    rows: Sequence[Mapping[str, Any]],
    defaults: Mapping[str, Any],
) -> Iterator[list[Any]]:
    """Each row's values in the order of ``names`` (the defaults where a row has none), prepared by
    their column's type for this database (what SQLAlchemy does to the parameters of any statement)."""
    prepare = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    for row in rows:
        full = {**row, **defaults}
        yield [
            full[name] if ready is None else ready(full[name])
            for name, ready in zip(names, prepare, strict=True)
        ]
