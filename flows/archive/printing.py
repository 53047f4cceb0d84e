"""The archive's printed forms as PDFs (``flows.archive.forms`` lays out each examinee's): ``forms``
gives one PDF per department (its examinees' forms in roster order), drawn in parallel when asked,
one department's records at a time;
``examinee_forms`` one examinee's own PDF, on demand (docs/archive.md says why the bulk export no
longer holds one PDF per examinee).
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import re
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from reportlab.platypus import PageBreak
from sqlalchemy import Engine
from sqlmodel import Session

from flows.archive.actions import Label
from flows.archive.forms import Forms
from flows.archive.pdf import print_pdf
from flows.archive.records import CycleRecord, ExamineeRecord, part
from flows.results.board import GroupKey, group_of
from flows.rules.names import Names

Emit = Callable[[str, bytes], None]


def file_name(text: str) -> str:
    """``text`` made safe as one part of a path (no separators, no control characters)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", text).strip(" .") or "_"


@dataclass(frozen=True)
class Department:
    """One department's PDF: its path, its pages' header, the board's groups printed in it (one, unless
    two file names are alike) and how many examinees it has."""

    path: str
    header: str
    groups: list[GroupKey]
    size: int


def departments(record: CycleRecord, label: Label) -> list[Department]:
    """The cycle's departments (``departments/<team>-<department>.pdf``; a team's presidium is
    主席团), in roster order, as the review board has them."""
    found: dict[str, Department] = {}
    for group in record.board.groups:
        team, department = group.key
        name = department or label(Names("主席团", "presidium"))
        path = f"departments/{file_name(f'{team}-{name}')}.pdf"
        if path in found:
            before = found[path]
            found[path] = Department(
                path, before.header, [*before.groups, group.key], before.size + len(group.entries)
            )
        else:
            found[path] = Department(
                path, f"{record.cycle.name} · {team} · {name}", [group.key], len(group.entries)
            )
    return list(found.values())


def draw(writer: Forms, header: str, examinees: Sequence[ExamineeRecord]) -> bytes:
    """One PDF of ``examinees``' forms, each examinee starting on a new page, laid out one examinee
    at a time as the pages take them (a department of 890 is never in memory as flowables at once)."""
    parts = ([*([PageBreak()] if n else []), *writer.story(r)] for n, r in enumerate(examinees))
    return print_pdf(chain.from_iterable(parts), header, provisional=writer.record.provisional)


Made = TypeVar("Made")
BATCH = 400  # examinees read at once: departments together up to this many, or one bigger department


def batches(groups: list[Department], most: int) -> list[list[Department]]:
    """The departments in roster order, those next to each other together while they have at most
    ``most`` examinees (a bigger department alone): a few queries per batch, not per department."""
    found: list[list[Department]] = []
    size = 0
    for group in groups:
        if not found or size + group.size > most:
            found.append([])
            size = 0
        found[-1].append(group)
        size += group.size
    return found


def drawing_order(parted: list[list[Department]]) -> list[int]:
    """The order the workers take the batches in: biggest first (the workers finish together), but
    the biggest of all last. Its rows are the last to reach this process, which writes the workbook
    once it has every batch's: drawing that batch (some 4 s at 890 examinees) then keeps a core busy
    while the workbook is written (some 3–4 s), instead of a small batch's fraction of a second and
    the workbook alone on one core afterwards."""
    order = sorted(range(len(parted)), key=lambda i: -sum(group.size for group in parted[i]))
    return [*order[1:], *order[:1]]


def _runs(batch: list[Department], place: dict[GroupKey, int]) -> list[list[GroupKey]]:
    """The board's groups in ``batch``, in the board's order, cut where the board has others between
    them (two departments printed in one PDF may be far apart on the board)."""
    runs: list[list[GroupKey]] = []
    for key in sorted((key for group in batch for key in group.groups), key=place.__getitem__):
        if runs and place[key] == place[runs[-1][-1]] + 1:
            runs[-1].append(key)
        else:
            runs.append([key])
    return runs


