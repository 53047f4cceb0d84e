"""Test helpers for cycles: import the sample roster, register people, open a cycle, talk to a flow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from flows.cycles.opening import Deadlines, OpenedCycle, open_cycle
from flows.roster.importing import import_roster
from flows.roster.reading import read_roster
from flows.router import handle
from flows.rules.cycles import scheme_of
from flows.rules.scheme import DEFAULT_SCHEME, default_scheme
from flows.scoring.sheet import give_score
from flows.ui.chat import Action, ChatKind, Content, Incoming, Reply, Toast
from flows.ui.context import FlowContext
from storage import cycles, models, scoring
from storage.models import (
    CycleExaminee,
    ItemScore,
    Member,
    ScoreSheet,
    SelfAssessment,
    SelfStatus,
    TelegramBinding,
)

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
AFTER_SELF_DUE = NOW + timedelta(days=7, hours=1)  # scoring is open (self-assessments due at NOW + 7 days)
SCORING_CLOSED = NOW + timedelta(days=14, minutes=1)  # the department scoring deadline has passed


def import_sample(session: Session, sample: Path) -> None:
    roster = read_roster(sample)
    assert not roster.errors
    import_roster(session, roster.entries, actor="test", now=NOW)
    session.commit()


def bind(session: Session, student_no: str, telegram_user_id: int, language: str = "zh-hans") -> Member:
    member = session.exec(select(Member).where(Member.student_no == student_no)).one()
    session.add(
        TelegramBinding(
            member_id=member.id,
            telegram_user_id=telegram_user_id,
            chat_id=telegram_user_id,
            language_code=language,
        )
    )
    session.commit()
    return member


def deadlines(days: int = 7) -> Deadlines:
    return Deadlines(
        self_due=NOW + timedelta(days=days),
        score_due=NOW + timedelta(days=days + 7),
        review_due=NOW + timedelta(days=days + 14),
    )


def open_sample_cycle(
    session: Session, name: str = "2026秋季考核", scheme: Path = DEFAULT_SCHEME
) -> OpenedCycle:
    opened = open_cycle(
        session,
        name=name,
        deadlines=deadlines(),
        scheme_path=scheme,
        now=NOW,
        tz=SHANGHAI,
        default_locale="zh-CN",
    )
    session.commit()
    return opened


class Person:
    """Someone talking to the bot in a private chat, with a controllable clock."""

    def __init__(self, session: Session, telegram_user_id: int, language: str = "zh-hans") -> None:
        self.session = session
        self.id = telegram_user_id
        self.language = language
        self.now = NOW + timedelta(hours=1)
        self.last: list[Reply] = []
        self.toast: str | None = None  # how the last press was answered, if it was

    def _handle(self, content: Content, text: str) -> list[Action]:
        context = FlowContext(session=self.session, now=self.now, tz=SHANGHAI)
        incoming = Incoming(self.id, self.id, ChatKind.PRIVATE, content, text, language_code=self.language)
        actions: list[Action] = handle(context, incoming)
        self.session.commit()
        return actions

    def _do(self, content: Content, text: str) -> list[Reply]:
        actions = self._handle(content, text)
        self.last = [a for a in actions if isinstance(a, Reply)]
        toasts = [a.text for a in actions if isinstance(a, Toast)] + [r.notice for r in self.last if r.notice]
        self.toast = toasts[0] if toasts else None
        return self.last

    def says(self, text: str) -> str:
        return "\n".join(r.text for r in self._do(Content.TEXT, text))

    def sends(self, content: Content) -> str:
        return "\n".join(r.text for r in self._do(content, ""))

    def buttons(self) -> dict[str, str]:
        """Label → data of every button in the last replies."""
        return {b.label: b.data for r in self.last for row in r.buttons for b in row}

    def taps(self, label_part: str) -> str:
        matches = [data for label, data in self.buttons().items() if label_part in label]
        assert len(matches) == 1, f"{label_part!r} matches {matches} in {list(self.buttons())}"
        return self.presses(matches[0])

    def presses(self, data: str) -> str:
        """The replies to a press, or the toast alone when it was answered with nothing else."""
        replies = self._do(Content.BUTTON, data)
        return "\n".join(r.text for r in replies) if replies else self.toast or ""

    def refused(self, data: str) -> str:
        """Press a button that is refused: the toast it is answered with (the chat stays as it was)."""
        actions = self._handle(Content.BUTTON, data)
        assert len(actions) == 1 and isinstance(actions[0], Toast), f"{data!r} was answered with {actions}"
        return actions[0].text


def scorer_in_sample_cycle(session: Session, sample: Path, people: dict[str, int]) -> Person:
    """The sample roster with ``people`` (student number → Telegram account) bound and a cycle open:
    the first of them as a Person once scoring is open."""
    import_sample(session, sample)
    for student_no, telegram_user_id in people.items():
        bind(session, student_no, telegram_user_id)
    open_sample_cycle(session)
    person = Person(session, next(iter(people.values())))
    person.now = AFTER_SELF_DUE
    return person


def cycle_id(session: Session) -> int:
    """The id of the one cycle opened."""
    return session.exec(select(models.Cycle.id)).one()


def examinee_id(session: Session, student_no: str) -> int:
    """The id of ``student_no``'s place in the one cycle opened."""
    return session.exec(select(CycleExaminee.id).where(CycleExaminee.student_no == student_no)).one()


