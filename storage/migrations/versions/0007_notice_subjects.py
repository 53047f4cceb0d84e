"""notice subjects and buttons as columns of the outbox

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 10:00:00.000000

Each notification row gets what its notice is about as columns (kind, cycle, recipient member, step,
the record it concerns, tag) and the buttons it carries. Rows queued before this revision had their
subject only inside their dedupe key; those keys are read here, once, to fill the columns where they
parse (a key that does not is left with null columns: such a row is still sent, without a re-check).
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PART = r"(?::\d+)?"  # a long notice was queued in parts, ``<key>:1``, ``<key>:2``...
Columns = dict[str, Any]


def _scheduled(c: sa.Connection, m: re.Match[str]) -> Columns:
    kind, cycle, step, member, tag = m.groups()
    return {"kind": kind, "cycle_id": int(cycle), "step": step, "member_id": int(member), "tag": tag}


def _opened(c: sa.Connection, m: re.Match[str]) -> Columns:
    return {"kind": "opened", "cycle_id": int(m[1]), "member_id": int(m[2])}


def _result(c: sa.Connection, m: re.Match[str]) -> Columns | None:
    row = c.execute(sa.text("SELECT member_id FROM cycleexaminee WHERE id = :id"), {"id": int(m[2])}).first()
    return row and {"kind": "result", "cycle_id": int(m[1]), "about_id": int(m[2]), "member_id": row[0]}


def _voided(c: sa.Connection, m: re.Match[str]) -> Columns | None:
    query = sa.text("SELECT cycle_id, member_id FROM signature WHERE id = :id")
    row = c.execute(query, {"id": int(m[1])}).first()
    return row and {"kind": "voided", "cycle_id": row[0], "member_id": row[1], "about_id": int(m[1])}


def _signoff(c: sa.Connection, m: re.Match[str]) -> Columns:
    cycle, version, stage, member = m.groups()
    return {
        "kind": "signoff",
        "cycle_id": int(cycle),
        "step": stage,
        "member_id": int(member),
        "tag": version,
    }


def _returned(c: sa.Connection, m: re.Match[str]) -> Columns | None:
    query = sa.text(
        "SELECT e.cycle_id, e.scorer_member_id FROM scoresheet s "
        "JOIN cycleexaminee e ON e.id = s.examinee_id WHERE s.id = :id"
    )
    row = c.execute(query, {"id": int(m[1])}).first()
    if row is None or row[1] is None:
        return None
    return {"kind": "returned", "cycle_id": row[0], "member_id": row[1], "about_id": int(m[1]), "tag": m[2]}


APPEAL_KINDS = {
    "submitted": "appeal_submitted",
    "escalated": "appeal_escalated",
    "decided": "appeal_decided",
    "flag": "appeal_overdue",
    "opinion": "appeal_question",
    "answered": "appeal_answered",
}


def _appeal(c: sa.Connection, m: re.Match[str]) -> Columns | None:
    appeal, step, detail, member = m.groups()
    query = sa.text(
        "SELECT e.cycle_id FROM appeal a JOIN cycleexaminee e ON e.id = a.examinee_id WHERE a.id = :id"
    )
    row = c.execute(query, {"id": int(appeal)}).first()
    if row is None:
        return None
    columns = {
        "kind": APPEAL_KINDS[step],
        "cycle_id": row[0],
        "member_id": int(member),
        "about_id": int(appeal),
    }
    if step == "flag":
        columns["tag"] = detail
    elif step in ("opinion", "answered"):
        columns["about_id"] = int(detail)  # the opinion asked for
    return columns


def _interview(c: sa.Connection, m: re.Match[str]) -> Columns | None:
    query = sa.text(
        "SELECT e.cycle_id FROM interview i JOIN cycleexaminee e ON e.id = i.examinee_id WHERE i.id = :id"
    )
    row = c.execute(query, {"id": int(m[1])}).first()
    return row and {"kind": "interview", "cycle_id": row[0], "member_id": int(m[2]), "about_id": int(m[1])}


KEYS: list[tuple[re.Pattern[str], Callable[[sa.Connection, re.Match[str]], Columns | None]]] = [
    (re.compile(r"(remind|digest|nudge|phase):(\d+):([a-z_]+):(\d+):([0-9-]*)"), _scheduled),
    (re.compile(r"cycle:(\d+):opened:(\d+)"), _opened),
    (re.compile(rf"result:(\d+):(\d+){PART}"), _result),
    (re.compile(rf"void:(\d+){PART}"), _voided),
    (re.compile(rf"signoff:(\d+):(\d+):([a-z_]+):(\d+){PART}"), _signoff),
    (re.compile(rf"return:(\d+):(\d{{4}}-\d\d-\d\dT[0-9:.]+(?:[+-]\d\d:\d\d)?){PART}"), _returned),
    (re.compile(r"appeal:(\d+):(submitted|escalated|decided)():(\d+)"), _appeal),
    (re.compile(r"appeal:(\d+):(flag):(\d{4}-\d\d-\d\d):(\d+)"), _appeal),
    (re.compile(r"appeal:(\d+):(opinion|answered):(\d+):(\d+)"), _appeal),
    (re.compile(r"interview:(\d+):recorded:(\d+)"), _interview),
]


def _subject(connection: sa.Connection, key: str) -> Columns | None:
    for pattern, read in KEYS:
        if (match := pattern.fullmatch(key)) is not None:
            return read(connection, match)
    return None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buttons", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.add_column(sa.Column("cycle_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("member_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column("about_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.create_index("ix_notification_subject", ["cycle_id", "kind", "member_id"], unique=False)
    connection = op.get_bind()
    update = sa.text(
        "UPDATE notification SET kind = :kind, cycle_id = :cycle_id, member_id = :member_id, step = :step, "
        "about_id = :about_id, tag = :tag WHERE id = :id"
    )
    for row_id, key in connection.execute(sa.text("SELECT id, dedupe_key FROM notification")).all():
        columns = _subject(connection, key)
        if columns is not None:
            connection.execute(update, {"step": "", "about_id": None, "tag": "", **columns, "id": row_id})


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_subject")
        for column in ("tag", "about_id", "step", "member_id", "cycle_id", "kind", "buttons"):
            batch_op.drop_column(column)
