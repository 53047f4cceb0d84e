"""Every database table, as SQLModel classes, by family; the queries live in one module per family.

The schema itself is owned by the Alembic migrations (``storage/migrations``), never by ``create_all``
outside tests. Every stored time is aware UTC (``storage.types.UTCDateTime``). A row's ``id`` is typed
``int``: it is None only between creating a row and flushing it, and code reads ids of stored rows.

- The organisation (组织): teams, departments, members, a vice-president's oversight (分管). Positions
  and committee roles are stored as short English codes; their Chinese names live in
  ``flows.roster.reading`` and the locale files. Members are never deleted: one who leaves the roster
  is marked inactive, so every score, signature and audit row that names them stays meaningful.
- Accounts: Telegram bindings, invitations (邀请码) and wrong-code attempts.
- The audit trail (审计记录), in hash chains (one per cycle, one for the organisation).
- Cycles (考核周期): when a cycle opens it copies everything it needs from the roster (who is
  assessed, in which team and department, and who scores them) and the scheme's text, so later roster
  or scheme edits never reach into it; self-assessments (自我评定, 附表一) belong to the cycle. An
  archived cycle keeps its own copy of every person it names (``ArchivedPerson``).
- Conversations: where a person is in a multi-step conversation.
- Score sheets (评分表, 附表三): one per examinee; a draft while its scorer fills it in, submitted once
  they confirm, returned (退回) when the committee sends it back (a draft again for its scorer). Every
  item score keeps who gave it and when.
- Review (复核确认): ``CycleReview`` holds the version of a cycle's results; every change made while a
  confirmation or signature stands bumps it, and each ``Signature`` names the version it confirmed, so a
  signature on an older version is void. ``ReviewChange`` is append-only (a department rating, an item
  score or a grade, with before, after and why); the scorer's own scores stay on their sheet.
- Appeals (申诉, 附表六): one per examinee. Written as a draft, submitted to the organisation
  department (校团委组织部) and the teacher in charge, reported to the committee (上报考核小组) within 24
  hours or escalated by the scheduler (the breach recorded); the committee asks parties for opinions
  and decides (最终裁定): upheld, or changed with new item scores or a new grade.
- Interviews (面谈记录) with examinees.
- The outbox (发件箱) of outgoing notifications; the inbox (收件箱) of Telegram updates, each stored
  before Telegram is told and handled once; leases, a role one process holds at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (all stored times are UTC)."""
    return datetime.now(UTC)


# The organisation (组织)


class Position(StrEnum):
    """A position (职务) inside a team, top down; teachers are not examinees."""

    PRESIDENT = "president"  # 主席
    VICE_PRESIDENT = "vice_president"  # 副主席
    HEAD = "head"  # 部长
    DEPUTY_HEAD = "deputy_head"  # 副部长
    OFFICER = "officer"  # 干事
    TEACHER = "teacher"  # 老师


class CommitteeRole(StrEnum):
    """A role on the assessment committee (考核小组)."""

    CHIEF_ADVISER = "chief_adviser"  # 总指导
    LEADER = "leader"  # 组长
    DEPUTY_LEADER = "deputy_leader"  # 副组长
    MEMBER = "member"  # 组员


class Team(SQLModel, table=True):
    """A team (团队) of the student federation, e.g. 校学生会."""

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)


class Department(SQLModel, table=True):
    """A department (部门) inside a team, e.g. 校学生会 / 办公室."""

    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_department_team_name"),)

    id: int = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    name: str = Field(max_length=100)
    active: bool = True


