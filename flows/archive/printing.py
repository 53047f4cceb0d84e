"""The archive's printed forms as PDFs (``flows.archive.forms`` lays out each examinee's): ``forms``
gives one PDF per department (its examinees' forms in roster order), drawn in parallel when asked;
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
from zoneinfo import ZoneInfo

from reportlab.platypus import Flowable, PageBreak

from flows.archive.actions import Label
from flows.archive.forms import Forms
from flows.archive.pdf import print_pdf
from flows.archive.records import CycleRecord, ExamineeRecord
from flows.review.board import group_of
from flows.rules.names import Names

Emit = Callable[[str, bytes], None]


def file_name(text: str) -> str:
    """``text`` made safe as one part of a path (no separators, no control characters)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", text).strip(" .") or "_"


@dataclass(frozen=True)
class Department:
    """One department's PDF: its path, its pages' header and its examinees in roster order."""

    path: str
    header: str
    examinees: list[ExamineeRecord]


def departments(record: CycleRecord, label: Label) -> list[Department]:
    """The cycle's examinees by department (``departments/<team>-<department>.pdf``; a team's
    presidium is 主席团), in the order each department first appears."""
    groups: dict[str, Department] = {}
    for r in record.examinees:
        team, department = group_of(r.examinee)
        name = department or label(Names("主席团", "presidium"))
        path = f"departments/{file_name(f'{team}-{name}')}.pdf"
        if path not in groups:
            groups[path] = Department(path, f"{record.cycle.name} · {team} · {name}", [])
        groups[path].examinees.append(r)
    return list(groups.values())


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


_drawing: tuple[Forms, list[Department]] | None = None  # in a worker process: what it draws from


def _start_worker(writer: Forms, groups: list[Department]) -> None:
    global _drawing
    _drawing = (writer, groups)


def _draw_department(index: int) -> bytes:
    assert _drawing is not None
    writer, groups = _drawing
    return draw(writer, groups[index].header, groups[index].examinees)


def forms(
    record: CycleRecord,
    tz: ZoneInfo,
    label: Label,
    emit: Emit,
    *,
    workers: int = 1,
    meanwhile: Callable[[], None] = lambda: None,
) -> None:
    """Each department's forms as one PDF, handed to ``emit`` as soon as it is drawn; with
    ``workers`` > 1 drawn in that many forked processes, biggest department first (each PDF's bytes
    are the same whichever process draws it), while this process does ``meanwhile`` (the workbook)."""
    writer, groups = Forms(record, tz, label), departments(record, label)
    if workers <= 1 or len(groups) <= 1:
        meanwhile()
        for group in groups:
            emit(group.path, draw(writer, group.header, group.examinees))
        return
    context = multiprocessing.get_context("fork")  # the workers inherit the record: nothing pickled
    gc.freeze()  # no process scans the record's millions of objects again (nor copies them by doing so)
    try:
        with ProcessPoolExecutor(workers, context, _start_worker, (writer, groups)) as pool:
            order = sorted(range(len(groups)), key=lambda i: -len(groups[i].examinees))
            drawn = {pool.submit(_draw_department, i): groups[i].path for i in order}
            meanwhile()
            for future in as_completed(drawn):
                emit(drawn[future], future.result())
    finally:
        gc.unfreeze()


def examinee_forms(record: CycleRecord, tz: ZoneInfo, label: Label, student_no: str) -> tuple[str, bytes]:
    """One examinee's forms as their own PDF (``forms/<team>/<student no>-<name>.pdf``), for
    ``kaohe export --examinee``. ``KeyError`` when ``student_no`` is not an examinee of the cycle."""
    r = next((r for r in record.examinees if r.examinee.student_no == student_no), None)
    if r is None:
        raise KeyError(student_no)
    e = r.examinee
    path = f"forms/{file_name(e.team)}/{file_name(f'{e.student_no}-{e.name}')}.pdf"
    return path, draw(Forms(record, tz, label), f"{record.cycle.name} · {e.team} · {e.name}", [r])