def changeable_rows(session: Session) -> dict[str, list[str]]:
    """Every row a step of /self or /score may write (the audit trail aside), to compare before and after."""
    tables = (
        SelfAssessment,
        models.SelfAnswer,
        models.SelfScore,
        ScoreSheet,
        ItemScore,
        models.Conversation,
    )
    session.expire_all()
    return {
        table.__name__: sorted(
            repr([getattr(row, column.name) for column in table.__table__.columns])  # type: ignore[attr-defined]
            for row in session.exec(select(table))
        )
        for table in tables
    }


def submit_self_assessment(
    session: Session, student_no: str, at: datetime = NOW, answers: dict[str, str] | None = None
) -> None:
    """A submitted self-assessment of ``student_no`` in their newest cycle, as if written through /self."""
    member = session.exec(select(Member).where(Member.student_no == student_no)).one()
    examinee = cycles.current_examinee(session, member.id)  # type: ignore[arg-type]
    assert examinee is not None
    assessment = SelfAssessment(
        examinee_id=examinee.id,  # type: ignore[arg-type]
        status=SelfStatus.SUBMITTED,
        header_confirmed=True,
        started_at=at,
        updated_at=at,
        submitted_at=at,
    )
    session.add(assessment)
    session.flush()
    for section in default_scheme().self_assessment.sections:
        text = (answers or {}).get(section.key, f"{section.title.zh}：按时完成各项工作，认真总结经验。")
        cycles.save_answer(session, assessment.id, section.key, text, at)  # type: ignore[arg-type]
    session.commit()


def score_through(person: Person, name: str, points: list[str], comment: str) -> str:
    """Open ``name`` from the /score list, type one score per rubric item and the comment; the summary."""
    person.says("/score")
    person.taps(name)
    for value in points:
        person.says(value)
    return person.says(comment)


def score_items(
    session: Session,
    sheet: models.ScoreSheet,
    examinee: CycleExaminee,
    points: dict[str, Decimal],
    scorer: int,
    at: datetime,
) -> None:
    """Give these item scores on ``sheet`` one by one, as its scorer would (its cycle's scheme keeps the
    sheet's total)."""
    scheme = scheme_of(session.get_one(models.Cycle, examinee.cycle_id))
    given: dict[str, Decimal] = {}
    for key, value in points.items():
        give_score(session, sheet, scheme, given, key, value, scorer, at)
        given[key] = value


