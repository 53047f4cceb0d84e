"""The buttons of appeals and interviews, as button families of the one codec (``flows.ui.buttons``).

Every button here names the cycle it was shown in; the router refuses one of any other cycle.

- ``a`` — the examinee's appeal form (申诉表): ``a:<cycle>:<action>[:<disputed>[:<key>]]``
- ``ap`` — the appeals desk: ``ap:<cycle>:<action>:<appeal>``
- ``ao`` — consulting the parties (征求意见): ``ao:<cycle>:ask:<appeal>[:<member>]``,
  ``ao:<cycle>:ans:<opinion>``
- ``ad`` — the committee's decision (最终裁定): ``ad:<cycle>:<action>:<appeal>[:<item or grade>]``
- ``iv`` — an interview record (面谈记录): ``iv:<cycle>:<action>:<examinee>[:<field>]``
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from flows.ui.buttons import ButtonData, Id, Key
from storage.models import Disputed


class AppealAction(StrEnum):
    """What a press of the examinee's appeal form does."""

    NEW = "new"  # start or resume the appeal (the button under a released result)
    DISPUTE = "d"  # dispute the grade, a dimension or an item (``disputed`` and ``key`` say which)
    ITEMS = "items"  # list the items to dispute one
    EVIDENCE = "ev"  # add evidence
    EVIDENCE_DONE = "ev_done"
    EVIDENCE_CLEAR = "ev_clear"
    EDIT_DISPUTED = "d_edit"
    EDIT_REASON = "r_edit"
    SUBMIT = "sub"  # asks to confirm
    CONFIRM = "yes"
    REVIEW = "rev"


class DeskAction(StrEnum):
    """What a press on the appeals desk does with one appeal."""

    OPEN = "o"
    SELF_ASSESSMENT = "self"
    HISTORY = "hist"
    REPORT_WITH_NOTE = "rep"
    REPORT_NOW = "now"


class ConsultAction(StrEnum):
    ASK = "ask"  # the committee asks someone about an appeal
    ANSWER = "ans"  # the person asked answers


class DecisionAction(StrEnum):
    """A step of the committee's decision on one appeal."""

    START = "start"
    UPHOLD = "up"
    CHANGE = "ch"
    ITEM = "it"  # change one item's score (``key``: the item)
    GRADES = "gr"
    GRADE = "g"  # set the grade (``key``: the grade, or FROM_TOTAL)
    REASON = "why"
    CONFIRM = "ok"


FROM_TOTAL = "-"  # the ``key`` of GRADE that lets the new total decide the grade


class InterviewAction(StrEnum):
    PICK = "pick"  # record an interview with this examinee
    EDIT = "edit"  # type one field again (``field``)
    SAVE = "save"


class InterviewField(StrEnum):
    """The fields of an interview record (面谈记录表), in the order they are asked."""

    HELD_AT = "held_at"  # 面谈时间
    PLACE = "place"  # 面谈地点
    PARTICIPANTS = "participants"  # 参加人
    TOPIC = "topic"  # 面谈主题
    SUMMARY = "summary"  # 面谈内容概要


# The families


@dataclass(frozen=True)
class AppealPress(ButtonData, prefix="a"):
    """A press on the examinee's appeal form (申诉表): start or resume it, say what is disputed, go on
    to the evidence and the review, submit."""

    cycle: Id
    action: AppealAction
    disputed: Disputed | None = None  # with DISPUTE only
    key: Key | None = None  # the dimension or item disputed


@dataclass(frozen=True)
class DeskPress(ButtonData, prefix="ap"):
    """A press on one appeal at the appeals desk."""

    cycle: Id
    action: DeskAction
    appeal: Id


@dataclass(frozen=True)
class ConsultPress(ButtonData, prefix="ao"):
    """Asking a party about an appeal (征求意见), named by the button or by the name the asker types;
    or answering as the party asked."""

    cycle: Id
    action: ConsultAction
    subject: Id  # the appeal asked about (ASK), or the opinion to answer (ANSWER)
    party: Id | None = None  # with ASK: the member to ask; left off: the asker types a name


@dataclass(frozen=True)
class DecisionPress(ButtonData, prefix="ad"):
    """A step of the committee's decision on one appeal (最终裁定)."""

    cycle: Id
    action: DecisionAction
    appeal: Id
    key: Key | None = None  # with ITEM and GRADE only


@dataclass(frozen=True)
class InterviewPress(ButtonData, prefix="iv"):
    """A step of recording an interview (面谈记录) with one examinee: pick them, type a field again, save
    the record."""

    cycle: Id
    action: InterviewAction
    examinee: Id
    field: InterviewField | None = None  # with EDIT only
