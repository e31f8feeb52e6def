"""Live pages: every open event stream watches one token. When the broker publishes a change (its
`state/queues` after each committed batch, and the ticket events), the tokens it may concern are asked
again in one `cmd/ticket/view` per 200 tokens, and each stream whose view changed gets it. The broker's
answer is what goes out; the last one sent is kept only to skip repeats.

Also here: the notices' side of the events (a come-now or a call for a ticket that asked for a notice,
an address erased when its ticket ends).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from queue_broker.protocol.gateway import VIEW_MAX_TOKENS

from .hall import BrokerDown, HallDoor, Refused, cancel_task
from .views import same, ticket_view

log = logging.getLogger("gateway.watch")

COALESCE_S = 0.05  # changes this close together are asked about once
ENDED = ("finished", "no_show", "cancelled", "handed_over", "expired")


class Watchers:
    def __init__(self, door: HallDoor, now: Callable[[], datetime]):
        self.door = door
        self.now = now
        self._streams: dict[str, set[asyncio.Queue[dict[str, Any]]]] = {}
        self.last: dict[str, dict[str, Any]] = {}  # token -> last view sent
        self._queue_of: dict[str, str | None] = {}  # token -> the broker's queue id of its ticket
        self._ticket_of: dict[str, str] = {}  # token -> ticket id
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._queue_sig: dict[str, tuple[Any, ...]] = {}
        self.reachable = True
        self.on_ticket_event: list[Callable[[str, dict[str, Any]], None]] = []
        self.refreshes = 0

    # ------------------------------------------------------------ streams
    def open(self, token: str, raw: dict[str, Any], view: dict[str, Any]) -> asyncio.Queue[dict[str, Any]]:
        q: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=32)
        self._streams.setdefault(token, set()).add(q)
        self._remember(token, raw, view)
        return q

    def close(self, token: str, q: asyncio.Queue[dict[str, Any]]) -> None:
        streams = self._streams.get(token)
        if streams is not None:
            streams.discard(q)
            if not streams:
                del self._streams[token]
                self.last.pop(token, None)
                self._queue_of.pop(token, None)
                self._ticket_of.pop(token, None)

    @property
    def watching(self) -> int:
        return sum(len(s) for s in self._streams.values())

    def _remember(self, token: str, raw: dict[str, Any], view: dict[str, Any]) -> None:
        self.last[token] = view
        self._queue_of[token] = raw.get("queue_id") if raw.get("state") == "waiting" else None
        self._ticket_of[token] = raw["id"]

    def _push(self, token: str, message: dict[str, Any]) -> None:
        for q in list(self._streams.get(token, ())):
            try:
                q.put_nowait(message)
            except asyncio.QueueFull:  # a page that does not read: drop its oldest, keep the newest
                try:
                    q.get_nowait()
                    q.put_nowait(message)
                except (asyncio.QueueEmpty, asyncio.QueueFull):
                    pass

    # ------------------------------------------------------------ what the hall says
    def start(self) -> None:
        self.door.listen(self._on_hall)
        self._task = asyncio.get_running_loop().create_task(self._refresher(), name="watch-refresher")

    async def stop(self) -> None:
        await cancel_task(self._task)

    def _on_hall(self, kind: str, body: dict[str, Any]) -> None:
        if kind == "state/queues":
            changed = set()
            for q in body.get("queues", []):
                sig = (
                    q.get("waiting"),
                    q.get("serving"),
                    tuple(q.get("counter_ids") or ()),
                    tuple(q.get("estimated_wait_range_s") or ()),
                )
                if self._queue_sig.get(q.get("id")) != sig:
                    self._queue_sig[q.get("id")] = sig
                    changed.add(q.get("id"))
            # tickets waiting in a queue that changed, and every ticket not waiting (called, at a counter):
            # its end (finished, no-show) changes a queue's `serving`, not always its waiting line
            self._mark(t for t, qid in self._queue_of.items() if qid is None or qid in changed)
            self._set_reachable(True)
        elif kind.startswith("event/"):
            tid = body.get("ticket_id")
            if tid:
                self._mark(t for t, known in self._ticket_of.items() if known == tid)
                for cb in self.on_ticket_event:
                    cb(kind, body)
        elif kind in ("broker", "link"):
            up = self.door.up
            self._set_reachable(up)
            if up:
                self._mark(self._streams)  # back: ask about everyone again

    def _set_reachable(self, up: bool) -> None:
        if up == self.reachable:
            return
        self.reachable = up
        message = {"event": "hall", "data": {"reachable": up}}
        for token in list(self._streams):
            self._push(token, message)

    def _mark(self, tokens: Any) -> None:
        added = False
        for t in tokens:
            if t in self._streams:
                self._dirty.add(t)
                added = True
        if added:
            self._wake.set()

    async def _refresher(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(COALESCE_S)
            self._wake.clear()
            tokens, self._dirty = list(self._dirty), set()
            for i in range(0, len(tokens), VIEW_MAX_TOKENS):
                chunk = tokens[i : i + VIEW_MAX_TOKENS]
                try:
                    reply = await self.door.ask(self.door.topics.ticket_cmd("view"), {"status_tokens": chunk})
                except (BrokerDown, Refused) as exc:
                    log.info("could not refresh %d pages: %s", len(chunk), exc)
                    self._set_reachable(False)
                    self._dirty.update(chunk)  # asked again when the hall is back
                    break
                self.refreshes += 1
                self._set_reachable(True)
                now = self.now()
                for token, raw in (reply.get("tickets") or {}).items():
                    if token not in self._streams:
                        continue
                    if raw is None:  # the day ended: nothing more will come
                        self._push(token, {"event": "gone", "data": {}})
                        continue
                    view = ticket_view(raw, now)
                    if not same(view, self.last.get(token)):
                        self._remember(token, raw, view)
                        self._push(token, {"event": "ticket", "data": view})
