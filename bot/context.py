"""One typed context per webhook event (or scheduled job): what a flow may use, and its single
write transaction."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, cast

from linebot.v3.webhooks import Event
from sqlalchemy import event as sa_event
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import Services
from bot.store import conversations, inbox, outbox, people, proxies
from bot.store.db import Database
from bot.store.models import NO_LINE_PREFIX, Conversation, Proxy, Resident, Supporter
from bot.store.priority import Priority

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Tx:
    """A write transaction: database changes and the messages they decide, committed together."""

    session: AsyncSession
    now: datetime
    services: Services
    reply_chat: str | None = None
    reply_token: str | None = None
    reply_deadline: datetime | None = None
    _reply: list[dict[str, Any]] = field(default_factory=list)
    _reply_urgent: bool = False
    # Messages for a resident with no LINE account of their own, for the family or 民生委員 who speak for them.
    _for_proxies: list[tuple[str, list[dict[str, Any]], str, int | None]] = field(default_factory=list)
    _pushed: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    # Outbox rows decided so far, written together just before the commit (see `_queue`).
    _outgoing: list[dict[str, Any]] = field(default_factory=list)

    def _queue(self, **row: Any) -> None:
        """Queue an outbox row to be added to the session just before it commits. Added as they were decided,
        each row was flushed by the next query of the flow, one INSERT each (a claim wrote three); added at
        the end they go in one flush, one INSERT for all. Nothing reads the outbox inside a flow's transaction,
        and the order of the rows (hence of a chat's messages) is the order they were decided in."""
        if not self._outgoing:
            sa_event.listen(self.session.sync_session, "before_commit", self._add_outgoing, once=True)
        self._outgoing.append(row)

    def _add_outgoing(self, _session: object) -> None:
        for row in self._outgoing:
            outbox.add(self.session, **row)
        self._outgoing = []

    def reply(self, *messages: dict[str, Any], urgent: bool = False) -> None:
        """Answer in the chat being talked to (free, with the reply token while it is fresh).

        `urgent` for 119/110 guidance and the question whether to call: it leaves before all other traffic.
        """
        self._reply.extend(messages)
        self._reply_urgent = self._reply_urgent or urgent

    def push(self, to: str, *messages: dict[str, Any], purpose: str = "", request_id: int | None = None) -> None:
        if to.startswith(NO_LINE_PREFIX):
            self._for_proxies.append((to, list(messages), purpose, request_id))
            return
        self._pushed.append((to, list(messages)))
        self._queue(to=to, messages=list(messages), now=self.now, purpose=purpose, request_id=request_id)

    async def tell_coordinators(
        self, district_code: str | None, *messages: dict[str, Any], purpose: str, request_id: int | None = None
    ) -> None:
        """Push to the district's coordinators' group(s), or the city-wide group when it has none of its own."""
        for g in await people.coordinator_groups(self.session, district_code):
            self.push(g.group_id, *messages, purpose=purpose, request_id=request_id)

    async def forward_to_proxies(self) -> None:
        """What was meant for a resident with no LINE account goes to each active proxy, unless the flow
        already sent that proxy the same words (confirmations and "who is coming" name the proxy themselves)."""
        for to, messages, purpose, request_id in self._for_proxies:
            resident = await people.resident_by_line(self.session, to)
            if resident is None or resident.id is None:
                continue
            for p in await proxies.of_resident(self.session, resident.id):
                if p.active and (p.line_user_id, messages) not in self._pushed:
                    self.push(p.line_user_id, *messages, purpose=purpose, request_id=request_id)
        self._for_proxies = []

    def flush_reply(self) -> bool:
        """Queue the collected reply; True when it used the reply token."""
        if not self._reply or not self.reply_chat:
            return False
        self._queue(
            to=self.reply_chat,
            messages=self._reply,
            now=self.now,
            reply_token=self.reply_token,
            reply_deadline=self.reply_deadline if self.reply_token else None,
            purpose="reply",
            priority=Priority.URGENT if self._reply_urgent else None,
        )
        self._reply = []
        self._reply_urgent = False
        return self.reply_token is not None


class SharedReads:
    """The lookups of one event (or job) in one read transaction, opened at the first and ended when the
    write transaction begins or the event ends.

    A transaction each cost a checkout, a pre-ping (three round trips on PostgreSQL), BEGIN and COMMIT, often
    for one SELECT: a resident's text looked up the flood count, the speaker, the check-in, the conversation
    and the drafts in six. Reading in one transaction is like reading a moment earlier; decisions are still
    made and checked in the write transaction. Objects read are detached when each `read` block ends, as they
    were when each block had its own session, so a change made to one is never written by a later read.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._stack: AsyncExitStack | None = None
        self._session: AsyncSession | None = None
        self._depth = 0

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        if self._session is None:
            stack = AsyncExitStack()
            self._session = await stack.enter_async_context(self._db.read())
            self._stack = stack
        session = self._session
        self._depth += 1
        try:
            yield session
        except BaseException as e:
            self._depth -= 1
            await self.close(e)
            raise
        self._depth -= 1
        if self._depth == 0:
            session.expunge_all()

    async def close(self, error: BaseException | None = None) -> None:
        """End the read transaction, if one is open (rolled back when `error` ended it)."""
        stack, self._stack, self._session = self._stack, None, None
        if stack is None:
            return
        try:
            if error is None:
                await stack.aclose()
            else:
                await stack.__aexit__(type(error), error, error.__traceback__)
        except Exception:
            # It only read: ending it cannot lose anything, and a broken connection is dropped by the pool.
            # The outcome of the event (or the error being raised) is what matters, not this.
            log.warning("ending a read transaction failed", exc_info=True)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """The write transaction. On PostgreSQL, the read transaction when one is open: the reads and the
        writes then share one transaction, a pre-ping, BEGIN and COMMIT fewer (five round trips), and under
        READ COMMITTED each statement reads what it would have read in a transaction of its own. On SQLite,
        always a transaction of its own: the write lock is taken at its BEGIN IMMEDIATE, and a read
        transaction that starts writing fails when another connection wrote since it began."""
        if self._stack is not None and self._depth == 0 and not self._db.sqlite:
            stack, session = self._stack, self._session
            self._stack = self._session = None
            assert session is not None
            async with stack:  # commits it, or rolls it back on an exception
                yield session
            return
        if self._depth == 0:
            await self.close()  # no connection left idle in a read while this writes
        async with self._db.session() as s:
            yield s


class FlowContext(Protocol):
    """What flows need, whether they run for a webhook event or for a scheduled job."""

    services: Services
    now: datetime

    @property
    def user_id(self) -> str | None: ...

    def read(self) -> AbstractAsyncContextManager[AsyncSession]: ...

    def tx(self) -> AbstractAsyncContextManager[Tx]: ...


@dataclass
class EventContext:
    services: Services
    event: Event
    raw: dict[str, Any]
    inbox_id: int
    now: datetime
    received_at: datetime
    user_id: str | None
    group_id: str | None  # group or room
    chat_id: str | None  # where a reply goes: the group, or the user 1:1
    reply_token: str | None
    redelivery: bool = False
    reply_used: bool = False
    finished: bool = False
    # The user's rows looked up so far in this event, by lookup (see `_once`).
    _found: dict[Callable[..., Any], Any] = field(default_factory=dict, repr=False)
    _reads: SharedReads = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._reads = SharedReads(self.services.db)

    # Who wrote or pressed, looked up once per event at first use (the handlers and the flows they call
    # used to look them up three or four times), in two halves so that each flow reads only the one it needs.

    async def _once(self, lookup: Callable[[AsyncSession, str], Awaitable[T]]) -> T | None:
        """`lookup(session, user_id)`, read at the first call of this event and kept for the rest of it."""
        if lookup not in self._found:
            found = None
            if self.user_id is not None:
                async with self.read() as s:
                    found = await lookup(s, self.user_id)
            self._found[lookup] = found
        return cast("T | None", self._found[lookup])

    async def speaking_for(self) -> tuple[Resident | None, Proxy | None]:
        """The resident a 1:1 chat speaks for (themself, or the one a proxy looks after) and that proxy."""
        return await self._once(proxies.resident_for) or (None, None)

    async def supporter(self) -> Supporter | None:
        """The supporter with this LINE id (a supporter's button needs no resident or proxy lookup)."""
        return await self._once(people.supporter_by_line)

    async def conversation(self) -> Conversation | None:
        """Where this user's 1:1 conversation stands, read once before the event writes (a resident's text
        looked it up in three flows, one after another)."""
        return await self._once(conversations.get)

    @property
    def in_group(self) -> bool:
        return self.group_id is not None

    @property
    def reply_deadline(self) -> datetime:
        return self.received_at + timedelta(seconds=self.services.settings.reply_token_ttl_seconds)

    def read(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session for lookups before deciding (keep slow work, like NLP, outside `tx`); see `SharedReads`."""
        return self._reads.read()

    async def close_reads(self) -> None:
        await self._reads.close()

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[Tx]:
        """The event's one write transaction; it also marks the event handled, so its effects and
        its 'done' commit together: a crash before commit means the event is handled again, whole."""
        assert not self.finished, "an event has one write transaction"
        self._found.pop(conversations.get, None)  # the write may change it
        async with self._reads.write() as s:
            t = Tx(
                session=s,
                now=self.now,
                services=self.services,
                reply_chat=self.chat_id,
                reply_token=None if self.reply_used else self.reply_token,
                reply_deadline=self.reply_deadline,
            )
            yield t
            await t.forward_to_proxies()
            t.flush_reply()
            await inbox.finish(s, event_id=self.inbox_id, owner=self.services.owner, now=self.now)
        self.reply_used = True
        self.finished = True
        self.services.wake_outbox()