def fill_sheets(
    session: Session, examinees: list[CycleExaminee], points: list[str], at: datetime, submit: bool = True
) -> None:
    """Score sheets straight through storage, as each examinee's scorer would through /score.

    ``points`` gives one score per rubric item, in the order of the score sheet.
    """
    keys = [item.key for item in default_scheme().rubric.items]
    for examinee in examinees:
        scorer = examinee.scorer_member_id
        assert scorer is not None
        sheet = scoring.start_sheet(session, examinee.id, scorer, at)  # type: ignore[arg-type]
        score_items(session, sheet, examinee, dict(zip(keys, map(Decimal, points), strict=True)), scorer, at)
        scoring.save_comment(session, sheet, "工作认真负责，望继续努力，争取更好成绩。", at)
        if submit:
            scoring.submit_sheet(session, sheet, actor=f"member:{scorer}", now=at, after={})
    session.commit()


SMALL_ROSTER = Path(__file__).resolve().parent / "data" / "roster" / "small.csv"


def score_everyone(
    session: Session, points: dict[str, list[str]], at: datetime, committee_member: str, comment: str = ""
) -> None:
    """Every examinee of the newest cycle scored and submitted through storage, ``points`` by student
    number (one score per rubric item); the presidents scored by the committee member ``committee_member``."""
    keys = [item.key for item in default_scheme().rubric.items]
    committee = session.exec(select(Member).where(Member.student_no == committee_member)).one()
    for examinee in session.exec(select(CycleExaminee)).all():
        scorer = examinee.scorer_member_id or committee.id
        sheet = scoring.start_sheet(session, examinee.id, scorer, at)  # type: ignore[arg-type]
        given = dict(zip(keys, map(Decimal, points[examinee.student_no]), strict=True))
        score_items(session, sheet, examinee, given, scorer, at)  # type: ignore[arg-type]
        scoring.save_comment(session, sheet, comment or f"{examinee.name}工作认真负责，望继续努力。", at)
        scoring.submit_sheet(session, sheet, actor=f"member:{scorer}", now=at, after={})
    session.commit()


SMALL_PEOPLE = {"1001": 801, "1002": 802, "1003": 803, "1004": 804, "1005": 805, "T01": 806}
REVIEW_TIME = NOW + timedelta(days=15)  # after the scoring deadline, before the review deadline
TOP = ["19", "15", "14", "8", "6", "6", "8", "7", "8", "7"]  # 98, band S
GOOD = ["18", "14", "13", "7", "5", "5", "7", "6", "7", "6"]  # 88, band A
PASS = ["15", "12", "12", "6", "5", "5", "6", "5", "6", "5"]  # 77, band B


def open_small_cycle(session: Session, scheme: Path = DEFAULT_SCHEME) -> dict[str, Person]:
    """The small roster, everyone bound, a cycle open: a Person per student number, at review time.

    李华 1001 (校学生会 主席, 副组长) is scored by the committee; 王芳 1002 (副主席, 组员) by 李华; 张伟
    1003 and 刘洋 1004 (办公室) and 陈静 1005 (学习部) by 王芳; 赵敏 T01 is a teacher and 总指导.
    """
    import_sample(session, SMALL_ROSTER)
    for student_no, telegram_user_id in SMALL_PEOPLE.items():
        bind(session, student_no, telegram_user_id)
    open_sample_cycle(session, scheme=scheme)
    people = {student_no: Person(session, user) for student_no, user in SMALL_PEOPLE.items()}
    for person in people.values():
        person.now = REVIEW_TIME
    return people


def balance(teacher: Person) -> None:
    """Rate every department so that no rule is broken."""
    teacher.says("/review")
    for group, rating in (("主席团", "优秀"), ("办公室", "优秀"), ("学习部", "良好")):
        teacher.taps(group)
        teacher.taps(rating)
        teacher.taps("返回")


def confirm(person: Person) -> str:
    person.says("/review")
    person.taps("确认复核平衡")
    return person.taps("✅ 确认")