class Member(SQLModel, table=True):
    """A person on the roster (名单): a cadre, or a teacher on the committee."""

    id: int = Field(default=None, primary_key=True)
    student_no: str = Field(max_length=40, unique=True, index=True)  # 学号 (or staff number)
    name: str = Field(max_length=100)  # 姓名
    team_id: int = Field(foreign_key="team.id", index=True)  # 团队
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)  # 部门
    position: Position = Field(sa_type=String(20))  # 职务
    college: str = Field(default="", max_length=100)  # 院部
    term_start: str = Field(default="", max_length=20)  # 任职时间, e.g. 2025-09
    committee_role: CommitteeRole | None = Field(default=None, sa_type=String(20))  # 考核小组
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Oversight(SQLModel, table=True):
    """A vice-president's charge (分管) of one department."""

    __table_args__ = (UniqueConstraint("department_id", name="uq_oversight_department"),)

    id: int = Field(default=None, primary_key=True)
    vice_president_id: int = Field(foreign_key="member.id", index=True)
    department_id: int = Field(foreign_key="department.id")


# Accounts: Telegram bindings, invitations, wrong codes


class TelegramBinding(SQLModel, table=True):
    """Which Telegram account speaks for which member (one each way)."""

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", unique=True)
    telegram_user_id: int = Field(sa_type=BigInteger, unique=True, index=True)
    chat_id: int = Field(sa_type=BigInteger)  # the private chat with the bot, where results may be sent
    username: str | None = Field(default=None, max_length=100)
    language_code: str | None = Field(default=None, max_length=20)
    bound_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """A single-use registration code (邀请码) for one member, sent as a deep link."""

    id: int = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    code: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_telegram_id: int | None = Field(default=None, sa_type=BigInteger)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CodeAttempt(SQLModel, table=True):
    """A wrong registration code sent by a Telegram account, kept to throttle guessing."""

    id: int = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=BigInteger, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


# The audit trail (审计记录)


class AuditEntry(SQLModel, table=True):
    """One write that matters: who, when, what, before and after, and why (审计记录)."""

    id: int = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=100)  # "member:12", "telegram:345", "cli"
    action: str = Field(max_length=60, index=True)  # e.g. "roster.import", "invite.use"
    entity: str = Field(max_length=60)  # table or kind of thing
    entity_id: str | None = Field(default=None, max_length=60)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    reason: str | None = None
    # The hash chain (``storage.audit``): each row's place in its chain and the hash over its content
    # and the previous row's hash, so that a row changed, deleted or inserted later shows.
    chain: str = Field(max_length=40, index=True)  # "cycle:<id>" or "organisation"
    seq: int
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)

    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_auditentry_chain_seq"),)


class AuditChain(SQLModel, table=True):
    """The head of one audit hash chain: the last row's place and hash. Writers lock this row to append."""

    chain: str = Field(max_length=40, primary_key=True)
    seq: int = 0
    head: str = Field(max_length=64)


# Cycles (考核周期) and self-assessments (自我评定)


class Cycle(SQLModel, table=True):
    """One assessment round, e.g. 2026年秋季学期考核."""

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    scheme_name: str = Field(max_length=200)
    scheme_text: str = Field(sa_type=Text)  # the scheme TOML as it was when the cycle opened
    self_due: datetime = Field(sa_type=UTCDateTime)  # 自我评定截止
    score_due: datetime = Field(sa_type=UTCDateTime)  # 上级评定截止
    review_due: datetime = Field(sa_type=UTCDateTime)  # 复核确认截止
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # results sent to examinees
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # 归档: frozen for good


class CycleExaminee(SQLModel, table=True):
    """A cadre assessed in a cycle (被考核者), as the roster stood when it opened."""

    __table_args__ = (UniqueConstraint("cycle_id", "member_id", name="uq_examinee_cycle_member"),)

    id: int = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    student_no: str = Field(max_length=40)
    name: str = Field(max_length=100)
    team: str = Field(max_length=100)
    department: str | None = Field(default=None, max_length=100)
    position: str = Field(sa_type=String(20))
    college: str = Field(default="", max_length=100)
    term_start: str = Field(default="", max_length=20)
    scorer_member_id: int | None = Field(default=None, foreign_key="member.id", index=True)  # None: 考核小组


