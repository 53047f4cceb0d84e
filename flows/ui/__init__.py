"""What a conversation is made of, independent of Telegram (or of any other channel).

- ``chat``: what comes in (``Incoming``) and the actions that go out (``Reply``, ``Toast``,
  ``SetMenu``, ``Button``, ``Attachment``);
- ``context``: the ``FlowContext`` every step runs in (session, clock, timezone, language);
- ``buttons``: the one button codec; ``refusal``: the one way to say no;
- ``i18n``: texts per locale (Jinja2, escaped for Telegram HTML); ``text``: numbers of points and
  progress bars as people read them, and splitting long texts; ``keyboards``: buttons in rows under a
  long text;
- ``menu``: command menus per role; ``charts``: distribution charts (matplotlib).

Each module is imported by name, none here: ``flows.ui.i18n`` alone (what every command prints through)
does not load the session-bound ``context`` and the stores behind it.
"""
