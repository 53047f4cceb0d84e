"""Notices to members through the outbox: reminders, digests, nudges and announcements,
on the scheduler's clock."""
