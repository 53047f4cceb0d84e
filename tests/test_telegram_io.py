"""The Telegram adapter in process: updates become flow inputs, replies become the right Bot API calls."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fakebotapi import FakeBotApi
from telegram import Update
from telegram.ext import Application, CallbackContext

from bot.telegram_io import incoming_from, perform
from flows.notices.notice import Topic
from flows.notices.nudge import NudgePress
from flows.ui.chat import Attachment, AttachmentKind, Button, ChatKind, Content, Reply, SetMenu


@pytest.fixture
def api():
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def application(api: FakeBotApi) -> AsyncIterator[Application]:
    app = Application.builder().token(api.token).base_url(api.base_url).build()
    async with app:
        yield app


async def update_from(
    api: FakeBotApi, application: Application, payload: dict
) -> tuple[Update, CallbackContext]:
    update = Update.de_json({"update_id": 1, **payload}, application.bot)
    return update, CallbackContext.from_update(update, application)


async def test_a_private_text_becomes_an_incoming_with_its_command(api, application):
    message = api.user(501, language_code="en").send("/start@kaohe_test_bot abc")
    update, _ = await update_from(api, application, {"message": message})
    incoming = incoming_from(update)
    assert incoming is not None
    assert (incoming.telegram_user_id, incoming.chat_kind, incoming.command, incoming.argument) == (
        501,
        ChatKind.PRIVATE,
        "start",
        "abc",
    )
    assert incoming.language_code == "en"


async def test_a_sticker_is_marked_as_a_sticker(api, application):
    update, _ = await update_from(api, application, {"message": api.user(502).send_sticker()})
    assert incoming_from(update).content is Content.STICKER


async def test_replies_with_buttons_photos_documents_and_a_menu_reach_the_api(api, application):
    user = api.user(503)
    update, context = await update_from(api, application, {"message": user.send("/review")})
    chart = Attachment(AttachmentKind.PHOTO, "chart.png", b"\x89PNG fake")
    workbook = Attachment(AttachmentKind.DOCUMENT, "kaohe.xlsx", b"PK fake")
    await perform(
        update,
        context,
        [
            Reply("<b>分布</b>", buttons=((Button("确认", NudgePress(1, Topic.SELF)),),)),
            Reply("图表", attachment=chart),
            Reply("归档", attachment=workbook),
            SetMenu(503, "zh-CN", (("self", "填写自我评定"),)),
        ],
    )
    text, photo, document = api.sent(503)
    assert text.text == "分布" and text.buttons == [[("确认", "n:1:self")]]
    assert photo.photo is not None and photo.caption == "图表"
    assert document.document is not None and document.document.content == b"PK fake"
    assert document.document.filename == "kaohe.xlsx"
    assert api.commands({"type": "chat", "chat_id": 503}) == [("self", "填写自我评定")]


async def test_a_photo_and_a_document_telegram_keeps_are_sent_again_by_their_file_ids(api, application):
    user = api.user(505)
    photo = user.send_photo(caption="签到表")["photo"][-1]["file_id"]
    document = user.send_document(b"%PDF fake", filename="sign-in.pdf")["document"]["file_id"]
    update, context = await update_from(api, application, {"message": user.send("/appeals")})
    await perform(
        update,
        context,
        [
            Reply("1. 📷 照片", attachment=Attachment(AttachmentKind.PHOTO, file_id=photo)),
            Reply("2. 📄 文件", attachment=Attachment(AttachmentKind.DOCUMENT, file_id=document)),
        ],
    )
    sent_photo, sent_document = api.sent(505)
    assert sent_photo.photo is not None and sent_photo.photo.file_id == photo
    assert sent_document.document is not None and sent_document.document.content == b"%PDF fake"


async def test_a_button_press_is_answered_once_and_its_message_edited(api, application):
    user = api.user(504)
    update, context = await update_from(api, application, {"message": user.send("/self")})
    await perform(update, context, [Reply("问题", buttons=((Button("是", NudgePress(1, Topic.SCORE)),),))])
    question = user.wait_for("问题")
    pressed = user.press(question, "是")
    [raw] = [u for u in api.pending_updates() if "callback_query" in u]
    update, context = await update_from(api, application, raw)
    await perform(update, context, [Reply("已确认", edit=True, notice="好")])
    assert pressed.wait_answer().text == "好"
    assert user.wait_for("已确认").edited