class ArchivedPerson(SQLModel, table=True):
    """A person a cycle names (examinee, scorer, signer, decider, actor), as the roster stood when the
    cycle was archived: exports of an archived cycle read names, positions and roles only from here."""

    __table_args__ = (UniqueConstraint("cycle_id", "member_id", name="uq_archived_person_cycle_member"),)

    id: int = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    student_no: str = Field(max_length=40)
    name: str = Field(max_length=100)
    team: str = Field(default="", max_length=100)
    department: str | None = Field(default=None, max_length=100)
    position: str = Field(sa_type=String(20))
    committee_role: str | None = Field(default=None, sa_type=String(20))


class SelfStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    MISSING = "missing"  # 缺交: not submitted by its deadline, so recorded by the committee


class SelfAssessment(SQLModel, table=True):
    """An examinee's self-assessment (自我评定, form 附表一)."""

    id: int = Field(default=None, primary_key=True)
    examinee_id: int = Field(foreign_key="cycleexaminee.id", unique=True)
    status: SelfStatus = Field(default=SelfStatus.DRAFT, sa_type=String(20))
    college: str | None = Field(default=None, max_length=100)  # the examinee's correction, if any
    term_start: str | None = Field(default=None, max_length=20)  # the examinee's correction, if any
    header_confirmed: bool = False
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SelfAnswer(SQLModel, table=True):
    """One section of a self-assessment, as written by the examinee."""

    __table_args__ = (UniqueConstraint("assessment_id", "section", name="uq_self_answer_section"),)

    id: int = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="selfassessment.id", index=True)
    section: str = Field(max_length=60)
    text: str = Field(sa_type=Text)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SelfScore(SQLModel, table=True):
    """A self-score for one rubric item, when the scheme asks examinees to score themselves."""

    __table_args__ = (UniqueConstraint("assessment_id", "item", name="uq_self_score_item"),)

    id: int = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="selfassessment.id", index=True)
    item: str = Field(max_length=60)
    points: Decimal = Field(sa_type=Numeric(5, 1))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Conversations


class Conversation(SQLModel, table=True):
    """Where a person is in a multi-step conversation, so they can leave and come back days later."""

    telegram_user_id: int = Field(sa_type=BigInteger, primary_key=True)
    flow: str = Field(max_length=40)
    state: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Score sheets (评分表)


