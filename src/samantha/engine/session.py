"""Where the talk stands: the open conversation, its recent messages, who she is talking
with, a forget she is waiting on, and when either side last spoke. One owner, one reset."""

from __future__ import annotations

from datetime import datetime

from samantha.clock import Clock
from samantha.domain.conversation import Conversation, Message, MessageStatus
from samantha.domain.memory import Memory
from samantha.store import Store

#: How many stored messages a turn considers; the token budget decides how many are sent.
HISTORY_FETCH = 400


class Session:
    def __init__(self, store: Store, key: str, clock: Clock) -> None:
        self.store = store
        self.key = key
        self.clock = clock
        self.conversation: Conversation | None = None
        self.user_name: str | None = None
        #: Set for a group talk (a duet): who she is talking with. Lines from anyone else (you,
        #: stepping in) reach her labelled with their name, so she can tell the voices apart.
        self.partner: str | None = None
        #: Memories she offered to forget and is waiting for a yes about.
        self.pending_forget: list[Memory] | None = None
        #: The message that asked her to forget them (withheld from prompts once she does).
        self.forget_request: int | None = None
        #: The last word from either side before this turn (her greeting counts), so the
        #: time away is not mentioned again right after she greeted you with it.
        self.last_contact: datetime | None = None
        #: Her name for the user has been read from core memory this session.
        self.named = False
        #: How many times she has been asked for another reply this session (regenerate).
        self.retries = 0
        self._history: list[Message] = []

    def switch(self, conversation: Conversation | None) -> None:
        """The one reset: another conversation (or none), so nothing cached of the old one."""
        self.conversation = conversation
        self._history = []

    def stale(self) -> None:
        """Messages were removed or replaced: read them afresh next turn."""
        self._history = []

    def renamed(self, conversation: Conversation) -> None:
        if self.conversation is not None and self.conversation.id == conversation.id:
            self.conversation = conversation

    def closed(self, conversation_id: int) -> None:
        if self.conversation is not None and self.conversation.id == conversation_id:
            self.switch(None)

    async def current(self) -> Conversation:
        """The open conversation: her latest, or the first one."""
        return self.conversation or await self.resume()

    async def resume(self) -> Conversation:
        """Continue her latest conversation, or begin the first one."""
        key, now = self.key, self.clock.now()
        # One transaction: two first starts at once must not make two conversations.
        found = await self.store.run(
            lambda s: s.conversations.latest(key) or s.conversations.create(key, now), write=True
        )
        self.switch(found)
        return found

    async def begin(self, title: str = "") -> Conversation:
        key, now = self.key, self.clock.now()
        made = await self.store.run(lambda s: s.conversations.create(key, now, title), write=True)
        self.switch(made)
        return made

    def restatus(self, message_id: int, status: MessageStatus) -> None:
        """A stored message's status changed (unanswered, then answered): the cached copy
        follows, since history is read from the database only past its newest message."""
        self._history = [
            m.model_copy(update={"status": status}) if m.id == message_id else m
            for m in self._history
        ]

    async def recent(self, summarised_upto: int | None) -> list[Message]:
        """The last ``HISTORY_FETCH`` messages not yet folded into the summary: all of them
        once, then only what is new (including what another samantha process wrote)."""
        cid = (await self.current()).id
        after = self._history[-1].id if self._history else None
        known = [m.id for m in self._history]

        def read(s: Store) -> tuple[list[Message], set[int]]:
            fresh = (
                s.conversations.recent_messages(cid, HISTORY_FETCH)
                if after is None
                else s.conversations.messages_after(cid, after, HISTORY_FETCH)
            )
            # Read every turn (it is one indexed query): a forget in any window counts at once.
            return fresh, s.conversations.withheld(known + [m.id for m in fresh])

        fresh, withheld = await self.store.run(read)
        self._history = (self._history + fresh)[-HISTORY_FETCH:]
        if summarised_upto is not None:
            self._history = [m for m in self._history if m.id > summarised_upto]
        return [m for m in self._history if m.id not in withheld]
