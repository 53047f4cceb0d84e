"""Forged button presses (issue 10): whatever callback data arrives, from whoever, at any phase of a
cycle, the press is answered, nothing changes in the database but the audit log, and nothing fails.

The data is forged by construction: random text up to Telegram's 64 bytes, or a button of a known
prefix with exactly one field that no screen ever shows — a number too large for any column
(``9`` × 25), a digit ``str.isdigit`` accepts but a database does not (``²``, ``３``), a negative or
empty field, an id of nothing, an index past any list, a word no button uses — or one field too many.
Its other fields are what real buttons carry (the cycle's id, the ids of the examinees, appeals and
people on hand, the scheme's keys, the prefix's action words), so that the press gets past the first
checks. Each prefix is tried in every phase; each forged press is made by every role in turn, in one
transaction that is compared with the database before it and then rolled back.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Union

import hypothesis
import pytest
from cycle_phases import ROLES, Phase, at_phase
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Row
from sqlmodel import Session, select

from flows.router import handle
from flows.rules.scheme import Key as SchemeKey
from flows.rules.scheme import default_scheme
from flows.ui.buttons import CALLBACK_DATA_LIMIT, ID_MAX, INDEX_MAX, ButtonData, Id, Index, Key, families
from flows.ui.chat import Action, ChatKind, Content, Incoming, Reply, Toast
from flows.ui.context import FlowContext
from storage import audit
from storage.models import (
    Appeal,
    AppealOpinion,
    AuditChain,
    AuditEntry,
    Cycle,
    CycleExaminee,
    ScoreSheet,
    TelegramBinding,
    metadata,
)

BUTTON_WORDS: dict[str, tuple[str, ...]] = {
    "s": ("hdr", "term", "col", "hdr_edit", "ed", "sc_edit", "sc", "sub", "yes", "rev", "wd"),
    "c": ("ls", "o", "sa", "sum", "p", "e", "cm", "sub", "yes"),
    "n": ("self", "score"),
    "a": ("new", "d", "items", "ev", "ev_done", "ev_clear", "d_edit", "r_edit", "sub", "yes", "rev"),
    "ap": ("o", "self", "hist", "rep", "now"),
    "ao": ("ans", "ask"),
    "ad": ("start", "up", "ch", "it", "gr", "g", "why", "ok"),
    "iv": ("pick", "edit", "save"),
    "r": ("ov", "g", "e", "ch", "sa", "rt", "sc", "si", "gd", "gs", "rs", "av", "cf", "cfy", "sp", "spn"),
    "rs": ("ack",),
}
"""Every prefix the flows' buttons have used (self, score, nudge, appeals, interviews, review, results)
and the action words each carried before the codec; a family's enums add the words it carries now."""

NUMBER_TRAPS = ("9" * 25, "²", "３")
"""Field values that crashed the parsers written by hand (issue 10): too large for SQLite, or ``isdigit``."""

HOSTILE = (
    *("٣", "１２", "½", "-1", "00", "01", "", " 1", "1 ", "1,5", "1.5.5", "1e3", "0x1", "NaN", "∞"),
    *(str(ID_MAX + 1), str(2**63), "\x00", "\u200b1", "1\n", "no_such_key"),
)
"""Other field values that are nobody's id, index, key or score (no ``0`` or ``1.0``: an index, a score)."""

AUDIT_LOG = {AuditEntry.__tablename__, AuditChain.__tablename__}  # its rows, and the heads of its hash chains
LANGUAGES = ("zh-hans", "en", None)
EXAMPLES_PER_PREFIX = 10  # in each phase; every example is pressed by each of the seven roles


# A forged field


def _junk_text() -> st.SearchStrategy[str]:
    """Text with a character no field of ours may hold."""
    odd = st.sampled_from(("²", "３", " ", "\u3000", "é", "\u200b", "؟"))
    return st.tuples(st.text(max_size=6), odd, st.text(max_size=6)).map("".join)


FORGED = st.one_of(
    st.sampled_from(NUMBER_TRAPS),
    st.sampled_from(HOSTILE),
    st.integers(min_value=ID_MAX + 1).map(str),
    st.integers(max_value=-1).map(str),
    st.integers(min_value=1_000, max_value=INDEX_MAX).map(str),  # past any list on screen
    st.integers(min_value=10**6, max_value=ID_MAX).map(str),  # an id of nothing
    _junk_text(),
)


# What real buttons carry


