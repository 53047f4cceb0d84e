"""The sandbox's world: its own SQLite file with the sample roster, every member on a fake account,
a cycle open, the chats, and the clock; what a person does on the page goes through the real flows.

Made the way an administrator and the members would make it: the roster is imported, an invitation
is issued to everyone, each fake account sends ``/start CODE`` (so every chat opens with the bot's
real welcome and command menu), then a cycle opens and its notice reaches every examinee through the
outbox. A sandbox made in the quiet hours starts its clock at their end, when the bot speaks (every
notice keeps them), so that the page never opens on a silent bot. From then on each input goes to
``flows.router.handle`` in one transaction, as in ``bot.app``, and after each the outbox is drained
by the real sender (``bot.sender.Sender``) into the chats. Moving the clock runs what the running
bot's scheduler runs every minute (``bot.scheduler``: plan the reminders, digests and announcements
in force, and the appeal clocks) at the new time, then drains the outbox. Everything is serialised
by one lock.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.app import flow_context
from bot.config import Config, DeliverySettings
from bot.sandbox.adapter import Account, OutboxBot, perform, uploaded
from bot.sandbox.clock import Clock, next_deadline
from bot.sandbox.transcript import Message, Transcript
from bot.sender import Sender
from flows.appeals import clock as appeal_clocks
from flows.cycles.opening import Deadlines, open_cycle
from flows.notices.quiet import quiet_end, quiet_hours
from flows.reminders.schedule import plan
from flows.roster.importing import import_roster
from flows.roster.invitations import invitations_for_unbound
from flows.roster.reading import read_roster
from flows.router import handle
from flows.rules.cycles import current_phase
from flows.rules.names import name_of
from flows.rules.scheme import DEFAULT_SCHEME
from flows.ui.chat import Attachment, Content, Incoming
from flows.ui.i18n import render
from storage import accounts, roster
from storage.db import make_engine, session_scope, upgrade
from storage.models import Member

ROSTER = Path(__file__).parent / "sample-roster.csv"  # the roster the sandbox runs on (82 people)
DATABASE = "sandbox.sqlite3"
OWN_FILES = (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", "chats.json", "clock.json")
BOT_USERNAME = "kaohe_sandbox_bot"
ACCOUNT_BASE = 100_000  # a member's fake Telegram account (and private chat) is this plus their id
DEADLINE_TIME = time(20, 0)  # the sandbox cycle's deadlines, local time, in 1, 2 and 3 weeks


@dataclass(frozen=True)
class Person:
    """Someone on the page's list: their fake account and where they sit."""

    account: int
    name: str
    student_no: str
    team: str
    department: str | None
    position: str
    committee: str | None


