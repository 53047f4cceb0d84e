"""Notices (通知): everything the bot sends on its own, through the one notice path into the outbox.

- ``notice``: ``notify``, the one way to queue a notice (its ``Notice`` subject, each member's
  ``Body`` with its buttons, once per member), and the ``Kind`` of every notice;
- ``quiet``: the quiet hours (免打扰时段) every notice keeps;
- ``checks``: whether a due notice is still true, by its kind;
- ``schedule``: what the scheduler plans, and the sender's triage (drop, hold, send);
- ``reminders``, ``announcements``, ``nudge``: the reminder ladder and digests, phase announcements,
  and the committee's nudge (一键催办).

Each module is imported by name, none here (``checks`` and ``schedule`` read the review's sign-off;
opening a cycle needs only ``notice``).
"""
