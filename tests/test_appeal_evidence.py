"""Appeal evidence shown (证明材料): the photos and documents an examinee gave are sent, by their
Telegram file ids, to everyone who handles the appeal: the desk, the committee and a party asked."""

from __future__ import annotations

import pytest
from appeal_helpers import MEMBER, OFFICER, ORG_OFFICER, SCORER, opens_the_appeal, released_cycle, sends_file
from cycle_helpers import Person

from flows.ui.chat import Attachment, AttachmentKind, Content

REASON = "工作业绩一项没有计入我负责的迎新晚会签到工作，与事实不符。"


def shown(person: Person) -> list[tuple[AttachmentKind, str | None, str]]:
    """The files among ``person``'s last replies: kind, Telegram file id, caption."""
    return [(r.attachment.kind, r.attachment.file_id, r.text) for r in person.last if r.attachment]


@pytest.fixture
def people(session, sample_roster) -> dict[str, Person]:
    """The officer's appeal with a text, a photo and a document, submitted."""
    people = released_cycle(session, sample_roster)
    officer = people[OFFICER]
    officer.says("/appeal")
    officer.taps("总分与等级")
    officer.says(REASON)
    officer.says("迎新晚会签到表由我整理。")
    sends_file(officer, Content.PHOTO, "photo-2", "签到表照片")
    sends_file(officer, Content.DOCUMENT, "doc-3")
    officer.taps("完成")
    officer.taps("提交申诉")
    officer.taps("确认提交")
    return people


EVIDENCE = [
    (AttachmentKind.PHOTO, "photo-2", "2. 📷 照片：签到表照片"),
    (AttachmentKind.DOCUMENT, "doc-3", "3. 📄 文件"),
]


def test_the_desk_opening_an_appeal_receives_its_photo_and_document_themselves(people):
    assert "处理 1 件申诉" in people[ORG_OFFICER].says("/start")  # the home screen points to it
    people[ORG_OFFICER].taps("处理申诉")
    assert "签到表照片" in opens_the_appeal(people[ORG_OFFICER])
    assert shown(people[ORG_OFFICER]) == EVIDENCE


def test_the_committee_handling_an_appeal_receives_its_photo_and_document(people):
    desk = people[ORG_OFFICER]
    opens_the_appeal(desk)
    desk.taps("上报考核小组")
    opens_the_appeal(people[MEMBER])
    assert shown(people[MEMBER]) == EVIDENCE
    assert "裁定" in "".join(people[MEMBER].buttons())  # the appeal's own buttons stay with it


def test_a_party_asked_receives_the_evidence_with_the_question(people):
    desk, member, scorer = people[ORG_OFFICER], people[MEMBER], people[SCORER]
    opens_the_appeal(desk)
    desk.taps("上报考核小组")
    opens_the_appeal(member)
    member.taps("征求评分人意见")
    member.says("签到表上的人数属实吗？")
    scorer.says("/appeals")
    assert "签到表上的人数属实吗" in scorer.taps("答复")
    assert shown(scorer) == EVIDENCE


def test_an_attachment_needs_bytes_or_a_file_id():
    with pytest.raises(ValueError):
        Attachment(AttachmentKind.PHOTO)
