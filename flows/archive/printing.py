"""The archive's printed forms as PDFs (``flows.archive.forms`` lays out each examinee's): ``forms``
gives one PDF per department (its examinees' forms in roster order), drawn in parallel when asked,
one department's records at a time;
``examinee_forms`` one examinee's own PDF, on demand (docs/archive.md says why the bulk export no
longer holds one PDF per examinee).
"""

from __future__ import annotations

import gc
import multiprocessing
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import cast
from zoneinfo import ZoneInfo

from reportlab.platypus import Flowable, PageBreak
from sqlalchemy import Engine
from sqlmodel import Session

from flows.archive.actions import Label
from flows.archive.forms import Forms
from flows.archive.pdf import print_pdf
from flows.archive.records import CycleRecord, ExamineeRecord, part
from flows.review.board import GroupKey, group_of
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


class Story(list[Flowable]):
    """A PDF's story laid out one examinee at a time: topped up whenever the document template asks
    how much is left (every step of its loop does), so that a department of 890 is never in memory
    as flowables all at once."""

    def __init__(self, parts: Iterator[list[Flowable]]) -> None:
        super().__init__()
        self.pending = parts

    def __len__(self) -> int:
        while super().__len__() < 2:
            following = next(self.pending, None)
            if following is None:
                break
            self.extend(following)
        return super().__len__()


def draw(writer: Forms, header: str, examinees: Sequence[ExamineeRecord]) -> bytes:
    """One PDF of ``examinees``' forms, each examinee starting on a new page."""
    parts = ([*([PageBreak()] if n else []), *writer.story(r)] for n, r in enumerate(examinees))
    return print_pdf(Story(parts), header, provisional=writer.record.provisional)


Part = Callable[[CycleRecord], None]


@dataclass(frozen=True)
class _Drawing:
    """What a worker process draws from: the cycle's basis and departments, and the database."""

    engine: Engine
    basis: CycleRecord
    tz: ZoneInfo
    label: Label
    groups: list[Department]


_drawing: _Drawing | None = None  # in a worker process


def _start_worker(drawing: _Drawing) -> None:
    """A forked worker's start: the parent's database connections are the parent's (``dispose`` with
    ``close=False`` forgets them without closing them); the worker opens its own."""
    global _drawing
    drawing.engine.dispose(close=False)
    _drawing = drawing


def _draw_department(index: int) -> bytes:
    assert _drawing is not None
    group = _drawing.groups[index]
    with Session(_drawing.engine) as session:
        record = part(session, _drawing.basis, group.groups)
    return draw(Forms(record, _drawing.tz, _drawing.label), group.header, record.examinees)


def forms(
    session: Session,
    basis: CycleRecord,
    tz: ZoneInfo,
    label: Label,
    emit: Emit,
    *,
    workers: int = 1,
    each: Part = lambda record: None,
) -> None:
    """Each department's forms as one PDF, handed to ``emit`` as soon as it is drawn, and each
    department's record handed to ``each`` in roster order (the workbook is written from them): one
    department's records at a time. With ``workers`` > 1 (on a database in a file or a server) the
    PDFs are drawn in that many forked processes, biggest department first, each reading its
    department itself (each PDF's bytes are the same whichever process draws it), while this process
    reads them again for ``each``."""
    groups = departments(basis, label)
    engine = cast(Engine, session.get_bind())
    in_memory = engine.url.database in (None, "", ":memory:")  # a worker could not read it
    if workers <= 1 or len(groups) <= 1 or in_memory:
        for group in groups:
            record = part(session, basis, group.groups)
            emit(group.path, draw(Forms(record, tz, label), group.header, record.examinees))
            each(record)
        return
    context = multiprocessing.get_context("fork")  # the workers inherit the basis: nothing pickled
    gc.freeze()  # no process scans the basis's objects again (nor copies them by doing so)
    drawing = _Drawing(engine, basis, tz, label, groups)
    try:
        with ProcessPoolExecutor(workers, context, _start_worker, (drawing,)) as pool:
            order = sorted(range(len(groups)), key=lambda i: -groups[i].size)
            drawn = {pool.submit(_draw_department, i): groups[i].path for i in order}
            for group in groups:
                each(part(session, basis, group.groups))
                for future in [future for future in drawn if future.done()]:
                    emit(drawn.pop(future), future.result())
            for future in as_completed(drawn):
                emit(drawn[future], future.result())
    finally:
        gc.unfreeze()


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
