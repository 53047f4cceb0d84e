"""Migration 0008: rows queued before notices kept their subject get it from their old keys."""

from __future__ import annotations

from alembic import command
from appeal_helpers import examinee_of
from cycle_helpers import NOW, import_sample, open_sample_cycle
from sqlalchemy import text
from sqlmodel import Session, select

from storage import appeals, interviews, review, scoring
from storage.db import _alembic_config, current_revision, head_revision, make_engine, upgrade
from storage.models import AppealOpinion, Interview, Notification, SignatureRole, Subject

OFFICER = "2023000256"  # 郭宇雅, scored by 马凯秀
COMMITTEE = SignatureRole.COMMITTEE


def records(session: Session) -> dict[str, int]:
    """A cycle with an examinee, her sheet, a signature, an appeal with a question, and a talk."""
    cycle = open_sample_cycle(session).cycle
    examinee = examinee_of(session, OFFICER)
    scorer = examinee.scorer_member_id
    sheet = scoring.start_sheet(session, examinee.id, scorer, NOW)
    signature = review.sign(session, cycle_id=cycle.id, role=COMMITTEE, member_id=scorer, version=1, now=NOW)
    appeal = appeals.start(session, examinee.id, NOW)
    opinion = appeals.add_opinion(
        session,
        AppealOpinion(
            appeal_id=appeal.id,
            member_id=examinee.scorer_member_id,
            asked_by_member_id=1,
            question="?",
            asked_at=NOW,
        ),
    )
    talk = interviews.add(
        session,
        Interview(
            examinee_id=examinee.id,
            held_at=NOW,
            place="办公室",
            participants="—",
            topic="工作",
            summary="—",
            recorded_by_member_id=1,
        ),
    )
    session.commit()
    return {
        "cycle": cycle.id,
        "examinee": examinee.id,
        "member": examinee.member_id,
        "scorer": examinee.scorer_member_id,
        "sheet": sheet.id,
        "signature": signature.id,
        "appeal": appeal.id,
        "opinion": opinion.id,
        "talk": talk.id,
    }


def test_old_keys_fill_the_subject_columns_where_they_parse(database_url, sample_roster):
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            import_sample(session, sample_roster)
            ids = records(session)
            session.execute(text("DELETE FROM notification"))
            session.commit()
        command.downgrade(_alembic_config(engine), "0007")
        c, e, m, s = ids["cycle"], ids["examinee"], ids["member"], ids["scorer"]
        a, o = ids["appeal"], ids["opinion"]
        expected = {
            f"remind:{c}:self:{m}:-1": Subject("remind", c, m, "self", None, "-1"),
            f"phase:{c}:scoring_open:{s}:": Subject("phase", c, s, "scoring_open"),
            f"nudge:{c}:score:{s}:2026-12-04": Subject("nudge", c, s, "score", None, "2026-12-04"),
            f"cycle:{c}:opened:{m}": Subject("opened", c, m),
            f"result:{c}:{e}:2": Subject("result", c, m, about_id=e),
            f"void:{ids['signature']}": Subject("voided", c, s, about_id=ids["signature"]),
            f"signoff:{c}:2:teacher:{s}": Subject("signoff", c, s, "teacher", None, "2"),
            f"return:{ids['sheet']}:2026-12-09T02:00:00.123456+00:00:1": Subject(
                "returned", c, s, about_id=ids["sheet"], tag="2026-12-09T02:00:00.123456+00:00"
            ),
            f"appeal:{a}:submitted:{s}": Subject("appeal_submitted", c, s, about_id=a),
            f"appeal:{a}:flag:2026-12-24:{s}": Subject("appeal_overdue", c, s, about_id=a, tag="2026-12-24"),
            f"appeal:{a}:opinion:{o}:{s}": Subject("appeal_question", c, s, about_id=o),
            f"interview:{ids['talk']}:recorded:{m}": Subject("interview", c, m, about_id=ids["talk"]),
        }
        unknown = ["stranger", "appeal:999:submitted:1", "result:1:999"]
        with engine.begin() as connection:
            for n, key in enumerate([*expected, *unknown]):
                connection.execute(
                    text(
                        "INSERT INTO notification (dedupe_key, chat_id, text, state, created_at, not_before, "
                        "attempts) VALUES (:key, :chat, 'old', 'pending', :at, :at, 0)"
                    ),
                    {"key": key, "chat": 500 + n, "at": NOW},
                )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with Session(engine) as session:
            rows = {row.dedupe_key: row for row in session.exec(select(Notification))}
        assert {key: rows[key].subject for key in expected} == expected
        assert [rows[key].subject for key in unknown] == [None, None, None]
        assert all(row.buttons is None for row in rows.values())
    finally:
        upgrade(engine)
        engine.dispose()
