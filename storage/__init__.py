"""Storage layer: the tables, the engine and sessions, Alembic migrations, and the queries flows need.

Layout: every table is in ``storage.models``; the queries are in one module per family of tables:
``accounts`` (Telegram bindings, invitations), ``roster`` (the organisation and its members),
``cycles`` (cycles, examinees, self-assessments), ``conversations``, ``scoring`` (score sheets),
``review``, ``appeals``, ``interviews``, ``outbox``, ``audit``, ``inbox`` (Telegram updates, stored
before they are confirmed and handled once), ``leases`` (who holds a claim or a role) and
``archive``. ``db`` makes engines and sessions and runs the migrations; ``types`` holds column types;
``bulk`` inserts thousands of plain rows at once (``COPY`` on PostgreSQL).
Nothing here imports ``flows`` or Telegram.
"""
