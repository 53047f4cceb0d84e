"""The fake Bot API behaves as Telegram documents, as seen by python-telegram-bot and by raw HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator

import fakebotapi
import httpx
import pytest
from aiohttp import web
from fakebotapi import FakeBotApi, SimUser
from fakebotapi.faults import TELEGRAM_BURSTS, TELEGRAM_FLOOD_LIMITS, FloodLimiter
from fakebotapi.formatting import parse_html
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, ContextTypes

ALICE = 1001
BOB = 1002
GROUP = -1001234567890

fake_bot_api = fakebotapi.fake_bot_api  # the package's own fixture, as other test modules take it


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


@pytest.fixture
def alice(api: FakeBotApi) -> SimUser:
    """Alice has started the bot."""
    user = api.user(ALICE, "Alice", username="alice")
    user.send("/start")
    return user


def last_description(api: FakeBotApi) -> str | None:
    return api.calls()[-1].description


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


# The bot and the HTTP surface.


async def test_get_me_describes_the_bot_whose_id_is_the_tokens_number(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456789, True, "kaohe_test_bot")
    assert me.can_join_groups and not me.can_read_all_group_messages


def test_a_wrong_token_is_unauthorized_a_malformed_one_and_an_unknown_method_not_found(
    api: FakeBotApi,
) -> None:
    root = api.base_url.removesuffix("/bot")
    wrong = httpx.post(f"{root}/bot42:not-the-secret/getMe")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert httpx.post(f"{root}/botgarbage/getMe").status_code == 404
    unknown = httpx.post(f"{api.base_url}{api.token}/sendTelepathy")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )


async def test_ptb_reports_a_wrong_token_as_invalid(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        await Bot("42:not-the-secret", base_url=api.base_url).get_me()


def test_parameters_arrive_as_query_string_form_json_or_multipart(api: FakeBotApi, alice: SimUser) -> None:
    url = f"{api.base_url}{api.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]}
    answers = [
        httpx.get(url, params={"chat_id": ALICE, "text": "by query"}),
        httpx.post(url, data={"chat_id": str(ALICE), "text": "by form", "reply_markup": json.dumps(markup)}),
        httpx.post(url, json={"chat_id": ALICE, "text": "by json", "reply_markup": markup}),
        httpx.post(url, data={"chat_id": str(ALICE), "text": "by multipart"}, files={"x": ("x.txt", b"x")}),
        httpx.post(f"{api.base_url}{api.token}/SENDMESSAGE", data={"chat_id": ALICE, "text": "any case"}),
    ]
    assert [a.status_code for a in answers] == [200] * 5
    results = [a.json()["result"] for a in answers]
    assert [r["text"] for r in results] == ["by query", "by form", "by json", "by multipart", "any case"]
    assert results[1]["reply_markup"] == results[2]["reply_markup"] == markup
    assert [r["message_id"] for r in results] == [2, 3, 4, 5, 6]  # after Alice's /start, per chat
    assert api.calls("sendMessage")[1].params["chat_id"] == ALICE


def test_a_refusal_uses_telegrams_envelope(api: FakeBotApi, alice: SimUser) -> None:
    answer = httpx.post(f"{api.base_url}{api.token}/sendMessage", data={"chat_id": ALICE, "text": ""})
    assert answer.status_code == 400
    assert answer.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message text is empty",
    }
    garbled = {"chat_id": ALICE, "text": "x", "reply_markup": "{not json"}
    assert httpx.post(f"{api.base_url}{api.token}/sendMessage", data=garbled).status_code == 400
    assert last_description(api) == "Bad Request: can't parse reply keyboard markup JSON object"


# Sending, and what the tests read back.


async def test_send_message_with_inline_keyboard_is_echoed_and_recorded(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("同意", callback_data="vote:yes"),
                InlineKeyboardButton("Docs", url="https://e.org"),
            ]
        ]
    )
    message = await bot.send_message(ALICE, "<b>投票</b> &amp; 提交", parse_mode="HTML", reply_markup=markup)
    assert message.text == "投票 & 提交"
    assert message.chat.id == ALICE and message.chat.type == "private" and message.from_user.id == api.bot_id
    assert message.reply_markup == markup and message.text_html == "<b>投票</b> &amp; 提交"
    seen = alice.wait_for("投票")
    assert seen.buttons == [[("同意", "vote:yes"), ("Docs", "https://e.org")]]
    assert (seen.raw, seen.parse_mode, seen.message_id) == (
        "<b>投票</b> &amp; 提交",
        "HTML",
        message.message_id,
    )
    assert api.sent(ALICE) == [seen]


async def test_wait_for_steps_through_the_conversation_in_order(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    for text in ("one", "two", "three"):
        await bot.send_message(ALICE, text)
    assert alice.wait_for("two").text == "two"
    assert [m.text for m in alice.unread()] == ["three"]
    assert alice.wait_for(lambda m: m.text.startswith("th")).text == "three"
    with pytest.raises(AssertionError, match="unread there: \\[\\]"):
        alice.wait_for("one", timeout=0.1)
    await bot.send_message(ALICE, "menu", reply_markup=keyboard([("A", "a")]))
    with pytest.raises(AssertionError, match="unread there: \\['menu' \\['A'\\]\\]"):
        alice.wait_for("nothing like it", timeout=0.1)


async def test_edits_are_seen_as_new_versions_with_their_history(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    message = await bot.send_message(ALICE, "Step 1", reply_markup=keyboard([("Next", "next")]))
    await bot.edit_message_text("<i>Step 2</i>", ALICE, message.message_id, parse_mode="HTML")
    assert alice.wait_for("Step 1").buttons == [[("Next", "next")]]
    edited = alice.wait_for("Step 2")
    assert (
        edited.edited
        and edited.buttons == []
        and edited.entities == [{"offset": 0, "length": 6, "type": "italic"}]
    )
    assert [version.text for version in edited.history] == ["Step 1"]
    await bot.edit_message_reply_markup(ALICE, message.message_id, reply_markup=keyboard([("Back", "back")]))
    assert alice.wait_for().labels == ["Back"]
    [current] = api.sent(ALICE)
    assert [v.labels for v in [*current.history, current]] == [["Next"], [], ["Back"]]


async def test_edit_with_identical_content_is_refused_as_not_modified(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    message = await bot.send_message(
        ALICE, "<b>Hi</b>", parse_mode="HTML", reply_markup=keyboard([("A", "a")])
    )
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text(
            "<b>Hi</b>", ALICE, message.message_id, parse_mode="HTML", reply_markup=keyboard([("A", "a")])
        )
    assert last_description(api) == (
        "Bad Request: message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(ALICE, message.message_id, reply_markup=keyboard([("A", "a")]))
    # The same words without the bold, or without the keyboard, are a change.
    await bot.edit_message_text("Hi", ALICE, message.message_id, reply_markup=keyboard([("A", "a")]))
    await bot.edit_message_text("Hi", ALICE, message.message_id)


async def test_edit_or_delete_of_a_missing_message_is_refused(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    with pytest.raises(BadRequest):
        await bot.edit_message_text("x", ALICE, 999)
    assert last_description(api) == "Bad Request: message to edit not found"
    start_id = 1  # Alice's own /start
    with pytest.raises(BadRequest):
        await bot.edit_message_text("x", ALICE, start_id)
    assert last_description(api) == "Bad Request: message can't be edited"
    message = await bot.send_message(ALICE, "bye")
    assert await bot.delete_message(ALICE, message.message_id)
    assert api.sent(ALICE)[-1].deleted
    with pytest.raises(BadRequest):
        await bot.delete_message(ALICE, message.message_id)
    assert last_description(api) == "Bad Request: message to delete not found"
    with pytest.raises(BadRequest):
        await bot.edit_message_text("x", ALICE, message.message_id)
    assert last_description(api) == "Bad Request: message to edit not found"


async def test_a_user_can_delete_a_bot_message_which_can_then_no_longer_be_edited_or_pressed(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    message = await bot.send_message(ALICE, "sheet", reply_markup=keyboard([("Next", "next")]))
    seen = alice.wait_for("sheet")
    alice.delete(seen)
    assert api.sent(ALICE)[-1].deleted
    with pytest.raises(BadRequest):
        await bot.edit_message_text("sheet 2", ALICE, message.message_id)
    assert last_description(api) == "Bad Request: message to edit not found"
    with pytest.raises(LookupError, match="deleted"):
        alice.press(seen, "Next")


# Telegram's refusals of content.


@pytest.mark.parametrize("text", ["", "   \n", "<b></b>"])
async def test_empty_text_is_refused(api: FakeBotApi, bot: Bot, alice: SimUser, text: str) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(ALICE, text, parse_mode="HTML")
    assert last_description(api) == "Bad Request: message text is empty"


async def test_text_over_4096_utf16_units_after_parsing_is_too_long(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    await bot.send_message(ALICE, "a" * 4096)
    await bot.send_message(ALICE, "😀" * 2048)  # two UTF-16 units each
    await bot.send_message(ALICE, "<b>" + "a" * 4093 + "</b>&lt;&gt;&amp;", parse_mode="HTML")
    for text in ("a" * 4097, "😀" * 2048 + "a"):
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(ALICE, text)
        assert last_description(api) == "Bad Request: message is too long"


async def test_caption_over_1024_is_too_long(api: FakeBotApi, bot: Bot, alice: SimUser) -> None:
    with pytest.raises(BadRequest):
        await bot.send_document(ALICE, b"data", filename="a.txt", caption="c" * 1025)
    assert last_description(api) == "Bad Request: message caption is too long"


@pytest.mark.parametrize("data", ["x" * 65, "é" * 33, ""])
async def test_callback_data_not_of_1_to_64_bytes_is_refused(
    api: FakeBotApi, bot: Bot, alice: SimUser, data: str
) -> None:
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(ALICE, "pick", reply_markup=keyboard([("Pick", data)]))
    assert last_description(api) == "Bad Request: BUTTON_DATA_INVALID"


async def test_callback_data_of_64_bytes_is_accepted(bot: Bot, alice: SimUser) -> None:
    await bot.send_message(ALICE, "pick", reply_markup=keyboard([("Pick", "x" * 64)]))


async def test_an_inline_keyboard_holds_at_most_100_buttons(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    rows = [[(f"{row}.{column}", f"{row}:{column}") for column in range(5)] for row in range(20)]
    await bot.send_message(ALICE, "a hundred", reply_markup=keyboard(*rows))
    with pytest.raises(BadRequest, match="Reply markup is too long"):
        await bot.send_message(ALICE, "one more", reply_markup=keyboard(*rows, [("101", "101")]))
    assert last_description(api) == "Bad Request: reply markup is too long"
    assert [m.text for m in api.sent(ALICE)] == ["a hundred"]


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("学生 <br> 干部", 'Unsupported start tag "br" at byte offset 7'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("Tom&nbsp;Lee", 'Unsupported HTML entity "&nbsp;" at byte offset 3'),
    ],
)
async def test_malformed_html_is_refused_as_unparsable_entities(
    api: FakeBotApi, bot: Bot, alice: SimUser, html: str, error: str
) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(ALICE, html, parse_mode="HTML")
    assert last_description(api) == f"Bad Request: can't parse entities: {error}"


def test_telegrams_html_becomes_plain_text_and_utf16_entities() -> None:
    text, entities = parse_html(
        '😀<b>粗</b> <a href="https://t.me/x?a=1&amp;b=2">link</a> <tg-spoiler>s</tg-spoiler> '
        '<pre><code class="language-python">x = 1</code></pre> <blockquote expandable>q</blockquote> '
        "A & B &#20013;"
    )
    assert text == "😀粗 link s x = 1 q A & B 中"
    assert entities == [
        {"offset": 2, "length": 1, "type": "bold"},
        {"offset": 4, "length": 4, "type": "text_link", "url": "https://t.me/x?a=1&b=2"},
        {"offset": 9, "length": 1, "type": "spoiler"},
        {"offset": 11, "length": 5, "type": "pre", "language": "python"},
        {"offset": 17, "length": 1, "type": "expandable_blockquote"},
    ]


# Who the bot may write to.


async def test_a_chat_the_bot_never_saw_is_not_found(api: FakeBotApi, bot: Bot) -> None:
    api.user(BOB, "Bob")  # exists, but never wrote to the bot
    for chat_id in (BOB, 999):
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(chat_id, "hello")
        assert last_description(api) == "Bad Request: chat not found"


async def test_a_user_who_blocked_the_bot_is_forbidden_until_they_write_again(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    alice.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "hello")
    assert last_description(api) == "Forbidden: bot was blocked by the user"
    kinds = [next(k for k in update if k != "update_id") for update in api.pending_updates()]
    assert kinds == ["message", "my_chat_member"]
    alice.send("/start")
    await bot.send_message(ALICE, "welcome back")


async def test_privacy_mode_shows_the_bot_only_commands_mentions_and_replies_in_groups(
    api: FakeBotApi, bot: Bot
) -> None:
    group = api.group(GROUP, "学生会")
    bob = api.user(BOB, "Bob")
    assert group.send(bob, "hello everyone") is None
    assert group.send(bob, "/start@some_other_bot") is None
    assert group.send(bob, "/help@kaohe_test_bot") is not None
    assert group.send(bob, "ping @kaohe_test_bot") is not None
    reply = await bot.send_message(GROUP, "pong")
    assert group.send(bob, "thanks", reply_to=reply.message_id) is not None
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["/help@kaohe_test_bot", "ping @kaohe_test_bot", "thanks"]
    assert updates[0].message.chat.type == "supergroup" and updates[0].message.chat.title == "学生会"
    assert group.wait_for("pong").chat_id == GROUP
    with pytest.raises(Forbidden):  # the bot knows Bob now, but Bob never opened a chat with it
        await bot.send_message(BOB, "hi")
    assert last_description(api) == "Forbidden: bot can't initiate conversation with a user"


async def test_get_chat_and_chat_actions_and_menu_buttons(api: FakeBotApi, bot: Bot, alice: SimUser) -> None:
    chat = await bot.get_chat(ALICE)
    assert (chat.first_name, chat.username, chat.type) == ("Alice", "alice", "private")
    assert await bot.send_chat_action(ALICE, "typing")
    with pytest.raises(BadRequest):
        await bot.send_chat_action(ALICE, "dancing")
    assert await bot.set_chat_menu_button(chat_id=ALICE, menu_button=MenuButtonCommands())
    assert api.menu_button(ALICE) == {"type": "commands"}
    assert (await bot.get_chat_menu_button(ALICE)).type == "commands"


# Updates: long polling, button presses, webhook.


async def test_long_poll_returns_a_users_message_promptly_and_offset_confirms_it(
    api: FakeBotApi, bot: Bot
) -> None:
    alice = api.user(ALICE, "Alice", language_code="en")
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.to_thread(api.wait_until_polling)
    sent = alice.send("/start CODE-123")
    [update] = await asyncio.wait_for(poll, 5)  # long before the 30 s timeout
    message = update.message
    assert message.text == "/start CODE-123" and message.message_id == sent["message_id"]
    assert (message.chat.id, message.from_user.first_name, message.from_user.language_code) == (
        ALICE,
        "Alice",
        "en",
    )
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 6)]
    assert await bot.get_updates(timeout=0) == (update,)  # not confirmed yet
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert api.pending_updates() == []


async def test_get_updates_honours_limit_and_allowed_updates(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    await bot.get_updates(offset=-1, allowed_updates=[Update.CALLBACK_QUERY])
    assert len(api.pending_updates()) == 1  # a negative offset keeps the last -offset updates
    alice.send("not allowed, never queued")
    message = await bot.send_message(ALICE, "pick", reply_markup=keyboard([("A", "a")], [("B", "b")]))
    first, second = alice.press(message, "a"), alice.press(message, "B")
    updates = await bot.get_updates(offset=api.pending_updates()[-1]["update_id"] - 1, limit=1)
    assert [u.callback_query.id for u in updates] == [first.query_id]
    assert second.data == "b"


async def test_a_newer_get_updates_ends_a_waiting_one_with_conflict(api: FakeBotApi, bot: Bot) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.to_thread(api.wait_until_polling)
    async with httpx.AsyncClient() as client:
        newer = await client.post(f"{api.base_url}{api.token}/getUpdates", data={"timeout": 0})
    assert newer.json() == {"ok": True, "result": []}
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(waiting, 5)


async def test_pressing_a_button_sends_a_callback_query_that_the_bot_answers_once(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    await bot.get_updates(offset=-1)
    await bot.send_message(
        ALICE, "Confirm?", reply_markup=keyboard([("Yes", "confirm:yes"), ("No", "confirm:no")])
    )
    shown = alice.wait_for("Confirm?")
    pressed = alice.press(shown, "Yes")  # by label; alice.press(shown, "confirm:yes") presses the same
    updates = await bot.get_updates(offset=(await bot.get_updates())[-1].update_id)
    query = updates[-1].callback_query
    assert (query.id, query.data, query.from_user.id) == (pressed.query_id, "confirm:yes", ALICE)
    assert query.message.message_id == shown.message_id and query.chat_instance
    assert await query.answer("已确认", show_alert=True)
    answer = pressed.wait_answer()
    assert (answer.text, answer.show_alert, answer.user_id, answer.data) == (
        "已确认",
        True,
        ALICE,
        "confirm:yes",
    )
    assert api.callback_answers == [answer]
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()
    assert last_description(api) == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )
    with pytest.raises(LookupError, match="'Yes', 'No'"):
        alice.press(shown, "Maybe")


async def test_webhook_gets_updates_with_the_secret_header_and_retries_failures(
    api: FakeBotApi, bot: Bot
) -> None:
    received: asyncio.Queue[tuple[str | None, dict]] = asyncio.Queue()
    attempts: list[int] = []

    async def hook(request: web.Request) -> web.Response:
        attempts.append(1)
        received.put_nowait((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(status=500 if len(attempts) == 1 else 200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        assert await bot.set_webhook(url, secret_token="s3cret_token")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        api.user(ALICE, "Alice").send("hello webhook")
        first = await asyncio.wait_for(received.get(), 5)
        again = await asyncio.wait_for(received.get(), 5)  # the first answer was 500
        assert first == again and first[0] == "s3cret_token"
        assert first[1]["message"]["text"] == "hello webhook"
        info = await bot.get_webhook_info()
        assert (
            info.url == url
            and info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        )
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
        assert len(attempts) == 2 and api.pending_updates() == []
    finally:
        await runner.cleanup()


# Files.


async def test_send_document_uploads_multipart_with_filename_bytes_and_caption(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    message = await bot.send_document(
        ALICE, b"name,score\nAlice,95\n", filename="scores.csv", caption="<b>成绩</b>", parse_mode="HTML"
    )
    assert message.document.file_name == "scores.csv" and message.document.mime_type == "text/csv"
    assert message.caption == "成绩" and message.caption_entities[0].type == "bold"
    shown = alice.wait_for("成绩")
    assert shown.document.content == b"name,score\nAlice,95\n" and shown.document.filename == "scores.csv"
    assert api.calls("sendDocument")[0].uploads["document"].filename == "scores.csv"
    again = await bot.send_document(ALICE, message.document.file_id)
    assert again.document.file_id == message.document.file_id
    file = await bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"name,score\nAlice,95\n")
    photo = await bot.send_photo(ALICE, b"\x89PNG fake", caption="pic")
    assert alice.wait_for("pic").photo.content == b"\x89PNG fake" and photo.photo[-1].width > 0
    with pytest.raises(BadRequest):
        await bot.send_document(ALICE, "no-such-file-id")
    assert last_description(api) == "Bad Request: wrong file identifier/HTTP URL specified"


async def test_files_users_send_can_be_fetched_with_get_file(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    await bot.get_updates(offset=-1)
    alice.send_document(b"%PDF-1.4 proof", "proof.pdf", caption="证明")
    alice.send_photo(caption="photo")
    alice.send_sticker("🎉")
    alice.send_voice(duration=3)
    updates = (await bot.get_updates())[1:]
    document, photo, sticker, voice = (u.message for u in updates)
    assert (document.document.file_name, document.document.mime_type, document.caption) == (
        "proof.pdf",
        "application/pdf",
        "证明",
    )
    fetched = await bot.get_file(document.document.file_id)
    assert bytes(await fetched.download_as_bytearray()) == b"%PDF-1.4 proof"
    picture = await bot.get_file(photo.photo[-1].file_id)
    assert (await picture.download_as_bytearray()).startswith(b"\x89PNG")
    assert sticker.sticker.emoji == "🎉" and voice.voice.mime_type == "audio/ogg"
    assert api.calls("getUpdates")[-1].result[-1]["message"]["voice"]["duration"] == 3
    with pytest.raises(BadRequest):
        await bot.get_file("unknown")


# Commands.


async def test_set_my_commands_is_kept_per_scope_and_language(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    bob = api.user(BOB, "Bob", language_code="en-US")
    bob.send("/start")
    await bot.set_my_commands([BotCommand("start", "开始"), BotCommand("help", "帮助")])
    await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    await bot.set_my_commands([BotCommand("review", "评议")], scope=BotCommandScopeChat(ALICE))
    assert api.commands() == [("start", "开始"), ("help", "帮助")]
    assert api.commands("default", "en") == [("start", "Start")]
    assert api.commands(BotCommandScopeChat(ALICE)) == [("review", "评议")]
    assert api.commands(BotCommandScopeChat(ALICE), "en") == []
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["start"]
    assert api.visible_commands(alice) == [("review", "评议")]
    assert api.visible_commands(bob) == [("start", "Start")]
    assert await bot.delete_my_commands(language_code="en")
    assert api.visible_commands(bob) == [("start", "开始"), ("help", "帮助")]
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Start!", "bad")])
    assert last_description(api) == "Bad Request: BOT_COMMAND_INVALID"
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([BotCommand("x", "x")], scope=BotCommandScopeChat(999))


# Failures on demand.


async def test_flood_limits_refuse_sends_above_the_rate_with_retry_after(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    api.user(BOB, "Bob").send("/start")
    api.flood_limits(per_chat_per_second=0.1)  # one message per 10 s in each chat
    await bot.send_message(ALICE, "one")
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "two")
    refused = api.calls("sendMessage")[-1]
    assert (refused.status, refused.description) == (
        429,
        "Too Many Requests: retry after 10",
    )  # ceil(9.99...)
    await bot.send_message(BOB, "another chat is fine")
    raw = httpx.post(f"{api.base_url}{api.token}/sendMessage", data={"chat_id": ALICE, "text": "three"})
    assert raw.status_code == 429 and 1 <= raw.json()["parameters"]["retry_after"] <= 10
    api.flood_limits()
    await bot.send_message(ALICE, "four")
    assert [m.text for m in api.sent(ALICE)] == ["one", "four"]


def test_flood_limiter_counts_per_chat_overall_and_per_group_minute_as_telegram_does() -> None:
    clock = [0.0]
    limiter = FloodLimiter(clock=lambda: clock[0])
    limiter.configure(**TELEGRAM_FLOOD_LIMITS)
    limiter.check(ALICE, group=False)
    with pytest.raises(Exception, match="retry after 1"):
        limiter.check(ALICE, group=False)
    for index in range(29):
        clock[0] += 0.001
        limiter.check(2000 + index, group=False)
    with pytest.raises(Exception, match="retry after 1"):
        limiter.check(BOB, group=False)
    for _ in range(20):
        clock[0] += 1.0
        limiter.check(GROUP, group=True)
    with pytest.raises(Exception, match="retry after 41"):
        limiter.check(GROUP, group=True)
    clock[0] += 41
    limiter.check(GROUP, group=True)


def test_with_bursts_a_private_chat_takes_three_at_once_then_one_a_second_and_a_group_does_not() -> None:
    clock = [0.0]
    limiter = FloodLimiter(clock=lambda: clock[0])
    limiter.configure(**TELEGRAM_FLOOD_LIMITS, **TELEGRAM_BURSTS)
    for _ in range(3):
        limiter.check(ALICE, group=False)
    with pytest.raises(Exception, match="retry after 1"):
        limiter.check(ALICE, group=False)
    clock[0] += 0.5
    with pytest.raises(Exception, match="retry after 1"):  # half a message back: not yet
        limiter.check(ALICE, group=False)
    clock[0] += 0.5
    limiter.check(ALICE, group=False)
    with pytest.raises(Exception, match="retry after 1"):
        limiter.check(ALICE, group=False)
    clock[0] += 10.0  # refilled to three, no more
    for _ in range(3):
        limiter.check(ALICE, group=False)
    with pytest.raises(Exception, match="retry after 1"):
        limiter.check(ALICE, group=False)
    limiter.check(GROUP, group=True)
    with pytest.raises(Exception, match="retry after 1"):  # a group: one a second, no burst
        limiter.check(GROUP, group=True)


def test_with_bursts_the_overall_limit_still_holds() -> None:
    clock = [0.0]
    limiter = FloodLimiter(clock=lambda: clock[0])
    limiter.configure(**TELEGRAM_FLOOD_LIMITS, **TELEGRAM_BURSTS)
    for index in range(30):
        limiter.check(2000 + index % 10, group=False)
    with pytest.raises(Exception, match="retry after 1"):
        limiter.check(BOB, group=False)
    clock[0] += 1.0
    limiter.check(BOB, group=False)


async def test_fail_next_scripts_429_and_server_errors_without_sending(
    api: FakeBotApi, bot: Bot, alice: SimUser
) -> None:
    api.fail_next("sendMessage", retry_after=2)
    api.fail_next("sendMessage", status=502)
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "first try")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(ALICE, "second try")
    await bot.send_message(ALICE, "third try")
    assert [(c.status, c.description) for c in api.calls("sendMessage")] == [
        (429, "Too Many Requests: retry after 2"),
        (502, "Bad Gateway"),
        (200, None),
    ]
    assert [m.text for m in api.sent(ALICE)] == ["third try"]


async def test_held_sends_wait_until_released_and_a_gone_bots_are_never_carried_out(
    api: FakeBotApi, alice: SimUser
) -> None:
    url = f"{api.base_url}{api.token}/sendMessage"
    api.hold_sends(after=1)
    async with httpx.AsyncClient() as client:
        await client.post(url, data={"chat_id": ALICE, "text": "goes through"})
        held = asyncio.create_task(client.post(url, data={"chat_id": ALICE, "text": "held"}))
        await asyncio.sleep(0.3)
        assert not held.done() and [m.text for m in api.sent(ALICE)] == ["goes through"]
        api.release_sends()
        assert (await held).status_code == 200
    api.hold_sends()
    async with httpx.AsyncClient() as client:
        gone = asyncio.create_task(client.post(url, data={"chat_id": ALICE, "text": "never sent"}))
        await asyncio.sleep(0.3)
        gone.cancel()  # the bot dies with its request held
    await asyncio.sleep(0.1)
    api.release_sends()
    await asyncio.sleep(0.3)
    assert [m.text for m in api.sent(ALICE)] == ["goes through", "held"]
    assert [c.params["text"] for c in api.calls("sendMessage")] == ["goes through", "held"]


# A whole python-telegram-bot Application against the fake.


async def test_a_ptb_application_answers_start_and_a_button_press_by_polling(api: FakeBotApi) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        name = update.effective_user.first_name
        await update.message.reply_text(
            f"你好，<b>{name}</b>", parse_mode="HTML", reply_markup=keyboard([("继续", "go")])
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer("好")
        await update.callback_query.edit_message_text("已继续")

    app = (
        Application.builder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    alice = api.user(ALICE, "Alice")
    api.fail_next("sendMessage", retry_after=1)  # the rate limiter waits and retries
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            alice.send("/start")
            greeting = await alice.wait_for_async("你好")
            assert greeting.text == "你好，Alice" and greeting.labels == ["继续"]
            press = alice.press(greeting, "继续")
            assert (await alice.wait_for_async("已继续")).edited
            assert (await asyncio.to_thread(press.wait_answer)).text == "好"
        finally:
            await app.updater.stop()
            await app.stop()
    assert [c.status for c in api.calls("sendMessage")] == [429, 200]


def test_the_exported_fixture_serves_a_fresh_fake(fake_bot_api: FakeBotApi) -> None:
    assert httpx.get(f"{fake_bot_api.base_url}{fake_bot_api.token}/getMe").json()["result"]["is_bot"]
    assert fake_bot_api.pending_updates() == [] and fake_bot_api.calls() == [fake_bot_api.calls("getMe")[0]]
