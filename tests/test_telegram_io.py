"""The Telegram adapter in process: updates become flow inputs, replies become the right Bot API calls."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from fakebotapi import FakeBotApi
from telegram import Update
from telegram.ext import Application, CallbackContext

from bot.telegram_io import calls_for, execute, incoming_from
from flows.notices.notice import Topic
from flows.reminders.nudge import NudgePress
from flows.ui.chat import Attachment, AttachmentKind, Button, ChatKind, Content, Reply, SetMenu
from storage import live_messages
from storage.db import session_scope


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


async def perform(update: Update, context: CallbackContext, actions: list) -> None:
    """The calls for the actions, stored as JSON as the inbox does, then made one by one."""
    for call in json.loads(json.dumps(calls_for(update, actions))):
        await execute(context.bot, context.bot_data.get("engine"), call)


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


def _pressable(label: str, data: Topic = Topic.SCORE) -> tuple[tuple[Button, ...], ...]:
    return ((Button(label, NudgePress(1, data)),),)


async def _pressed(
    api: FakeBotApi, application: Application, user, message
) -> tuple[Update, CallbackContext]:
    """The update of a press of the first button on ``message``."""
    user.press(message, message.labels[0])
    raw = [u for u in api.pending_updates() if "callback_query" in u][-1]
    return await update_from(api, application, raw)


async def test_an_update_says_which_message_was_typed_or_pressed(api, application):
    user = api.user(505)
    typed = user.send("18")
    update, context = await update_from(api, application, {"message": typed})
    assert incoming_from(update).message_id == typed["message_id"]
    await perform(update, context, [Reply("问题", buttons=_pressable("是"))])
    question = user.wait_for("问题")
    update, _ = await _pressed(api, application, user, question)
    assert incoming_from(update).message_id == question.message_id


async def test_a_task_keeps_one_live_message_edited_by_presses_and_typed_answers(api, application, engine):
    application.bot_data["engine"] = engine
    user = api.user(506)
    update, context = await update_from(api, application, {"message": user.send("/score")})
    await perform(update, context, [Reply("第 1 项", buttons=_pressable("15"), live="score")])
    sheet = user.wait_for("第 1 项")
    update, context = await _pressed(api, application, user, sheet)
    await perform(update, context, [Reply("第 2 项", buttons=_pressable("12"), live="score", edit=True)])
    update, context = await update_from(api, application, {"message": user.send("12")})
    await perform(update, context, [Reply("第 3 项", buttons=_pressable("10"), live="score", edit=True)])
    assert user.wait_for("第 3 项").edited
    [only] = api.sent(506)  # one message, edited twice
    assert only.message_id == sheet.message_id and only.labels == ["10"]
    with session_scope(engine) as session:
        assert live_messages.live_message(session, 506, "score") == sheet.message_id


async def test_a_newer_screen_removes_the_keyboard_of_the_one_it_replaces(api, application, engine):
    application.bot_data["engine"] = engine
    user = api.user(507)
    update, context = await update_from(api, application, {"message": user.send("/score")})
    await perform(update, context, [Reply("名单", buttons=_pressable("龙浩"), live="score")])
    update, context = await update_from(api, application, {"message": user.send("/score")})
    await perform(update, context, [Reply("名单（新）", buttons=_pressable("龙浩"), live="score")])
    user.wait_for("名单（新）")
    older, newer = api.sent(507)
    assert older.buttons == [] and newer.labels == ["龙浩"]
    with session_scope(engine) as session:
        assert live_messages.live_message(session, 507, "score") == newer.message_id


async def test_a_newer_screen_leaves_alone_a_replaced_one_that_had_no_buttons(api, application, engine):
    application.bot_data["engine"] = engine
    user = api.user(510)
    update, context = await update_from(api, application, {"message": user.send("/self")})
    await perform(update, context, [Reply("已提交，谢谢", live="self")])  # a last screen: no buttons
    update, context = await update_from(api, application, {"message": user.send("/self")})
    await perform(update, context, [Reply("（1/5）思想政治", buttons=_pressable("跳过"), live="self")])
    user.wait_for("（1/5）")
    assert api.calls("editMessageReplyMarkup") == []  # nothing to remove: no refused request spent
    update, context = await update_from(api, application, {"message": user.send("/self")})
    await perform(update, context, [Reply("（1/5）思想政治", buttons=_pressable("跳过"), live="self")])
    [removed] = api.calls("editMessageReplyMarkup")  # the screen with buttons loses them
    assert removed.ok
    assert [message.labels for message in api.sent(510)] == [[], [], ["跳过"]]


async def test_a_live_message_telegram_refuses_to_edit_is_sent_anew_and_kept_as_the_live_one(
    api, application, engine
):
    application.bot_data["engine"] = engine
    user = api.user(508)
    update, context = await update_from(api, application, {"message": user.send("/self")})
    await perform(update, context, [Reply("（1/5）思想政治", live="self")])
    user.delete(user.wait_for("（1/5）"))
    update, context = await update_from(
        api, application, {"message": user.send("认真学习，积极参加团日活动。")}
    )
    await perform(update, context, [Reply("已保存。（2/5）学习", live="self", edit=True)])
    resent = user.wait_for("（2/5）")
    assert not resent.edited
    with session_scope(engine) as session:
        assert live_messages.live_message(session, 508, "self") == resent.message_id
    assert "update failed" not in str([c.description for c in api.calls() if not c.ok])


async def test_a_press_on_a_message_that_is_not_the_live_one_opens_the_screen_anew(api, application, engine):
    application.bot_data["engine"] = engine
    user = api.user(509)
    update, context = await update_from(api, application, {"message": user.send("/score")})
    await perform(update, context, [Reply("评分表", buttons=_pressable("📋"), live="score")])
    await perform(update, context, [Reply("提醒：请评分", buttons=_pressable("打开"))])
    reminder = user.wait_for("提醒")
    update, context = await _pressed(api, application, user, reminder)
    await perform(update, context, [Reply("名单", buttons=_pressable("龙浩"), live="score", edit=True)])
    sheet, reminder_now, listing = api.sent(509)
    assert reminder_now.text == "提醒：请评分" and reminder_now.labels == ["打开"]  # the notice stays
    assert listing.text == "名单" and not listing.edited
    assert sheet.buttons == []  # the screen it replaces lost its keyboard
