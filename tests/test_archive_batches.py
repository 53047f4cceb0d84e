"""The archive is read a batch of departments at a time (``flows.archive.printing.BATCH``): never the
whole cycle's examinee records at once, and the same files however it is parted, in one process or
in several."""

from __future__ import annotations

import io
import weakref
from datetime import timedelta

import pytest
from appeal_helpers import RELEASED
from archive_helpers import decided_and_interviewed
from cycle_helpers import SHANGHAI
from openpyxl import load_workbook
from sqlmodel import select

from flows.archive import printing, records
from flows.archive.actions import labeller
from flows.archive.export import export_files
from storage.models import Cycle, CycleExaminee


@pytest.fixture
def cycle(session, sample_roster) -> Cycle:
    decided_and_interviewed(session, sample_roster)
    return session.exec(select(Cycle)).one()


class Held:
    """How many examinee records were alive at once, at most (counted as each one is made)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.alive = self.most = 0
        held = self

        class Counted(records.ExamineeRecord):
            def __init__(self, **fields: object) -> None:
                super().__init__(**fields)  # type: ignore[arg-type]
                held.alive += 1
                held.most = max(held.most, held.alive)
                weakref.finalize(self, held.gone)

        monkeypatch.setattr(records, "ExamineeRecord", Counted)

    def gone(self) -> None:
        self.alive -= 1


def export(session, cycle: Cycle, workers: int = 1) -> dict[str, bytes]:
    return export_files(session, cycle, SHANGHAI, now=RELEASED + timedelta(days=30), workers=workers)


def test_the_export_holds_one_batch_of_examinee_records_at_a_time(session, cycle, monkeypatch):
    whole = export(session, cycle)  # the sample cycle is one batch
    monkeypatch.setattr(printing, "BATCH", 10)
    parted = printing.batches(printing.departments(records.cycle_basis(session, cycle), labeller(False)), 10)
    biggest = max(sum(department.size for department in batch) for batch in parted)
    examinees = sum(department.size for batch in parted for department in batch)
    held = Held(monkeypatch)
    assert export(session, cycle) == whole
    assert len(parted) > 2 and biggest < examinees / 2
    assert 0 < held.most <= biggest


def test_batches_drawn_by_worker_processes_are_the_same_files(session, cycle, monkeypatch):
    whole = export(session, cycle)
    monkeypatch.setattr(printing, "BATCH", 10)
    assert export(session, cycle, workers=2) == whole


def test_departments_are_batched_in_roster_order_up_to_the_limit_or_alone():
    sizes = [3, 4, 9, 12, 2, 2]
    departments = [printing.Department(f"d{n}", "", [(f"t{n}", None)], size) for n, size in enumerate(sizes)]
    batched = printing.batches(departments, 10)
    assert [[d.size for d in batch] for batch in batched] == [[3, 4], [9], [12], [2, 2]]


def test_workers_take_the_biggest_batch_last_and_the_others_biggest_first():
    sizes = [[3, 4], [9], [12], [2, 2], [5]]
    parted = [
        [printing.Department(f"d{n}", "", [(f"t{n}", None)], size) for size in batch]
        for n, batch in enumerate(sizes)
    ]
    assert printing.drawing_order(parted) == [1, 0, 4, 3, 2]


def test_a_worker_that_fails_fails_the_export_instead_of_leaving_it_waiting(session, cycle, monkeypatch):
    monkeypatch.setattr(printing, "BATCH", 10)

    def broken(writer: object, batch: object) -> list[tuple[str, bytes]]:
        raise RuntimeError("the drawing failed")

    monkeypatch.setattr(printing, "_draw_batch", broken)  # the workers are forked with it
    with pytest.raises(RuntimeError, match="the drawing failed"):
        export(session, cycle, workers=2)


def test_departments_printed_in_one_pdf_keep_the_boards_order_in_the_workbook(session, cycle, monkeypatch):
    """甲/乙-丙 and 甲-乙/丙 are both printed in 甲-乙-丙.pdf; the workbook still lists 甲/戊 between them."""
    board = records.cycle_basis(session, cycle).board
    renamed = {board.groups[0].key: ("甲", "乙-丙"), board.groups[1].key: ("甲", "戊")}
    renamed[board.groups[2].key] = ("甲-乙", "丙")
    for examinee in session.exec(select(CycleExaminee).where(CycleExaminee.cycle_id == cycle.id)):
        if (examinee.team, examinee.department) in renamed:
            examinee.team, examinee.department = renamed[examinee.team, examinee.department]
            session.add(examinee)
    session.commit()
    board = records.cycle_basis(session, cycle).board
    assert [group.key for group in board.groups[-3:]] == [("甲", "乙-丙"), ("甲", "戊"), ("甲-乙", "丙")]
    listed = [entry.examinee.student_no for group in board.groups for entry in group.entries]
    monkeypatch.setattr(printing, "BATCH", 1)  # each department read alone
    for workers in (1, 2):
        files = export(session, cycle, workers=workers)
        assert "departments/甲-乙-丙.pdf" in files and "departments/甲-戊.pdf" in files
        book = load_workbook(io.BytesIO(next(data for path, data in files.items() if path.endswith(".xlsx"))))
        shown = [row[1] for row in book["评分表"].iter_rows(min_row=3, values_only=True) if row[1] in listed]
        assert shown == listed