def _made(
    record: CycleRecord,
    batch: list[Department],
    place: dict[GroupKey, int],
    make: Callable[[CycleRecord], Made],
) -> list[tuple[int, Made]]:
    """What ``make`` makes of ``batch``'s records (the workbook's rows), a run of the board's groups at
    a time (``_runs``: most batches are one), each with the board's place of its first group."""
    runs = _runs(batch, place)
    if len(runs) == 1:
        return [(place[runs[0][0]], make(record))]
    made = []
    for run in runs:
        keys = set(run)
        examinees = [r for r in record.examinees if group_of(r.examinee) in keys]
        made.append((place[run[0]], make(replace(record, examinees=examinees))))
    return made


class _Ordered(Generic[Made]):
    """What was made of the runs starting at the board's places ``starts``, handed to ``each`` in the
    board's order as it comes in (in any order)."""

    def __init__(self, starts: list[int], each: Callable[[Made], None]) -> None:
        self.starts, self.each = sorted(starts), each
        self.following = 0
        self.waiting: dict[int, Made] = {}

    @property
    def done(self) -> bool:
        return self.following == len(self.starts)

    def add(self, start: int, made: Made) -> None:
        self.waiting[start] = made
        while not self.done and self.starts[self.following] in self.waiting:
            self.each(self.waiting.pop(self.starts[self.following]))
            self.following += 1


def _read(session: Session, basis: CycleRecord, batch: list[Department]) -> CycleRecord:
    return part(session, basis, [key for group in batch for key in group.groups])


def _draw_batch(writer: Forms, batch: list[Department]) -> list[tuple[str, bytes]]:
    """Each department of ``batch`` drawn from ``writer``'s record (which holds the batch's records)."""
    drawn = []
    for group in batch:
        keys = set(group.groups)
        examinees = [r for r in writer.record.examinees if group_of(r.examinee) in keys]
        drawn.append((group.path, draw(writer, group.header, examinees)))
    return drawn


@dataclass(frozen=True)
class _Drawing(Generic[Made]):
    """What a worker process draws from: the cycle's basis and batches of departments, the database,
    what it makes of each batch besides the PDFs (``make``) and where it sends that (``made``)."""

    engine: Engine
    basis: CycleRecord
    tz: ZoneInfo
    label: Label
    batches: list[list[Department]]
    place: dict[GroupKey, int]  # each group's place on the board
    make: Callable[[CycleRecord], Made]
    made: Any  # a multiprocessing queue of (the board's place of a run, what ``make`` made of it)


_drawing: _Drawing[Any] | None = None  # in a worker process


def _start_worker(drawing: _Drawing[Any]) -> None:
    """A forked worker's start: the parent's database connections are the parent's (``dispose`` with
    ``close=False`` forgets them without closing them); the worker opens its own."""
    global _drawing
    drawing.engine.dispose(close=False)
    drawing.made.cancel_join_thread()  # never kept from exiting by what the parent no longer reads
    _drawing = drawing


def _draw_in_worker(index: int) -> list[tuple[str, bytes]]:
    """Batch ``index`` read once: what ``make`` makes of it sent to the parent at once (the workbook's
    rows: the parent needs every batch's before it writes the workbook), then its PDFs drawn."""
    assert _drawing is not None
    batch = _drawing.batches[index]
    with Session(_drawing.engine) as session:
        record = _read(session, _drawing.basis, batch)
    for made in _made(record, batch, _drawing.place, _drawing.make):
        _drawing.made.put(made)
    return _draw_batch(Forms(record, _drawing.tz, _drawing.label), batch)


def _hand_on(drawn: list[Future[list[tuple[str, bytes]]]], emit: Emit) -> None:
    """Hand on each batch's PDFs as soon as drawn, and let go of them (the list of futures is emptied:
    a future keeps its result)."""
    pending = set(drawn)
    drawn.clear()
    while pending:
        done, pending = wait(pending, return_when=FIRST_COMPLETED)
        while done:
            for path, data in done.pop().result():
                emit(path, data)


