"""audit hash chain, archive snapshot, signed result hashes

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-27 16:00:00

Audit rows get their place in a hash chain (one per cycle, one for the organisation) and the chains'
heads a table; rows already written are chained here, in the order they were written. Archived
cycles get a snapshot of the people they name; signatures the hash of the results they sign.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

import storage.types
from storage.audit import GENESIS, chain_of, digest

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT = sa.table(
    "auditentry",
    sa.column("id", sa.Integer()),
    sa.column("at", storage.types.UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("reason", sa.String()),
    sa.column("chain", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)
CHAIN = sa.table(
    "auditchain",
    sa.column("chain", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("head", sa.String()),
)


def upgrade() -> None:
    op.create_table(
        "auditchain",
        sa.Column("chain", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        for name, kind in (("chain", sa.String(40)), ("seq", sa.Integer()), ("prev_hash", sa.String(64))):
            batch_op.alter_column(name, existing_type=kind, nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(64), nullable=False)
        batch_op.create_index(batch_op.f("ix_auditentry_chain"), ["chain"], unique=False)
        batch_op.create_unique_constraint("uq_auditentry_chain_seq", ["chain", "seq"])
    op.create_table(
        "archivedperson",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("student_no", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("team", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("position", sa.String(length=20), nullable=False),
        sa.Column("committee_role", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"]),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "member_id", name="uq_archived_person_cycle_member"),
    )
    with op.batch_alter_table("archivedperson", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_archivedperson_cycle_id"), ["cycle_id"], unique=False)
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result_hash", sa.String(length=64), nullable=True))


def _chain_existing_rows() -> None:
    """Chain the rows written before chains existed, in the order they were written."""
    session = Session(bind=op.get_bind())
    heads: dict[str, tuple[int, str]] = {}
    for row in session.execute(sa.select(AUDIT).order_by(AUDIT.c.id)).all():
        entry = row._asdict()
        entry["chain"] = chain_of(session, entry["entity"], entry["entity_id"])
        seq, previous = heads.get(entry["chain"], (0, GENESIS))
        entry["seq"], entry["prev_hash"] = seq + 1, previous
        entry["hash"] = digest(_Row(entry))
        heads[entry["chain"]] = (entry["seq"], entry["hash"])
        values = {key: entry[key] for key in ("chain", "seq", "prev_hash", "hash")}
        session.execute(sa.update(AUDIT).where(AUDIT.c.id == entry["id"]).values(**values))
    for chain, (seq, head) in heads.items():
        session.execute(sa.insert(CHAIN).values(chain=chain, seq=seq, head=head))
    session.flush()


class _Row:
    """An audit row read here, with the attributes ``digest`` reads."""

    def __init__(self, values: dict) -> None:
        self.__dict__.update(values)


def downgrade() -> None:
    with op.batch_alter_table("signature", schema=None) as batch_op:
        batch_op.drop_column("result_hash")
    with op.batch_alter_table("archivedperson", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archivedperson_cycle_id"))
    op.drop_table("archivedperson")
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.drop_constraint("uq_auditentry_chain_seq", type_="unique")
        batch_op.drop_index(batch_op.f("ix_auditentry_chain"))
        for name in ("hash", "prev_hash", "seq", "chain"):
            batch_op.drop_column(name)
    op.drop_table("auditchain")
