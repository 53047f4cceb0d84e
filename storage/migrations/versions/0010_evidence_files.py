"""the files of appeal evidence, kept for the archive

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidencefile",
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("suffix", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["evidence_id"], ["appealevidence.id"]),
        sa.PrimaryKeyConstraint("evidence_id"),
    )


def downgrade() -> None:
    op.drop_table("evidencefile")
