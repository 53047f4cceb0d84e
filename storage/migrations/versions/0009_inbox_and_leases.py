"""the inbox of updates (replacing handled updates), leases, and claims on the outbox

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inboxupdate",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("handled_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("replies", sa.JSON(), nullable=True),
        sa.Column("replies_sent", sa.Integer(), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("claimed_until", storage.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    with op.batch_alter_table("inboxupdate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inboxupdate_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inboxupdate_done_at"), ["done_at"], unique=False)
    op.create_table(
        "lease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("until", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch_op.add_column(sa.Column("claimed_until", storage.types.UTCDateTime(), nullable=True))
    # Updates handled before the inbox existed stay known, so that one Telegram sends again is skipped.
    op.execute(
        "INSERT INTO inboxupdate (update_id, payload, received_at, attempts, handled_at, failed, "
        "replies_sent, done_at) SELECT update_id, '{}', handled_at, 0, handled_at, false, 0, handled_at "
        "FROM handledupdate"
    )
    with op.batch_alter_table("handledupdate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handledupdate_handled_at"))
    op.drop_table("handledupdate")


def downgrade() -> None:
    op.create_table(
        "handledupdate",
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("handled_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("update_id"),
    )
    with op.batch_alter_table("handledupdate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handledupdate_handled_at"), ["handled_at"], unique=False)
    op.execute(
        "INSERT INTO handledupdate (update_id, handled_at) "
        "SELECT update_id, handled_at FROM inboxupdate WHERE handled_at IS NOT NULL"
    )
    op.drop_table("lease")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("inboxupdate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inboxupdate_done_at"))
        batch_op.drop_index(batch_op.f("ix_inboxupdate_chat_id"))
    op.drop_table("inboxupdate")
