"""What a signature signs (签字所据): a SHA-256 over the results of one version.

The committee's, the president's and the teacher's signatures sign the whole board (every examinee's
item scores, total and grade); an examinee's receipt (被考核者签字) signs their own result as it stands
(``flows.results.result.final_result``, an appeal decision applied). The hash is
stored with the signature, and the archive prints it beside the signature and says whether it still
matches the results it shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal

from flows.results.board import Board
from flows.results.result import Result


def _result(student_no: str, scores: Mapping[str, Decimal], total: Decimal, grade: str) -> list[object]:
    return [student_no, {key: str(points) for key, points in sorted(scores.items())}, str(total), grade]


def _digest(version: int, results: Iterable[list[object]]) -> str:
    content = json.dumps([version, sorted(results, key=str)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def receipt_hash(student_no: str, result: Result) -> str:
    """The hash of one examinee's result that stands, at its version (what their receipt signs)."""
    return _digest(result.version, [_result(student_no, result.scores, result.total, result.grade)])


def board_hash(board: Board) -> str:
    """The hash of every result on the board at its version (what the committee's signatures sign)."""
    results = (_result(e.examinee.student_no, e.scores, e.total, e.grade) for e in board.entries)
    return _digest(board.version, results)