class Sandbox:
    """One sandbox in ``folder``: created on first use, kept across restarts, reset on request."""

    def __init__(self, folder: Path, config: Config) -> None:
        self.folder = folder
        self.config = config
        self.lock = threading.RLock()
        self._open()

    # Making and unmaking

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fresh = not (self.folder / DATABASE).exists()
        self.engine = make_engine(f"sqlite:///{self.folder / DATABASE}")
        upgrade(self.engine)
        self.clock = Clock(self.folder)
        self.transcript = Transcript(self.folder)
        settings = self.config.settings
        delivery = DeliverySettings(chat_interval_seconds=0)  # no one is rate-limited on this page
        self.sender = Sender(self.engine, delivery, settings.tz, settings.language, clock=self.clock.now)
        self.bot = OutboxBot(self.transcript, lambda: self.local(self.clock.now()))
        if fresh:
            self._populate()

    def _populate(self) -> None:
        with session_scope(self.engine) as session:
            self.clock.move_to(quiet_end(quiet_hours(session), self.clock.now(), self.config.settings.tz))
        now = self.clock.now()
        with session_scope(self.engine) as session:
            read = read_roster(ROSTER)
            import_roster(session, read.entries, actor="sandbox", now=now, source=ROSTER.name)
            session.flush()
            days = self.config.settings.invites.valid_days
            issued = invitations_for_unbound(session, now=now, valid_days=days, bot_username=BOT_USERNAME)
            invitations = [(self.account(invitation.member), invitation.code) for invitation in issued]
        for account, code in invitations:  # as tapping the invitation link does: "/start" shows
            self.transcript.add(account.user_id, "/start", at=self.local(now), mine=True)
            self._step(account, account.incoming(Content.TEXT, f"/start {code}"))
        self._open_cycle(now)
        self.run_jobs()

    def _open_cycle(self, now: datetime) -> None:
        settings = self.config.settings
        today = now.astimezone(settings.tz).date()

        def due(weeks: int) -> datetime:
            return datetime.combine(today + timedelta(weeks=weeks), DEADLINE_TIME, tzinfo=settings.tz)

        with session_scope(self.engine) as session:
            open_cycle(
                session,
                name=render(settings.language, "sandbox_cycle_name"),
                deadlines=Deadlines(self_due=due(1), score_due=due(2), review_due=due(3)),
                scheme_path=DEFAULT_SCHEME,
                now=now,
                tz=settings.tz,
                default_locale=settings.language,
            )

    def close(self) -> None:
        self.transcript.save()
        self.engine.dispose()

    def reset(self) -> None:
        """Start over: a new database, empty chats, the clock back to the real time."""
        with self.lock:
            self.engine.dispose()
            for name in OWN_FILES:
                (self.folder / name).unlink(missing_ok=True)
            for file in self.transcript.files.iterdir():
                file.unlink()
            self._open()

    # People

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.config.settings.tz).strftime("%Y-%m-%d %H:%M")

    def account(self, member: Member) -> Account:
        return Account(ACCOUNT_BASE + member.id, self.config.settings.language, member.name)

    def people(self) -> list[Person]:
        """Everyone on the roster, in roster order (team, the officers above departments, departments)."""
        locale = self.config.settings.language
        with session_scope(self.engine) as session:
            entries = roster.load_entries(session)
            ids = roster.member_ids_by_student_no(session)
        return [
            Person(
                account=ACCOUNT_BASE + ids[entry.student_no],
                name=entry.name,
                student_no=entry.student_no,
                team=entry.team,
                department=entry.department,
                position=name_of(entry.position, locale),
                committee=name_of(entry.committee_role, locale) if entry.committee_role else None,
            )
            for entry in entries
        ]

    def _account_of(self, user_id: int) -> Account:
        with session_scope(self.engine) as session:
            member = accounts.member_of_user(session, user_id)
        if member is None:
            raise KeyError(user_id)
        return self.account(member)

    # What a person does

    def _step(self, account: Account, incoming: Incoming, pressed: int | None = None) -> str | None:
        """One input through the router in one transaction, its actions carried out, then the outbox."""
        now = self.clock.now()
        with session_scope(self.engine) as session:
            actions = handle(flow_context(self.config, session, now), incoming)
        with session_scope(self.engine) as session:
            toast = perform(self.transcript, account.user_id, actions, self.local(now), pressed, session)
        self.deliver()
        return toast

    def say(self, user_id: int, text: str) -> str | None:
        """The person types ``text`` (a command or an answer)."""
        with self.lock:
            account = self._account_of(user_id)
            self.transcript.add(account.user_id, text, at=self.local(self.clock.now()), mine=True)
            return self._step(account, account.incoming(Content.TEXT, text))

    def press(self, user_id: int, message_id: int, data: str) -> str | None:
        """The person presses a button of one of the bot's messages in their chat."""
        with self.lock:
            account = self._account_of(user_id)
            message = self.transcript.get(message_id)
            if message is None or message.chat != account.user_id:
                raise KeyError(message_id)
            return self._step(
                account, account.incoming(Content.BUTTON, data, message_id=message_id), pressed=message_id
            )

    def send_file(self, user_id: int, attachment: Attachment, caption: str) -> str | None:
        """The person sends a photo or a document (say, evidence for an appeal), with a caption."""
        with self.lock:
            account = self._account_of(user_id)
            at = self.local(self.clock.now())
            sent = self.transcript.add(account.user_id, caption, at=at, mine=True, attachment=attachment)
            incoming = account.incoming(uploaded(attachment), caption, file_id=self.transcript.file_id(sent))
            return self._step(account, incoming)

    # The clock and the scheduler's work

    def deliver(self) -> None:
        """Drain the outbox through the real sender into the chats."""
        asyncio.run(self.sender.drain(self.bot))  # type: ignore[arg-type]
        self.transcript.save()

    def run_jobs(self) -> None:
        """What the running bot's scheduler does every minute, at the sandbox's time, then deliver."""
        with self.lock:
            with session_scope(self.engine) as session:
                plan(flow_context(self.config, session, self.clock.now()))
            with session_scope(self.engine) as session:
                appeal_clocks.run(flow_context(self.config, session, self.clock.now()))
            self.deliver()

    def to_next_deadline(self) -> str | None:
        """Move the clock just past the next deadline and run the scheduler there; what it was."""
        with self.lock:
            with session_scope(self.engine) as session:
                deadline = next_deadline(flow_context(self.config, session, self.clock.now()))
            if deadline is None:
                return None
            self.clock.move_to(deadline.at)
            self.run_jobs()
            return render(self.config.settings.language, deadline.what)

    def advance(self, by: timedelta) -> None:
        with self.lock:
            self.clock.move_to(self.clock.now() + by)
            self.run_jobs()

    # What the page shows

    def view(self, user_id: int | None, rev: int) -> dict[str, Any]:
        """The clock, the phase, what comes next, and one chat's messages changed since ``rev``."""
        with self.lock:
            locale = self.config.settings.language
            now = self.clock.now()
            with session_scope(self.engine) as session:
                context = flow_context(self.config, session, now)
                cycle = context.current_cycle()
                phase = current_phase(cycle, now).value if cycle is not None else "none"
                deadline = next_deadline(context)
            messages: list[Message] = [] if user_id is None else self.transcript.since(user_id, rev)
            return {
                "clock": self.local(now),
                "phase": render(locale, f"sandbox_phase_{phase}"),
                "next": None
                if deadline is None
                else {"what": render(locale, deadline.what), "at": self.local(deadline.at)},
                "rev": self.transcript.rev,
                "latest": self.transcript.latest(),
                "messages": messages,
                "menu": self.transcript.menus.get(user_id or 0, []),
            }
