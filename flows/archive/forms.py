"""Printable forms for the archive: per examinee one HTML page (Jinja2, ``flows/templates``) holding the
self-assessment (自我评定表, 附表一) and the score sheet (评分表, 附表三) with signatures and times.

The pages print on A4 from any browser. They are not turned into PDF: Chinese text in a PDF needs a
CJK font embedded, which no Python package ships, and the HTML-to-PDF libraries need system
libraries (WeasyPrint: Pango) this project does not otherwise depend on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from flows.archive.records import SIGNATURE_ROLES, CycleRecord, ExamineeRecord
from flows.rules.names import POSITION_NAMES
from storage.appeal_models import Outcome
from storage.models import Position

TEMPLATES = Path(__file__).parent.parent / "templates"
_ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined, trim_blocks=True
)


def file_name(text: str) -> str:
    """``text`` made safe as one part of a path (no separators, no control characters)."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", text).strip(" .") or "_"


def forms(record: CycleRecord, tz: ZoneInfo) -> dict[str, bytes]:
    """Every examinee's forms: ``forms/<team>/<student no>-<name>.html`` → the page."""
    template = _ENVIRONMENT.get_template("examinee_forms.html")
    pages = {}
    for examinee_record in record.examinees:
        examinee = examinee_record.examinee
        path = f"forms/{file_name(examinee.team)}/{file_name(f'{examinee.student_no}-{examinee.name}')}.html"
        pages[path] = template.render(**_context(record, examinee_record, tz)).encode("utf-8")
    return pages


def _context(record: CycleRecord, r: ExamineeRecord, tz: ZoneInfo) -> dict[str, object]:
    scheme, examinee, assessment, result = record.scheme, r.examinee, r.assessment, r.final

    def local(moment: datetime | None) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    rubric = scheme.rubric
    items = [
        {
            "dimension": rubric.dimension_of(item.key).name.zh,
            "item": item.name.zh,
            "max": item.points,
            "points": result.scores.get(item.key, "") if result else "",
            "changed": result is not None and item.key in result.changed,
        }
        for item in rubric.items
    ]
    signatures = [
        {
            "role": names.zh,
            "role_en": names.en,
            "name": r.signatures[role].name if role in r.signatures else "",
            "at": local(r.signatures[role].at) if role in r.signatures else "",
            "comment": (r.signatures[role].comment or "") if role in r.signatures else "",
        }
        for role, names in SIGNATURE_ROLES.items()
    ]
    changed = r.appeal is not None and r.appeal.outcome == Outcome.CHANGED
    return {
        "cycle": record.cycle.name,
        "examinee": examinee,
        "department": examinee.department or examinee.team,
        "position": POSITION_NAMES[Position(examinee.position)].zh,
        "term_start": (
            assessment.term_start if assessment and assessment.term_start else examinee.term_start
        ),
        "college": (assessment.college if assessment and assessment.college else examinee.college),
        "filled": local(assessment.submitted_at if assessment else None)[:10],
        "sections": [
            {"title": s.title.zh, "title_en": s.title.en, "text": r.answers.get(s.key, "")}
            for s in scheme.self_assessment.sections
        ],
        "self_scores": [
            f"{item.name.zh} {r.self_scores[item.key]}/{item.points}"
            for item in rubric.items
            if item.key in r.self_scores
        ],
        "self_signature": {"name": r.self_signature.name, "at": local(r.self_signature.at)}
        if r.self_signature
        else None,
        "items": items,
        "total": result.total if result else "",
        "total_max": rubric.total,
        "grade": f"{result.grade}（{scheme.grade(result.grade).name.zh}）" if result else "",
        "comment": r.sheet.comment if r.sheet and r.sheet.comment else "",
        "decision": _decision_note(r, local) if changed else "",
        "signatures": signatures,
    }


def _decision_note(r: ExamineeRecord, local: Callable[[datetime | None], str]) -> str:
    assert r.appeal is not None
    when = local(r.appeal.decided_at)
    return f"经申诉，考核小组于 {when} 最终裁定更改 (changed by the committee's final decision on appeal)"
