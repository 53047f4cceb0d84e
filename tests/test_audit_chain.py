"""The tamper-evident audit log: each cycle's rows form a hash chain; ``kaohe audit verify`` names the
first row changed, deleted or inserted in the database; two writers appending at once never fork it."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from appeal_helpers import NOW, OFFICER, examinee_of, score
from cycle_helpers import import_sample, open_sample_cycle
from sqlalchemy import text
from sqlmodel import Session, select

from bot.cli import main
from storage import audit
from storage.audit import Tamper
from storage.models import AuditEntry, Cycle


@pytest.fixture
def cycle(session, sample_roster) -> Cycle:
    """The sample cycle with one sheet scored: rows in the cycle's chain and in the organisation's."""
    import_sample(session, sample_roster)
    open_sample_cycle(session)
    score(session, OFFICER, at=NOW + timedelta(days=2))
    for day in range(3):
        audit.record(
            session,
            actor="test",
            action="cycle.nudge",
            entity="cycle",
            entity_id=1,
            at=NOW + timedelta(days=3 + day),
        )
    session.commit()
    return session.exec(select(Cycle)).one()


def chain_rows(session: Session, cycle: Cycle) -> list[AuditEntry]:
    session.expire_all()
    return audit.chain_entries(session, audit.cycle_chain(cycle.id))


def verify(session: Session, cycle: Cycle) -> audit.Break | None:
    """The cycle's chain verified as the database now holds it."""
    session.expire_all()
    return audit.verify(session, audit.cycle_chain(cycle.id))


def config_for(tmp_path: Path, database_url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return str(path)


def test_rows_about_a_cycle_and_its_records_chain_in_the_cycles_chain(cycle, session):
    rows = chain_rows(session, cycle)
    assert [row.action for row in rows] == ["cycle.open", "score.submit", *["cycle.nudge"] * 3]
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(rows))
    assert examinee_of(session, OFFICER).cycle_id == cycle.id
    assert "roster.import" in [row.action for row in audit.chain_entries(session, audit.ORGANISATION)]
    assert all(audit.verify(session, chain) is None for chain in audit.chains(session))


def test_an_edited_row_is_named(cycle, session):
    target = chain_rows(session, cycle)[1]
    session.execute(text("UPDATE auditentry SET actor = 'member:999' WHERE id = :id"), {"id": target.id})
    session.commit()
    found = verify(session, cycle)
    assert found is not None and found.kind == Tamper.CHANGED and found.row.id == target.id


def test_a_row_edited_and_rehashed_is_named_by_the_next_rows_link(cycle, session):
    target = chain_rows(session, cycle)[2]
    target.reason = "backdated"
    target.hash = audit.digest(target)
    session.add(target)
    session.commit()
    found = verify(session, cycle)
    assert found is not None and found.kind == Tamper.CHANGED and found.row.id == target.id


def test_a_deleted_row_is_named_by_its_place(cycle, session):
    rows = chain_rows(session, cycle)
    session.execute(text("DELETE FROM auditentry WHERE id = :id"), {"id": rows[2].id})
    session.commit()
    found = verify(session, cycle)
    assert found is not None and found.kind == Tamper.DELETED and found.missing == (3, 3)
    assert found.row.id == rows[3].id


def test_the_last_row_deleted_shows_against_the_chain_head(cycle, session):
    rows = chain_rows(session, cycle)
    session.execute(text("DELETE FROM auditentry WHERE id = :id"), {"id": rows[-1].id})
    session.commit()
    found = verify(session, cycle)
    assert found is not None and found.kind == Tamper.DELETED and found.missing == (5, 5)


def test_an_inserted_row_is_named(cycle, session):
    rows = chain_rows(session, cycle)
    forged = AuditEntry(
        at=rows[1].at,
        actor="member:3",
        action="score.submit",
        entity="score_sheet",
        entity_id="1",
        chain=rows[0].chain,
        seq=len(rows) + 1,
        prev_hash=rows[-1].hash,
        hash="",
    )
    forged.hash = audit.digest(forged)  # even correctly linked: it is beyond the head
    session.add(forged)
    session.commit()
    found = verify(session, cycle)
    assert found is not None and found.kind == Tamper.INSERTED and found.row.id == forged.id


def test_kaohe_audit_verify_passes_a_whole_log_and_names_a_changed_row(
    cycle, session, tmp_path, database_url, capsys
):
    config = config_for(tmp_path, database_url)
    assert main(["--config", config, "audit", "verify", "--cycle", cycle.name]) == 0
    assert "审计日志完整（5 条" in capsys.readouterr().out
    target = chain_rows(session, cycle)[3]
    session.execute(text("UPDATE auditentry SET reason = 'x' WHERE id = :id"), {"id": target.id})
    session.commit()
    assert main(["--config", config, "audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"第 4 条审计记录（id {target.id}" in out and "被修改过" in out
    assert "✓ 组织（名单、邀请）" in out  # the other chain is whole


def test_two_writers_appending_at_once_do_not_fork_the_chain(cycle, engine, session):
    """The first writer holds the chain's head until it commits; the second waits, then appends after it."""
    first_locked, order = threading.Event(), []

    def write(name: str, hold: bool) -> None:
        with Session(engine) as own:
            audit.record(own, actor=name, action="cycle.nudge", entity="cycle", entity_id=cycle.id)
            if hold:
                first_locked.set()
                threading.Event().wait(0.5)
            own.commit()
            order.append(name)

    first = threading.Thread(target=write, args=("first", True))
    first.start()
    first_locked.wait(5)
    second = threading.Thread(target=write, args=("second", False))
    second.start()
    first.join(10)
    second.join(10)
    assert order == ["first", "second"]
    rows = chain_rows(session, cycle)
    assert [row.actor for row in rows[-2:]] == ["first", "second"] and [row.seq for row in rows[-2:]] == [
        6,
        7,
    ]
    assert verify(session, cycle) is None
