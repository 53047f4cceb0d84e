"""Appeal evidence in the archive (证明材料): every photo and document an examinee gave is a file of the
archive, ``evidence/<appeal number>-<n><suffix>`` (``n``: its place in the appeal's evidence, as the
appeals sheet and 附表六 number it), which both refer to by that name.

The files' bytes are fetched from Telegram once, by ``kaohe cycle archive`` before it freezes the cycle
or by ``kaohe export`` (``bot.evidence``), and kept in the database (``EvidenceFile``); a file that
could not be fetched is named in the workbook, the form and the manifest with the reason, and the
export goes on without it.
"""

from __future__ import annotations

from collections.abc import Iterator

from flows.archive.actions import Label
from flows.archive.records import CycleRecord, ExamineeRecord
from flows.rules.names import Names
from storage.models import AppealEvidence

FOLDER = "evidence"
KINDS = {
    "text": Names("文字", "text"),
    "photo": Names("照片", "photo"),
    "document": Names("文件", "document"),
}
NOT_FETCHED = "尚未从 Telegram 取得（not fetched from Telegram）"


def pieces(record: CycleRecord) -> Iterator[tuple[ExamineeRecord, int, AppealEvidence]]:
    """Every piece of evidence with its examinee and its place (from 1) in their appeal's evidence."""
    for examinee in record.examinees:
        for number, piece in enumerate(examinee.evidence, 1):
            yield examinee, number, piece


def stem(piece: AppealEvidence, number: int) -> str:
    """The archive's path of the file of a piece, ``number`` in its appeal's evidence, less its suffix."""
    return f"{FOLDER}/{piece.appeal_id}-{number}"


def path_of(record: CycleRecord, piece: AppealEvidence, number: int) -> str:
    """The archive's path of a piece's file (without a suffix while the file is not kept)."""
    kept = record.evidence_files.get(piece.id)
    return stem(piece, number) + (kept.suffix if kept else "")


def files(record: CycleRecord) -> dict[str, bytes]:
    """The kept files of every piece of evidence, by their path in the archive."""
    return {
        path_of(record, piece, number): record.evidence_files[piece.id].data
        for _, number, piece in pieces(record)
        if piece.id in record.evidence_files
    }


def missing(record: CycleRecord) -> dict[str, str]:
    """The files not in the archive, by the path they would have (without a suffix), with the reason."""
    return {
        path_of(record, piece, number): record.unfetched.get(piece.id, NOT_FETCHED)
        for _, number, piece in pieces(record)
        if piece.file_id and piece.id not in record.evidence_files
    }


def evidence_line(record: CycleRecord, piece: AppealEvidence, number: int, label: Label) -> str:
    """``2. 照片：签到表 → evidence/1-2.jpg``, or the reason its file is not in the archive."""
    kind = KINDS.get(str(piece.kind))
    line = f"{number}. {label(kind) if kind else piece.kind}"
    line += f"：{piece.text}" if piece.text else ""
    if not piece.file_id:
        return line
    if piece.id in record.evidence_files:
        return f"{line} → {path_of(record, piece, number)}"
    reason = record.unfetched.get(piece.id, NOT_FETCHED)
    return f"{line}（{label(Names('文件未能取得', 'file not in the archive'))}：{reason}）"