@dataclass(frozen=True)
class Pools:
    """The values real buttons carry at this phase: the cycle's id, ids on hand, the scheme's keys."""

    cycles: tuple[str, ...]
    ids: tuple[str, ...]
    keys: tuple[str, ...]

    @classmethod
    def of(cls, session: Session) -> Pools:
        ids: set[int] = {1, 2, 3}
        for model in (Cycle, Appeal, AppealOpinion, ScoreSheet):
            ids |= set(session.exec(select(model.id)).all())  # type: ignore[arg-type]
        bound = select(TelegramBinding.member_id)
        ids |= set(session.exec(bound).all())
        examinees = select(CycleExaminee.id).where(CycleExaminee.member_id.in_(bound))  # type: ignore[attr-defined]
        ids |= set(session.exec(examinees).all())  # type: ignore[arg-type]
        scheme = default_scheme()
        keys = (
            *(item.key for item in scheme.rubric.items),
            *(dimension.key for dimension in scheme.rubric.dimensions),
            *(section.key for section in scheme.self_assessment.sections),
            *scheme.grade_keys,
            *scheme.distribution.rating_keys,
            *("0", "5", "8", "8.5", "15", "20"),
        )
        cycles = tuple(str(row) for row in session.exec(select(Cycle.id)).all()) or ("1",)
        return cls(cycles, tuple(sorted(map(str, ids))), keys)

    def any(self) -> st.SearchStrategy[str]:
        words = {word for prefix in prefixes() for word in words_of(prefix)}
        return st.sampled_from((*self.cycles, *self.ids, *self.keys, *sorted(words)))


def flow_families() -> dict[str, type[ButtonData]]:
    """Every button family the flows define, by prefix (not the codec's own test families)."""
    return {prefix: f for prefix, f in families().items() if f.__module__.startswith("flows.")}


def prefixes() -> list[str]:
    return sorted({*BUTTON_WORDS, *flow_families()})


def _field_types(family: type[ButtonData]) -> list[tuple[str, Any]]:
    """Each field's name and type (Id, Index, Key or an enum), None left out."""
    hints = typing.get_type_hints(family, include_extras=True)
    described = []
    for field_ in fields(family):  # type: ignore[arg-type]
        hint = hints[field_.name]
        if typing.get_origin(hint) in (Union, types.UnionType):
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
        described.append((field_.name, hint))
    return described


def _is_enum(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Enum)


def words_of(prefix: str) -> tuple[str, ...]:
    """The action words of a prefix's buttons, before the codec and in its enums."""
    family = flow_families().get(prefix)
    enums = [hint for _, hint in _field_types(family) if _is_enum(hint)] if family else []
    return (*BUTTON_WORDS.get(prefix, ()), *(member.value for enum in enums for member in enum))


def _real(name: str, hint: Any, pools: Pools) -> st.SearchStrategy[str]:
    if _is_enum(hint):
        return st.sampled_from([member.value for member in hint])
    if name == "cycle":
        return st.sampled_from(pools.cycles)
    if hint == Id:
        return st.sampled_from(pools.ids)
    if hint == Index:
        return st.integers(0, 5).map(str)
    assert hint == Key, hint
    return st.sampled_from(pools.keys)


# Forged presses


@st.composite
def _one_forged(
    draw: st.DrawFn, prefix: str, slots: list[st.SearchStrategy[str]], beyond: st.SearchStrategy[str] = FORGED
) -> str:
    """``prefix`` and a real value for each slot but one, which is forged, or one field more drawn from
    ``beyond`` (forged too, unless the slots are all the family's fields: then any field is one too many)."""
    forged_at = draw(st.integers(0, len(slots)))
    values = [draw(FORGED if i == forged_at else slot) for i, slot in enumerate(slots)]
    if forged_at == len(slots):
        values.append(draw(beyond))
    return ":".join((prefix, *values))


def _family_press(family: type[ButtonData], pools: Pools) -> st.SearchStrategy[str]:
    """A press of ``family``: its fields (some trailing ones left off, perhaps), one of them forged."""
    slots = [_real(name, hint, pools) for name, hint in _field_types(family)]
    every_field = _one_forged(family.prefix, slots, FORGED | st.sampled_from(("1", "o")))
    fewer = st.integers(0, len(slots) - 1).flatmap(lambda kept: _one_forged(family.prefix, slots[:kept]))
    return every_field | fewer


def _worded_press(prefix: str, pools: Pools) -> st.SearchStrategy[str]:
    """A press shaped as the flows' buttons were before the codec: cycle, action word, arguments."""
    words = st.sampled_from(words_of(prefix)) if words_of(prefix) else pools.any()
    return st.integers(0, 3).flatmap(
        lambda extra: _one_forged(prefix, [st.sampled_from(pools.cycles), words, *[pools.any()] * extra])
    )


