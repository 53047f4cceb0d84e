"""sheet totals: each score sheet keeps how many items are scored and their total

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 23:40:00

The board reads these instead of every item score. Existing sheets are filled in from their item
scores and their cycle's own scheme, with the same function that keeps them since.
"""

import tomllib
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("scoresheet", sa.Column("scored", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "scoresheet", sa.Column("total", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True)
    )
    _fill(op.get_bind())


def _fill(connection: sa.Connection) -> None:
    from flows.rules.grading import total_score
    from flows.rules.scheme import Scheme, parse_scheme

    rows = connection.execute(
        sa.text(
            "SELECT s.id, c.id, c.name, c.scheme_text, i.item, i.points FROM itemscore i "
            "JOIN scoresheet s ON s.id = i.sheet_id JOIN cycleexaminee e ON e.id = s.examinee_id "
            'JOIN "cycle" c ON c.id = e.cycle_id'
        )
    )
    schemes: dict[int, Scheme] = {}
    given: dict[int, tuple[int, dict[str, Decimal]]] = {}
    for sheet, cycle, name, scheme_text, item, points in rows:
        if cycle not in schemes:
            schemes[cycle] = parse_scheme(tomllib.loads(scheme_text), f"cycle {name}")
        points_read = Decimal(f"{float(points):.1f}")  # as the model's Numeric(5, 1) reads them
        given.setdefault(sheet, (cycle, {}))[1][item] = points_read
    update = sa.text("UPDATE scoresheet SET scored = :scored, total = :total WHERE id = :id")
    values = [
        {"id": sheet, "scored": len(scores), "total": str(total_score(scores, schemes[cycle]))}
        for sheet, (cycle, scores) in given.items()
    ]
    if values:
        connection.execute(update, values)


def downgrade() -> None:
    op.drop_column("scoresheet", "total")  # SQLite drops a column in place (3.35 on)
    op.drop_column("scoresheet", "scored")
