"""The sandbox (沙盒): the whole assessment cycle in a browser on this computer, without Telegram.

``kaohe sandbox`` serves a page on 127.0.0.1 where anyone can pick a member of the sample roster and
chat with the bot as them: the same flows, texts, buttons, photos, documents and charts as in
Telegram, against the sandbox's own SQLite file. A button moves the clock to the next deadline, and
the scheduler's work runs there. ``world`` holds the sandbox, ``adapter`` turns the flows' actions into
chat messages, ``clock`` keeps the simulated time, ``transcript`` the chats, ``server`` the page.
"""
