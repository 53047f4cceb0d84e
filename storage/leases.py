"""Who holds a piece of work: owners of claims, and named leases only one process may hold at a time.

An owner is ``host:pid:incarnation:tag``. A claim or lease runs until its ``until``; it is given up
earlier when its owner is known to be gone: a process of this host that no longer runs, or an earlier
one that had this process's pid (after a kill -9 and a restart the new process need not wait for its
predecessor's leases to run out). A process on another host cannot be checked, so its leases are
trusted until they run out.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete

from storage.models import InboxUpdate, Lease, Notification

HOST = socket.gethostname()
INCARNATION = uuid.uuid4().hex[:8]  # tells this process from an earlier one that had its pid


def new_owner(tag: str) -> str:
    """A name for this process (``tag``: which part of it) as the holder of claims and leases."""
    return f"{HOST}:{os.getpid()}:{INCARNATION}:{tag}"


def mine(owner: str) -> bool:
    """Whether ``owner`` is a part of this process."""
    return owner.startswith(f"{HOST}:{os.getpid()}:{INCARNATION}:")


def _pid_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def is_gone(owner: str) -> bool:
    """Whether ``owner`` is a process of this host that has stopped (False when that cannot be told).

    A predecessor whose pid this process now has (a restarted container) is gone too.
    """
    host, pid_text, incarnation, *_ = [*owner.split(":"), "", ""]
    if host != HOST or not pid_text.isdigit():
        return False
    if int(pid_text) == os.getpid():
        return incarnation != INCARNATION
    return not _pid_runs(int(pid_text))


@dataclass(frozen=True)
class Holder:
    """Who holds a lease, and until when."""

    owner: str
    until: datetime

    @property
    def host(self) -> str:
        return self.owner.partition(":")[0]

    @property
    def pid(self) -> str:
        return self.owner.split(":")[1] if ":" in self.owner else ""


def take(session: Session, name: str, owner: str, now: datetime, until: datetime) -> Holder | None:
    """Take or renew the lease ``name`` for ``owner`` until ``until``; None when taken, else who holds it.

    Taken when free, run out, already ``owner``'s, or held by a process of this host that has stopped.
    The first statement writes, so the row (PostgreSQL) or the database (SQLite) is locked while the
    holder is read and replaced: two processes racing cannot both win.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(Lease).values(name=name, owner=owner, until=until)
    session.execute(insert.on_conflict_do_nothing(index_elements=["name"]))
    lease = session.get(Lease, name, with_for_update=True, populate_existing=True)
    assert lease is not None  # just inserted, or there already
    if lease.owner != owner and lease.until > now and not is_gone(lease.owner):
        return Holder(lease.owner, lease.until)
    lease.owner, lease.until = owner, until
    session.add(lease)
    session.flush()
    return None


def give_up(session: Session, name: str, owner: str) -> None:
    """Release the lease ``name`` if ``owner`` holds it."""
    session.exec(delete(Lease).where(col(Lease.name) == name, col(Lease.owner) == owner))


def release_claims(
    session: Session, rows: type[InboxUpdate] | type[Notification], gone: Callable[[str], bool]
) -> int:
    """Free the claims on inbox updates or outbox rows held by owners that are ``gone``; how many."""
    claimer = col(rows.claimed_by)
    owners = session.execute(select(claimer).where(claimer.is_not(None)).distinct()).scalars()
    dead = [owner for owner in owners if owner is not None and gone(owner)]
    if not dead:
        return 0
    claimed = session.execute(select(func.count()).where(claimer.in_(dead))).scalar_one()
    session.execute(update(rows).where(claimer.in_(dead)).values(claimed_by=None, claimed_until=None))
    return claimed
