"""The archive of a cycle (归档备案): export its records, and freeze it for good.

``export_files`` gives the archive as files: the workbook (``flows.archive.workbook``), the printable
forms as one PDF per department (``flows.archive.forms``; ``examinee_file`` one examinee's own), the
appeals' evidence files (``flows.archive.evidence``), and the manifest with a SHA-256 of every file
(``flows.archive.manifest``). ``kaohe export`` writes them to a folder; a committee member gets the
same from ``/export`` (or from the review screen, through ``archive_replies``) as two documents: the
workbook and a ZIP of everything. ``archive_cycle`` freezes a cycle once no appeal is still open, with
a snapshot of every person it names: from then on ``flows.rules.cycles.ensure_writable`` refuses every
write to it, and its exports read only the snapshot, so they stay the same byte for byte. Exports and
archiving are audited.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from flows.appeals.common import window_closes
from flows.archive import evidence
from flows.archive.actions import labeller
from flows.archive.manifest import manifest_files, sha256
from flows.archive.printing import Emit, examinee_forms, file_name, forms
from flows.archive.records import CycleRecord, cycle_basis, gather
from flows.archive.sheets import ZIP_TIME
from flows.archive.workbook import Sheets, SheetsPart, sheets_part
from flows.rules.access import can_export
from flows.rules.cycles import CycleArchived, scheme_of
from flows.ui.chat import Action, Attachment, AttachmentKind, Incoming, Reply
from flows.ui.context import FlowContext
from flows.ui.i18n import render
from storage import accounts, audit
from storage import appeals as appeal_store
from storage import cycles as cycle_store
from storage.archive import archive
from storage.models import OPEN_STATUSES, ArchivedPerson, Cycle

Made = tuple[SheetsPart, dict[str, bytes], dict[str, str]]  # a batch's rows, evidence files kept and missing


class ArchiveError(Exception):
    """A cycle that cannot be archived, with a message key and its parameters."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def export_to(
    session: Session,
    cycle: Cycle,
    tz: ZoneInfo,
    emit: Emit,
    *,
    now: datetime,
    english: bool = False,
    unfetched: Mapping[int, str] | None = None,
    workers: int = 1,
) -> tuple[int, dict[str, str]]:
    """Hand the archive to ``emit`` one file at a time (relative path, bytes): ``<cycle>.xlsx``, the
    departments' PDFs (drawn in ``workers`` processes), the evidence files kept, ``SHA256SUMS`` and
    ``manifest.json`` (which alone records ``now``, and names the evidence files missing: why, from
    ``unfetched`` by evidence id); labels in Chinese, with English if asked. The cycle is read one
    department at a time (``flows.archive.printing.forms``). Returns how many files, and the evidence
    files missing."""
    basis = cycle_basis(session, cycle, dict(unfetched or {}))
    label = labeller(english)
    written: dict[str, tuple[int, str]] = {}
    missing: dict[str, str] = {}

    def hashed(path: str, data: bytes) -> None:
        written[path] = (len(data), sha256(data))
        emit(path, data)

    book = Sheets(basis, tz, label)

    def make(record: CycleRecord) -> Made:  # of a batch of departments' records, where they are read
        return sheets_part(book.book, record), evidence.files(record), evidence.missing(record)

    def each(made: Made) -> None:  # in roster order
        rows, files, unkept = made
        book.add(rows)
        for path, data in files.items():
            hashed(path, data)
        missing.update(unkept)

    workbook = f"{file_name(cycle.name)}.xlsx"
    forms(
        session,
        basis,
        tz,
        label,
        hashed,
        make,
        each,
        workers=workers,
        then=lambda: hashed(workbook, book.bytes()),
    )
    for path, data in manifest_files(written, basis, now.astimezone(tz), missing=missing).items():
        emit(path, data)
    return len(written) + 2, missing


def export_files(
    session: Session,
    cycle: Cycle,
    tz: ZoneInfo,
    *,
    now: datetime,
    english: bool = False,
    workers: int = 1,
) -> dict[str, bytes]:
    """The archive as files by relative path (see ``export_to``)."""
    files: dict[str, bytes] = {}
    export_to(session, cycle, tz, files.__setitem__, now=now, english=english, workers=workers)
    return files