def _random_text(max_bytes: int) -> st.SearchStrategy[str]:
    """Any text of at most ``max_bytes`` in UTF-8."""
    return st.text(max_size=max_bytes // 4) | st.text(st.characters(max_codepoint=127), max_size=max_bytes)


def forged_presses(prefix: str | None, pools: Pools) -> st.SearchStrategy[str]:
    """Forged data of a ``prefix`` (any shape, a family's own, the words'), or random data for None."""
    if prefix is None:
        return _random_text(CALLBACK_DATA_LIMIT)
    rest = _random_text(CALLBACK_DATA_LIMIT - len(prefix) - 1).map(f"{prefix}:".__add__)
    family = flow_families().get(prefix)
    shaped = [_family_press(family, pools)] if family else []
    return st.one_of(rest, _worded_press(prefix, pools), *shaped)


# What must hold


def snapshot(session: Session) -> dict[str, list[Row]]:
    """Every row of every table but the audit log (flushed changes included)."""
    session.flush()
    connection = session.connection()
    return {
        table.name: connection.execute(table.select().order_by(*table.primary_key.columns)).all()
        for table in metadata.sorted_tables
        if table.name not in AUDIT_LOG
    }


def changes(before: dict[str, list[Row]], after: dict[str, list[Row]]) -> dict[str, dict[str, list]]:
    """Per table, the rows added and removed (a changed row is both), the first three of each."""
    found = {}
    for table, rows in after.items():
        if rows == before[table]:
            continue
        old, new = {repr(tuple(row)) for row in before[table]}, {repr(tuple(row)) for row in rows}
        found[table] = {"added": sorted(new - old)[:3], "removed": sorted(old - new)[:3]}
    return found


def answered(actions: list[Action]) -> bool:
    """Whether the press gets a toast (the adapter answers the callback query with it)."""
    return any(isinstance(a, Toast) or (isinstance(a, Reply) and a.notice) for a in actions)


def _press_by_everyone(session: Session, now: datetime, presses: st.SearchStrategy[str]) -> None:
    """Each forged press, made by every role in turn: answered, nothing written but the audit log."""
    before = snapshot(session)

    @settings(
        max_examples=EXAMPLES_PER_PREFIX,
        deadline=None,
        database=None,
        phases=(hypothesis.Phase.generate, hypothesis.Phase.shrink),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(presses, st.sampled_from(LANGUAGES))
    def press(data: str, language: str | None) -> None:
        unanswered = []
        try:
            for role, user in ROLES.items():
                note(f"the {role} presses {data!r}")
                pressed = Incoming(user, user, ChatKind.PRIVATE, Content.BUTTON, data, language_code=language)
                actions = handle(FlowContext(session=session, now=now), pressed)
                if not answered(actions):
                    unanswered.append(role)
            after = snapshot(session)
        finally:
            session.rollback()
        assert not unanswered, f"{data!r} got no toast from the " + ", ".join(unanswered)
        assert changes(before, after) == {}, f"{data!r}, pressed by everyone in turn, changed the database"

    press()


def _describe(failure: BaseException) -> list[str]:
    """One line per distinct failure hypothesis found, with its falsifying example."""
    if isinstance(failure, BaseExceptionGroup):
        return [line for inner in failure.exceptions for line in _describe(inner)]
    message = (str(failure).splitlines() or [""])[0][:300]
    presses = [n for n in getattr(failure, "__notes__", []) if n.startswith("the ")]
    if presses and not isinstance(failure, AssertionError):
        message += f" (when {presses[-1]})"  # the role whose press raised
    return [f"{type(failure).__name__}: {message}"]


@pytest.mark.parametrize("phase", list(Phase), ids=[p.name.lower() for p in Phase])
def test_every_forged_press_is_answered_and_changes_nothing(session, sample_roster, phase: Phase) -> None:
    now = at_phase(session, sample_roster, phase)
    session.commit()
    pools = Pools.of(session)
    failures = []
    for prefix in [None, *prefixes()]:
        try:
            _press_by_everyone(session, now, forged_presses(prefix, pools))
        except Exception as failure:  # each prefix's shrunk failure, so that one run reports them all
            failures += [f"{prefix or 'random data'}: {line}" for line in _describe(failure)]
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


SCORE_FIELDS = ("points", "score")
LONGEST_SCORE = "100.0"  # a score is at most the scheme's whole 100 points, with one decimal


def _largest(name: str, hint: Any) -> Any:
    """The largest value a field holds in a real button: a score, a scheme's key, an id, an index."""
    if _is_enum(hint):
        return max(hint, key=lambda member: len(member.value))
    if hint == Id:
        return ID_MAX
    if hint == Index:
        return INDEX_MAX
    assert hint == Key, hint
    if name in SCORE_FIELDS:
        return LONGEST_SCORE
    longest = next(m.max_length for m in SchemeKey.__metadata__[0].metadata if hasattr(m, "max_length"))
    return "k" * longest  # a key of the scheme: a section, rubric item, dimension, grade or rating


@pytest.mark.parametrize("family", flow_families().values(), ids=lambda family: family.__name__)
def test_every_button_family_fits_in_64_bytes_with_its_largest_values(family: type[ButtonData]) -> None:
    press = family(*(_largest(name, hint) for name, hint in _field_types(family)))
    data = press.pack()
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert family.parse(data) == press


def test_the_snapshot_sees_any_row_change_but_the_audit_logs(session, sample_roster) -> None:
    at_phase(session, sample_roster, Phase.NO_CYCLE)
    before = snapshot(session)
    audit.record(session, actor="test", action="button.refused", entity="button", at=datetime.now(UTC))
    assert changes(before, snapshot(session)) == {}
    binding = session.exec(select(TelegramBinding)).first()
    assert binding is not None
    binding.language_code = "en"
    assert list(changes(before, snapshot(session))) == ["telegrambinding"]
