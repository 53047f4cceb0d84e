"""live messages: each task's one live message per chat

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "livemessage",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("task", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "task"),
    )


def downgrade() -> None:
    op.drop_table("livemessage")