def examinee_file(
    session: Session, cycle: Cycle, tz: ZoneInfo, student_no: str, *, english: bool = False
) -> tuple[str, bytes]:
    """One examinee's own forms (``forms/<team>/<student no>-<name>.pdf``), made on demand; the bulk
    export prints them in their department's PDF. ``KeyError`` for a student number not examined."""
    return examinee_forms(session, cycle_basis(session, cycle), tz, labeller(english), student_no)


def zipped(files: dict[str, bytes]) -> bytes:
    """The files as one ZIP (fixed member times: the same files give the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive_file:
        for path, data in sorted(files.items()):
            archive_file.writestr(zipfile.ZipInfo(path, date_time=ZIP_TIME), data)
    return buffer.getvalue()


def record_export(session: Session, cycle: Cycle, *, actor: str, now: datetime) -> None:
    audit.record(session, actor=actor, action="archive.export", entity="cycle", entity_id=cycle.id, at=now)


def archive_replies(context: FlowContext, cycle: Cycle, actor: str, locale: str) -> list[Action]:
    """The archive of ``cycle`` as two documents (the workbook, the forms zipped), for the committee."""
    files = export_files(context.session, cycle, context.tz, now=context.now)
    name = file_name(cycle.name)
    book = files[f"{name}.xlsx"]
    record_export(context.session, cycle, actor=actor, now=context.now)
    return [
        Reply(
            render(locale, "archive_workbook_caption", cycle=cycle.name),
            attachment=Attachment(AttachmentKind.DOCUMENT, f"{name}.xlsx", book),
        ),
        Reply(
            render(locale, "archive_forms_caption", cycle=cycle.name, count=len(files)),
            attachment=Attachment(AttachmentKind.DOCUMENT, f"{name}-archive.zip", zipped(files)),
        ),
    ]


def export(context: FlowContext, incoming: Incoming) -> list[Action]:
    """``/export`` (the newest open cycle) or ``/export NAME``: the archive, for committee members only."""
    locale = context.locale(incoming)
    member = accounts.member_of_user(context.session, incoming.telegram_user_id)
    if member is None or not can_export(member):
        return [Reply(render(locale, "archive_committee_only"))]
    name = incoming.argument
    cycle = (
        cycle_store.cycle_by_name(context.session, name)
        if name
        else cycle_store.latest_cycle(context.session)
    )
    if cycle is None:
        return [Reply(render(locale, "archive_no_cycle", name=name))]
    return archive_replies(context, cycle, f"member:{member.id}", locale)


def ensure_archivable(session: Session, cycle: Cycle, *, now: datetime, tz: ZoneInfo) -> None:
    """Refuse (``ArchiveError``) to archive ``cycle`` while examinees may still appeal, while an appeal is
    still open, and when it is archived already."""
    if cycle.archived_at is not None:
        raise ArchiveError("archive_already", cycle=cycle.name)
    closes = window_closes(cycle, scheme_of(cycle))
    if closes is not None and now < closes:
        raise ArchiveError(
            "archive_window_open", cycle=cycle.name, closes=f"{closes.astimezone(tz):%Y-%m-%d %H:%M}"
        )
    still_open = [e.name for a, e in appeal_store.of_cycle(session, cycle.id) if a.status in OPEN_STATUSES]
    if still_open:
        raise ArchiveError("archive_open_appeals", cycle=cycle.name, names="、".join(still_open))


def archive_cycle(session: Session, cycle: Cycle, *, actor: str, now: datetime, tz: ZoneInfo) -> None:
    """Freeze ``cycle`` (归档), unless ``ensure_archivable`` refuses it."""
    ensure_archivable(session, cycle, now=now, tz=tz)
    named = gather(session, cycle).people.values()
    people = [p if isinstance(p, ArchivedPerson) else p.frozen() for p in named]
    archive(session, cycle, people, actor=actor, now=now)


def refusal(error: CycleArchived, locale: str) -> str:
    """What a person is told when they try to change an archived cycle."""
    return render(locale, "archive_frozen", cycle=error.cycle.name)
