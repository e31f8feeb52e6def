"""The queue broker service: one thread owns the engine; requests are taken in batches, every change
of a batch is committed in one transaction (group commit), and only then are replies sent.

An `ok` reply therefore always means committed. When the store fails (disk full, read-only file)
the engine is rebuilt from the store and every request of the batch that changed something is
answered `unavailable`: the client retries with the same request_id later.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import __version__
from ..config.models import SiteConfig
from ..engine.commands import BookAppointment, HandOverTicket
from ..engine.hall import HallEngine, Rejected
from ..engine.housekeeping import forget_days_before
from ..link import HallLink, Inbound
from ..protocol import messages as m
from ..protocol.topics import Topics, parse_handover
from ..store import EventStore, StoreError, open_store
from .catalog import build_catalog
from .dispatch import BadRequest, holder_info, request_model, to_command
from .handover import Outbox, handover_sites, inbound_command
from .keys import load_id_hash_key
from .publisher import protocol_events

log = logging.getLogger("queue_broker")

Clock = Callable[[], datetime]
# a periodic task: (engine, now) -> engine commands to execute, e.g. the rebalancer and the monitor
TickTask = Callable[[HallEngine, datetime], list[Any]]

_TICK = object()
_STOP = object()
BATCH_MAX = 64
STATE_REFRESH_S = 10.0
RETAIN_DAYS = 8  # finished tickets kept in memory: a week of late ratings and status checks


def utcnow() -> datetime:
    return datetime.now(UTC)


class HallService:
    def __init__(
        self,
        config: SiteConfig,
        *,
        clock: Clock = utcnow,
        node_id: str = "broker",
        env: Mapping[str, str] = os.environ,
        store: EventStore | None = None,
        tick_interval_s: float = 1.0,
        demo: str | None = None,
    ):
        self.config = config
        self.demo = demo  # "open_now" (`up --open-now`): every queue open, published in state/queues.hall
        self.clock = clock
        self.topics = Topics(config.site.id)
        self.store = store or open_store(config.data_dir, env.get("HALL_DB_URL"), config.site.id)
        self.key = load_id_hash_key(config.data_dir, env)
        self.engine = self._rebuild()
        self.catalog = build_catalog(config, clock())
        self.tick_tasks: list[TickTask] = []
        self.tick_interval_s = tick_interval_s
        self._inbox: queue.Queue = queue.Queue(maxsize=20_000)
        self._recent: OrderedDict[str, dict] = OrderedDict()  # request_id -> reply (also refusals)
        self._last_state_at = 0.0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.link = HallLink(
            config.mqtt.url,
            config.site.id,
            node_id,
            "broker",
            __version__,
            ca_file=config.mqtt.ca_file,
            persistent_session=True,
            keepalive=config.mqtt.keepalive_s,
        )
        self.commands_done = 0
        self.batches_done = 0
        self.handover_sites = handover_sites(env)  # the halls this one may hand tickets to (its county)
        self.outbox = Outbox(self.link, self.topics)
        self._refusal_log = _LogBudget(per_minute=30)

    # ---------------------------------------------------------------- life cycle
    def _rebuild(self) -> HallEngine:
        engine = HallEngine(self.config)
        engine.demo = self.demo
        n = engine.replay(row.event for row in self.store.iter_events())
        self._forget_old(engine, self.clock())
        log.info("state rebuilt from %d stored events", n)
        return engine

    def _forget_old(self, engine: HallEngine, now: datetime) -> None:
        """Keep RETAIN_DAYS of finished tickets in memory (ratings and status checks come later)."""
        today = engine.local_day(now)
        self._memory_day = today
        forgotten = forget_days_before(engine, today - timedelta(days=RETAIN_DAYS))
        if forgotten:
            log.info("forgot %d finished tickets older than %d days (they stay in the store)", forgotten, RETAIN_DAYS)

    def start(self) -> HallService:
        self.link.subscribe(self.topics.all_commands(), self._enqueue)
        for kind in ("request", "reply"):  # other halls' hand-overs to this one, their answers to ours
            self.link.subscribe(self.topics.handovers_to_me(kind), self._enqueue)
        self.link.set_retained(self.topics.state_catalog(), self.catalog)
        self._publish_state(self.clock())
        for target, name in ((self._worker, "engine"), (self._ticker, "ticker")):
            t = threading.Thread(target=target, name=f"hall-{name}", daemon=True)
            t.start()
            self._threads.append(t)
        self.link.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._inbox.put(_STOP)
        for t in self._threads:
            t.join(5)
        self.link.stop()
        self.store.close()

    def _ticker(self) -> None:
        while not self._stopping.wait(self.tick_interval_s):
            try:
                self._inbox.put_nowait(_TICK)
            except queue.Full:
                pass

    def _enqueue(self, topic: str, payload: bytes, inbound: Inbound) -> None:
        try:
            self._inbox.put_nowait((topic, payload, inbound))
        except queue.Full:
            self.link.reply(inbound, m.error_reply("unavailable", "服务器繁忙，请稍后重试"))

    # ---------------------------------------------------------------- the engine thread
    def _worker(self) -> None:
        while True:
            item = self._inbox.get()
            if item is _STOP:
                return
            batch = [item]
            while len(batch) < BATCH_MAX:
                try:
                    nxt = self._inbox.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    self._inbox.put(_STOP)
                    break
                batch.append(nxt)
            try:
                self.process_batch(batch)
            except Exception:  # never let one bad batch stop the broker
                log.exception("batch failed; rebuilding state from the store")
                self.engine = self._rebuild()

    def process_batch(self, batch: list) -> None:
        now = self.clock()
        pending = _Pending()
        for item in batch:
            if item is _TICK:
                self._run_ticks(now, pending)
                continue
            topic, payload, inbound = item
            try:
                self._handle(topic, payload, inbound, now, pending)
            except Exception:
                log.exception("request on %s failed", topic)
                self._flush(pending, now)  # keep what earlier requests of the batch did
                self.engine = self._rebuild()  # drop what the failed one half did
                self._answer(inbound, m.error_reply("internal", "服务器处理此请求时出错"), None)
        self._flush(pending, now)
        if time.monotonic() - self._last_state_at > STATE_REFRESH_S:
            self._publish_state(now)

    def _run_ticks(self, now: datetime, pending: _Pending) -> None:
        if self.engine.local_day(now) != self._memory_day:
            self._forget_old(self.engine, now)
        self.outbox.resend_due(self.engine)
        for task in self.tick_tasks:
            try:
                commands = task(self.engine, now)
            except Exception:
                log.exception("periodic task %s failed", getattr(task, "__name__", task))
                continue
            for command in commands:
                try:
                    result = self.engine.execute(command, now)
                except Rejected as exc:
                    log.info("periodic %s refused: %s", type(command).__name__, exc.message)
                    continue
                pending.events.extend(result.events)

    def _handle(self, topic: str, payload: bytes, inbound: Inbound, now: datetime, pending: _Pending) -> None:
        handover = parse_handover(topic, self.config.site.id)
        if handover is not None:
            self._handle_handover(handover, payload, now, pending)
            return
        match = self.topics.parse(topic)
        model = request_model(match) if match else None
        if model is None:
            self._refuse(inbound, topic, "这个主题不是协议 v1 的命令")
            return
        try:
            req = m.parse(model, payload)
        except m.ProtocolError as exc:
            self._refuse(inbound, topic, str(exc))
            return
        rid = req.request_id
        earlier = pending.replies.get(rid) or self._recent.get(rid) or self.store.reply_for(rid)
        if earlier is not None:  # a retry: the same answer, nothing done twice
            self._answer(inbound, earlier, None)
            return
        sender = _sender(inbound.response_topic)
        try:
            command = to_command(match, req, self.key, self.engine.local_day(now), sender)
            if command is None:  # ticket status: read only
                reply = self._ticket_status(req)
                self._answer(inbound, reply, None)
                return
            if isinstance(command, tuple):  # appointment booking: the code is random, made here
                _, book = command
                command = BookAppointment(
                    book.service_id,
                    book.slot_start,
                    _appointment_code(),
                    holder_info(book.holder, self.key, self.engine.local_day(now)),
                )
            if isinstance(command, HandOverTicket) and command.to_site not in self.handover_sites:
                raise Rejected(
                    "not_found",
                    f"本厅与 {command.to_site!r} 没有连接，不能转交"
                    + (f"；可转交给：{'、'.join(sorted(self.handover_sites))}" if self.handover_sites else ""),
                )
            result = self.engine.execute(command, now)
        except BadRequest as exc:
            self._refuse(inbound, topic, str(exc), rid)
            return
        except Rejected as exc:
            self._remember(rid, m.error_reply(exc.code, exc.message))
            self._answer(inbound, m.error_reply(exc.code, exc.message), None)
            return
        reply = m.ok_reply(**result.reply)
        if match.kind == "counter" and isinstance(reply.get("ticket"), dict):
            t = self.engine.tickets.get(reply["ticket"]["id"])
            if t and t.holder_masked:
                reply["ticket"]["holder_masked"] = dict(t.holder_masked)  # the counter sees the masked name
            origin = self.engine.handover_origin_view(reply["ticket"]["id"])
            if origin is not None:  # handed over from another hall: where it comes from, its steps there
                reply["ticket"]["handed_over_from"] = origin
        pending.events.extend(result.events)
        if result.events:
            pending.replies[rid] = reply
            pending.sends.append((inbound, reply, rid))
        else:
            self._remember(rid, reply)
            self._answer(inbound, reply, None)

    def _ticket_status(self, req: m.TicketStatus) -> dict:
        t = self.engine.tickets.get(req.ticket_id)
        if t is None:
            return m.error_reply("not_found", "没有这个号")
        now = self.clock()
        if t.id in self.engine.ticket_handover:  # handed to another hall: sent, accepted there, or refused
            return m.ok_reply(
                **self.engine.handover_reply_view(self.engine.handovers_out[self.engine.ticket_handover[t.id]], now)
            )
        return m.ok_reply(ticket=self.engine.ticket_view(t, now))

    def _handle_handover(self, match, payload: bytes, now: datetime, pending: _Pending) -> None:
        """Another hall's hand-over request, or its answer to one of ours. No response topic: the answer
        to a request goes on this hall's reply topic to that hall, after the commit, every time."""
        try:
            command = inbound_command(match, payload)
            result = self.engine.execute(command, now)
        except m.ProtocolError as exc:
            log.warning("hand-over %s from %s refused: %s", match.kind, match.params["from"], exc)
            return
        except Rejected as exc:
            log.warning("hand-over %s from %s: %s", match.kind, match.params["from"], exc.message)
            return
        pending.events.extend(result.events)
        if match.kind == "request":
            to = Inbound(self.topics.handover(match.params["from"], "reply"), None, False)
            if result.events:
                pending.sends.append(
                    (to, result.reply, f"handover:{match.params['from']}:{result.reply['handover_id']}")
                )
            else:
                self.link.reply(to, result.reply)

    def _refuse(self, inbound: Inbound, topic: str, reason: str, rid: str | None = None) -> None:
        # never log the payload: cmd/ticket/issue may carry an ID number
        if self._refusal_log.allow():
            log.warning("invalid request on %s: %s", topic, reason)
        if inbound.response_topic:
            reply = m.error_reply("invalid_request", reason)
            if rid:
                self._remember(rid, reply)
            self._answer(inbound, reply, None)

    def _flush(self, pending: _Pending, now: datetime) -> None:
        if not pending.events and not pending.sends:
            return
        try:
            self.store.commit(pending.events, pending.replies)
        except StoreError as exc:
            log.error("%s; %d requests answered 'unavailable'", exc, len(pending.sends))
            self.engine = self._rebuild()
            for inbound, _reply, _rid in pending.sends:
                self._answer(
                    inbound,
                    m.error_reply("unavailable", "服务器未能保存，本次操作未生效，请重试"),
                    None,
                )
            pending.clear()
            return
        for inbound, reply, rid in pending.sends:
            self._remember(rid, reply)
            self._answer(inbound, reply, None)
        for e in pending.events:
            for kind, payload in protocol_events(self.engine, e):
                self.link.publish(self.topics.event(kind), payload)
            self.outbox.after_commit(self.engine, e)
        self.commands_done += len(pending.sends)
        self.batches_done += 1
        pending.clear()
        self._publish_state(now)

    def _publish_state(self, now: datetime) -> None:
        self._last_state_at = time.monotonic()
        self.link.set_retained(self.topics.state_queues(), self.engine.queues_state(now))
        self.link.set_retained(self.topics.state_counters(), self.engine.counters_state(now))

    def _answer(self, inbound: Inbound, reply: dict, _rid: str | None) -> None:
        self.link.reply(inbound, reply)

    def _remember(self, rid: str, reply: dict) -> None:
        self._recent[rid] = reply
        while len(self._recent) > 5000:
            self._recent.popitem(last=False)

    def republish_catalog(self, config: SiteConfig) -> None:
        self.catalog = build_catalog(config, self.clock())
        self.link.set_retained(self.topics.state_catalog(), self.catalog)


class _LogBudget:
    """At most `per_minute` lines a minute, then one line saying how many were left out: a client
    that sends garbage in a loop must not fill the disk with the broker's log."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._window = 0.0
        self._count = 0
        self._dropped = 0

    def allow(self) -> bool:
        now = time.monotonic()
        if now - self._window >= 60:
            if self._dropped:
                log.warning("%d more invalid requests in the last minute were not logged", self._dropped)
            self._window, self._count, self._dropped = now, 0, 0
        self._count += 1
        if self._count <= self.per_minute:
            return True
        self._dropped += 1
        return False


class _Pending:
    def __init__(self) -> None:
        self.events: list = []
        self.replies: dict[str, dict] = {}
        self.sends: list[tuple[Inbound, dict, str]] = []

    def clear(self) -> None:
        self.events, self.replies, self.sends = [], {}, []


def _sender(response_topic: str | None) -> str | None:
    if response_topic and "/reply/" in response_topic:
        return response_topic.rsplit("/", 1)[-1]
    return None


def _appointment_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by citizens
    return "".join(secrets.choice(alphabet) for _ in range(8))


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
