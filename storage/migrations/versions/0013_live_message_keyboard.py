"""live message keyboard: whether a task's live message carries buttons

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 05:30:00

A newer screen removes the buttons of the one it replaces only when it has some. Live messages
recorded before are taken to have buttons (what was assumed of them until now).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("livemessage") as table:
        table.add_column(sa.Column("keyboard", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("livemessage") as table:
        table.drop_column("keyboard")