class SheetStatus(StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交
    RETURNED = "returned"  # 已退回: the committee sent it back; its scorer edits it like a draft


class ScoreSheet(SQLModel, table=True):
    """One examinee's score sheet (评分表): status, the evaluation comment (考评意见) and its times."""

    id: int = Field(default=None, primary_key=True)
    examinee_id: int = Field(foreign_key="cycleexaminee.id", unique=True)
    scorer_member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    status: SheetStatus = Field(default=SheetStatus.DRAFT, sa_type=String(20))
    comment: str | None = Field(default=None, sa_type=Text)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    return_reason: str | None = Field(default=None, sa_type=Text)
    # What its item scores come to, kept as they are written (flows.scoring.sheet.give_score), so that the
    # board reads ten thousand totals, not a hundred thousand item scores: how many there are, and the
    # total (总分) exactly as flows.rules.grading.total_score gave it, its digits as str() wrote them
    # (they are shown and signed); None until the first item is scored.
    scored: int = Field(default=0)
    total: str | None = Field(default=None, max_length=40)


class ItemScore(SQLModel, table=True):
    """The points given for one rubric item (考核项目) on a score sheet, with who gave them and when."""

    __table_args__ = (UniqueConstraint("sheet_id", "item", name="uq_item_score_item"),)

    id: int = Field(default=None, primary_key=True)
    sheet_id: int = Field(foreign_key="scoresheet.id", index=True)
    item: str = Field(max_length=60)
    points: Decimal = Field(sa_type=Numeric(5, 1))
    scored_by_member_id: int = Field(foreign_key="member.id")
    scored_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Review (复核确认)


class CycleReview(SQLModel, table=True):
    """A cycle's review record: the current version of its results."""

    id: int = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", unique=True)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChangeKind(StrEnum):
    RATING = "rating"  # a department's rating (部门业绩评价), which gates grades S and A
    SCORE = "score"  # one item score (考核项目得分)
    GRADE = "grade"  # an examinee's grade (考核等级)


class ReviewChange(SQLModel, table=True):
    """One change made in review: who, when, before, after and why, and the version it produced."""

    id: int = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    kind: ChangeKind = Field(sa_type=String(20))
    examinee_id: int | None = Field(default=None, foreign_key="cycleexaminee.id", index=True)  # score, grade
    team: str | None = Field(default=None, max_length=100)  # rating: the department's team
    department: str | None = Field(default=None, max_length=100)  # rating: None for the presidium
    item: str | None = Field(default=None, max_length=60)  # score: the rubric item
    before: str | None = Field(default=None, max_length=40)
    after: str = Field(max_length=40)
    reason: str | None = Field(default=None, sa_type=Text)  # required for scores and grades
    member_id: int = Field(foreign_key="member.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int


class AcceptedViolation(SQLModel, table=True):
    """A distribution rule (§6) a department may break, accepted by the committee with a reason.

    It covers exactly the break it was given for: the same kind, grades and head count.
    """

    __table_args__ = (
        UniqueConstraint(
            "cycle_id", "team", "department", "kind", "grades", "counted", name="uq_accepted_violation"
        ),
    )

    id: int = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    team: str = Field(max_length=100)
    department: str = Field(default="", max_length=100)  # "" for the presidium (主席团)
    kind: str = Field(max_length=20)
    grades: str = Field(max_length=40)  # e.g. "S" or "S+A"
    counted: int
    reason: str = Field(sa_type=Text)
    member_id: int = Field(foreign_key="member.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignatureRole(StrEnum):
    COMMITTEE = "committee"  # 考核小组复核确认: the balance is confirmed
    PRESIDENT = "president"  # 学生联合会主席复核意见、签字
    TEACHER = "teacher"  # 团委老师签字
    EXAMINEE = "examinee"  # 被考核者签字: receipt acknowledged, not agreement


class Signature(SQLModel, table=True):
    """A recorded confirmation (签字): who, when, in which role, on which version of the results."""

    id: int = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    role: SignatureRole = Field(sa_type=String(20))
    member_id: int = Field(foreign_key="member.id", index=True)
    version: int
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    comment: str | None = Field(default=None, sa_type=Text)  # the president's review comment (复核意见)
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result_hash: str | None = Field(default=None, max_length=64)  # SHA-256 of the results signed


# Appeals (申诉)


class AppealStatus(StrEnum):
    DRAFT = "draft"  # 草稿: the examinee is writing it
    SUBMITTED = "submitted"  # 已提交: with the organisation department and the teacher
    ESCALATED = "escalated"  # 已上报: with the committee
    DECIDED = "decided"  # 已裁定: final


OPEN_STATUSES = (AppealStatus.SUBMITTED, AppealStatus.ESCALATED)  # submitted, not yet decided: clocks run


class Disputed(StrEnum):
    """What an appeal disputes (申诉事项)."""

    GRADE = "grade"  # 总分与等级
    DIMENSION = "dimension"  # 一项考核内容, e.g. 工作绩效
    ITEM = "item"  # 一个考核项目, e.g. 工作业绩


class Outcome(StrEnum):
    UPHELD = "upheld"  # 维持原结果
    CHANGED = "changed"  # 更改结果


class EvidenceKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


class Appeal(SQLModel, table=True):
    """An examinee's appeal against their result (申诉表, 附表六)."""

    id: int = Field(default=None, primary_key=True)
    examinee_id: int = Field(foreign_key="cycleexaminee.id", unique=True)  # one per examinee per cycle
    status: AppealStatus = Field(default=AppealStatus.DRAFT, sa_type=String(20), index=True)
    disputed: Disputed | None = Field(default=None, sa_type=String(20))
    disputed_key: str | None = Field(default=None, max_length=60)  # the dimension or item key
    reason: str | None = Field(default=None, sa_type=Text)  # 申诉理由
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # 上报考核小组
    escalated_by_member_id: int | None = Field(default=None, foreign_key="member.id")  # None: the scheduler
    escalation_note: str | None = Field(default=None, sa_type=Text)
    escalation_overdue: bool = False  # nobody reported it within the limit: the scheduler did
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # 最终裁定
    decided_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    outcome: Outcome | None = Field(default=None, sa_type=String(20))
    decision_reason: str | None = Field(default=None, sa_type=Text)
    new_grade: str | None = Field(default=None, max_length=24)  # a grade set by the decision, if any


class AppealEvidence(SQLModel, table=True):
    """One piece of evidence (证明材料): a text, or a Telegram photo or document kept by its file id."""

    id: int = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    kind: EvidenceKind = Field(sa_type=String(20))
    text: str = Field(default="", sa_type=Text)  # the text, or a photo's or document's caption
    file_id: str | None = Field(default=None, max_length=200)
    file_unique_id: str | None = Field(default=None, max_length=100)
    added_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EvidenceFile(SQLModel, table=True):
    """The bytes of a photo or document given as evidence, fetched from Telegram once by ``kaohe export``
    and kept, so that the archive holds the file itself and a later export needs no Telegram."""

    evidence_id: int = Field(foreign_key="appealevidence.id", primary_key=True)
    suffix: str = Field(max_length=20)  # ".jpg", ".pdf": from Telegram's path of the file
    data: bytes = Field(sa_type=LargeBinary)
    fetched_at: datetime = Field(sa_type=UTCDateTime)


class AppealOpinion(SQLModel, table=True):
    """An opinion the committee asked a party for (征求意见), e.g. the scorer's, and their answer."""

    id: int = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)  # who is asked
    asked_by_member_id: int = Field(foreign_key="member.id")
    question: str = Field(sa_type=Text)
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answer: str | None = Field(default=None, sa_type=Text)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AppealChange(SQLModel, table=True):
    """A new score for one rubric item set by a decision that changed the result."""

    __table_args__ = (UniqueConstraint("appeal_id", "item", name="uq_appeal_change_item"),)

    id: int = Field(default=None, primary_key=True)
    appeal_id: int = Field(foreign_key="appeal.id", index=True)
    item: str = Field(max_length=60)
    before: Decimal | None = Field(default=None, sa_type=Numeric(5, 1))
    after: Decimal = Field(sa_type=Numeric(5, 1))


# Interviews (面谈记录)


class Interview(SQLModel, table=True):
    """One interview with one examinee (面谈记录表)."""

    id: int = Field(default=None, primary_key=True)
    examinee_id: int = Field(foreign_key="cycleexaminee.id", index=True)
    held_at: datetime = Field(sa_type=UTCDateTime)  # 面谈时间
    place: str = Field(max_length=200)  # 面谈地点
    participants: str = Field(max_length=500)  # 参加人
    topic: str = Field(max_length=200)  # 面谈主题
    summary: str = Field(sa_type=Text)  # 面谈内容概要
    recorded_by_member_id: int = Field(foreign_key="member.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# The outbox (发件箱), the inbox (收件箱) of updates, and leases


class NotificationState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # for good: blocked, chat not found, or out of attempts
    CANCELLED = "cancelled"  # no longer needed when its time came


@dataclass(frozen=True)
class Subject:
    """What a notice is about and whom it is for, stored as columns of its ``Notification``.

    ``kind`` names the sort of notice (``flows.notices.notice.Kind``); ``step`` what within it (a
    reminder's topic, a sign-off stage); ``about_id`` the record it concerns (an appeal, a score sheet,
    a signature...); ``tag`` which occurrence (a ladder's rung, a day, a version).
    """

    kind: str
    cycle_id: int
    member_id: int
    step: str = ""
    about_id: int | None = None
    tag: str = ""

    def key(self, part: int = 0) -> str:
        """The row's unique dedupe key, computed from the subject (and the part of a long notice)."""
        about = "" if self.about_id is None else self.about_id
        key = f"{self.kind}:{self.cycle_id}:{self.step}:{about}:{self.member_id}:{self.tag}"
        return f"{key}:{part}" if part else key


class Notification(SQLModel, table=True):
    """An outgoing message (the outbox): sent once, by the running bot, whoever queued it.

    A notice's row keeps its ``Subject`` as columns (None on rows queued before subjects were kept)
    and the buttons it carries (label and callback data, row by row). A sender claims a row before
    sending it (``claimed_by`` until ``claimed_until``), so that two processes never send it both.
    """

    __table_args__ = (Index("ix_notification_subject", "cycle_id", "kind", "member_id"),)

    id: int = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    chat_id: int = Field(sa_type=BigInteger, index=True)
    text: str = Field(sa_type=Text)
    buttons: list[list[dict[str, str]]] | None = Field(default=None, sa_type=JSON)
    kind: str | None = Field(default=None, max_length=30)
    cycle_id: int | None = None
    member_id: int | None = None
    step: str | None = Field(default=None, max_length=40)
    about_id: int | None = None
    tag: str | None = Field(default=None, max_length=40)
    state: NotificationState = Field(default=NotificationState.PENDING, sa_type=String(20), index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    claimed_by: str | None = Field(default=None, max_length=120)  # the sender sending it (``storage.leases``)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def subject(self) -> Subject | None:
        """What the notice is about, from its columns (None for a row queued without one)."""
        if self.kind is None or self.cycle_id is None or self.member_id is None:
            return None
        return Subject(
            self.kind, self.cycle_id, self.member_id, self.step or "", self.about_id, self.tag or ""
        )

    @property
    def keyboard(self) -> list[list[tuple[str, str]]]:
        """The buttons the notice carries: (label, callback data), row by row."""
        return [[(button["label"], button["data"]) for button in row] for row in self.buttons or []]


class InboxUpdate(SQLModel, table=True):
    """A Telegram update as received (收件箱): stored before Telegram is told it arrived, then handled once.

    ``handled_at`` is set in the transaction that commits the update's effects (or gives up on it:
    ``failed``); ``replies`` holds the Bot API calls its answer still needs, ``replies_sent`` how many of
    them went out; ``done_at`` ends the row. ``claimed_by``/``claimed_until`` is the lease of the
    process answering it (and, without an owner, the time before which it is not tried again).
    """

    update_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    chat_id: int | None = Field(default=None, sa_type=BigInteger, index=True)
    user_id: int | None = Field(default=None, sa_type=BigInteger)
    payload: dict = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = 0
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed: bool = False
    error: str | None = Field(default=None, sa_type=Text)
    replies: list | None = Field(default=None, sa_column=Column(JSON))
    replies_sent: int = 0
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Lease(SQLModel, table=True):
    """A named role only one process may hold at a time (e.g. ``polling``), renewed while it runs."""

    name: str = Field(max_length=40, primary_key=True)
    owner: str = Field(max_length=120)
    until: datetime = Field(sa_type=UTCDateTime)


class LiveMessage(SQLModel, table=True):
    """A task's one live message in a chat (``storage.live_messages``): the one its next screen edits."""

    chat_id: int = Field(sa_type=BigInteger, primary_key=True)
    task: str = Field(primary_key=True, max_length=40)
    message_id: int = Field(sa_type=BigInteger)
    keyboard: bool = True  # it carries buttons: a newer screen has them removed
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Setting(SQLModel, table=True):
    """A value the installation learnt and keeps (``storage.settings``), e.g. the bot's @username."""

    key: str = Field(max_length=60, primary_key=True)
    value: str = Field(max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


metadata = SQLModel.metadata  # every table above: what Alembic and the tests compare against
