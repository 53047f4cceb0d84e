"""Notices (通知): the one notice path into the outbox, that every flow sends through.

- ``notice``: ``notify``, the one way to queue a notice (its ``Notice`` subject, each member's
  ``Body`` with its buttons, once per member), and the ``Kind`` of every notice;
- ``quiet``: the quiet hours (免打扰时段) every notice keeps.

What the bot sends on its own time (reminders, announcements, nudges) and the sender's checks and
triage are ``flows.reminders``. Each module is imported by name, none here.
"""