def _in_order(made: Any, ordered: _Ordered[Made], drawing: Future[None]) -> None:
    """What the workers made of the batches' runs, handed on in the board's order (``ordered``) as it
    arrives. A worker that failed stops the wait: ``drawing`` (handing on the PDFs) then ends with its
    error."""
    while not ordered.done:
        if drawing.done():
            drawing.result()  # a worker's error; else every batch was drawn: what was made is on its way
        try:
            start, part = made.get(timeout=60 if drawing.done() else 0.5)
        except queue.Empty:
            if drawing.done():
                raise RuntimeError("a batch was drawn but what was made of it never came") from None
            continue
        ordered.add(start, part)


def forms(
    session: Session,
    basis: CycleRecord,
    tz: ZoneInfo,
    label: Label,
    emit: Emit,
    make: Callable[[CycleRecord], Made],
    each: Callable[[Made], None],
    *,
    workers: int = 1,
    then: Callable[[], None] = lambda: None,
) -> None:
    """Each department's forms as one PDF, handed to ``emit`` as soon as it is drawn; what ``make``
    makes of a batch's records (the workbook's rows) handed to ``each`` a batch at a time (a run of
    the board's groups at a time when a PDF holds departments far apart on the board), in the board's
    order; then ``then`` (writing the workbook). Never more than a batch's records at once
    (``BATCH``), each batch read once. With ``workers`` > 1 (on a database in a file or a server) the
    batches are read and drawn in that many forked processes, in ``drawing_order`` (each PDF's bytes
    are the same whichever process draws it), which send what ``make`` made as soon as they have read
    a batch: this process only puts it in order (and writes the workbook meanwhile)."""
    parted = batches(departments(basis, label), BATCH)
    place = {group.key: n for n, group in enumerate(basis.board.groups)}
    ordered = _Ordered([place[run[0]] for batch in parted for run in _runs(batch, place)], each)
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    in_memory = engine.url.database in (None, "", ":memory:")  # a worker could not read it
    if workers <= 1 or len(parted) <= 1 or in_memory:
        for batch in parted:
            record = _read(session, basis, batch)
            made = _made(record, batch, place, make)
            for path, data in _draw_batch(Forms(record, tz, label), batch):
                emit(path, data)
            for start, part in made:
                ordered.add(start, part)
            del record, made
        then()
        return
    context = multiprocessing.get_context("fork")  # the workers inherit the basis: nothing pickled
    sent = context.Queue()
    gc.freeze()  # no process scans the basis's objects again (nor copies them by doing so)
    try:
        drawing = _Drawing(engine, basis, tz, label, parted, place, make, sent)
        with ProcessPoolExecutor(workers, context, _start_worker, (drawing,)) as pool:
            drawn = [pool.submit(_draw_in_worker, i) for i in drawing_order(parted)]
            with ThreadPoolExecutor(1) as receiver:  # each batch's PDFs handed on as soon as drawn
                received = receiver.submit(_hand_on, drawn, emit)
                _in_order(sent, ordered, received)
                then()
                received.result()
    finally:
        gc.unfreeze()
        sent.close()


def examinee_forms(
    session: Session, basis: CycleRecord, tz: ZoneInfo, label: Label, student_no: str
) -> tuple[str, bytes]:
    """One examinee's forms as their own PDF (``forms/<team>/<student no>-<name>.pdf``), for
    ``kaohe export --examinee`` (their department's records read). ``KeyError`` when ``student_no``
    is not an examinee of the cycle."""
    entry = next((e for e in basis.board.entries if e.examinee.student_no == student_no), None)
    if entry is None:
        raise KeyError(student_no)
    record = part(session, basis, [group_of(entry.examinee)])
    r = next(r for r in record.examinees if r.examinee.student_no == student_no)
    e = r.examinee
    path = f"forms/{file_name(e.team)}/{file_name(f'{e.student_no}-{e.name}')}.pdf"
    return path, draw(Forms(record, tz, label), f"{record.cycle.name} · {e.team} · {e.name}", [r])
