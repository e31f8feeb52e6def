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
from typing import Any, cast

from .. import __version__
from ..config.models import SiteConfig
from ..engine.commands import BookAppointment, HandOverTicket
from ..engine.events import TICKET_ISSUED
from ..engine.hall import HallEngine
from ..engine.housekeeping import forget_days_before
from ..engine.rejected import Rejected
from ..link import HallLink, Inbound
from ..protocol import gateway as g
from ..protocol import messages as m
from ..protocol import platform as pm
from ..protocol.topics import Topics, parse_handover
from ..store import EventStore, StoreError, open_store
from ..watchdog import Heartbeat, Watchdog
from .catalog import build_catalog
from .citizens import CitizenDesk
from .dispatch import BadRequest, holder_info, request_model, to_command
from .handover import Outbox, handover_sites, inbound_command
from .keys import load_id_hash_key
from .platform import PlatformDesk
from .publisher import protocol_events
from .reads import ViewSnapshot
from .reload import DatedChanges, ReloadRefused, reload_command, startup_command

log = logging.getLogger("queue_broker")

Clock = Callable[[], datetime]
# a periodic task: (engine, now) -> engine commands to execute, e.g. the rebalancer and the monitor
TickTask = Callable[[HallEngine, datetime], list[Any]]
# a request hook (e.g. the materials door, queue_broker/materials): (match, request, sender, now) -> an
# engine command, a DirectReply, or None to leave the request to the usual dispatch. Runs on the engine
# thread; may raise Rejected or BadRequest like the dispatch.
RequestHook = Callable[[Any, m.Request, "str | None", datetime], Any]


class DirectReply:
    """A hook's answer that changes nothing in the engine (a one-time address, say): sent as it is."""

    def __init__(self, **fields: Any):
        self.fields = fields


_TICK = object()
_STOP = object()
_RELOAD = "reload"  # an inbox item ("reload", by): SIGHUP asks for a reload on the engine thread
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
        watchdog: Watchdog | None = None,
        demo: str | None = None,
    ):
        self.config = config
        self.demo = demo  # "open_now" (`up --open-now`): every queue open, published in state/queues.hall
        self.clock = clock
        self.topics = Topics(config.site.id)
        self.store = store or open_store(config.data_dir, env.get("HALL_DB_URL"), config.site.id)
        self.key = load_id_hash_key(config.data_dir, env)
        self.citizens = CitizenDesk(config, self.key)  # status tokens, the gateway's commands, rating rights
        self.reads = ViewSnapshot()  # cmd/ticket/view answered off the engine thread (reads.py)
        self.engine = self._rebuild()
        self.catalog = build_catalog(config, clock())
        self.tick_tasks: list[TickTask] = []
        self.request_hooks: list[RequestHook] = []
        self.tick_interval_s = tick_interval_s
        self._inbox: queue.Queue = queue.Queue(maxsize=20_000)
        self._recent: OrderedDict[str, dict] = OrderedDict()  # request_id -> reply (also refusals)
        self._last_state_at = 0.0
        self._published_open: bool | None = None  # ticketing open in the last published state/queues
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
        # the engine thread beats after every tick it handled: a hung engine stops systemd's pings
        # (stale only after several missed ticks, whatever WatchdogSec says)
        self.engine_beat: Heartbeat | None = (
            watchdog.loop("engine", max(watchdog.stale_after_s, 3 * tick_interval_s)) if watchdog is not None else None
        )
        # dated catalog and hours changes take effect by themselves when the local day turns
        self.dated = DatedChanges(self.engine.local_day(clock()))
        self._record_startup_config()
        self.env = env
        self.platform = PlatformDesk(self)  # 好差评 uplink, state/platform (docs/platform.md)

    # ---------------------------------------------------------------- life cycle
    def _rebuild(self) -> HallEngine:
        engine = HallEngine(self.config)
        engine.demo = self.demo
        n = engine.replay(row.event for row in self.store.iter_events())
        self._forget_old(engine, self.clock())
        self.citizens.tokens.rebuild(engine.tickets)
        log.info("state rebuilt from %d stored events", n)
        return engine

    def _forget_old(self, engine: HallEngine, now: datetime) -> None:
        """Keep RETAIN_DAYS of finished tickets in memory (ratings and status checks come later)."""
        today = engine.local_day(now)
        self._memory_day = today
        forgotten = forget_days_before(engine, today - timedelta(days=RETAIN_DAYS))
        engine.forget_notices(set(engine.tickets))
        self.citizens.tokens.prune(engine.tickets)
        if forgotten:
            log.info("forgot %d finished tickets older than %d days (they stay in the store)", forgotten, RETAIN_DAYS)

    def _record_startup_config(self) -> None:
        """The log records the configuration this broker runs from (docs/platform.md, "Live reload")."""
        now = self.clock()
        command = startup_command(self.engine, self.config, now)
        if command is None:
            return
        result = self.engine.execute(command, now)
        try:
            self.store.commit(result.events, {})
        except StoreError as exc:  # a read-only store still starts (requests get 'unavailable'): record later
            log.error("the configuration could not be recorded: %s", exc)
            self.engine = self._rebuild()
            return
        log.info("configuration %s recorded (%s)", result.reply["config"]["version"], command.note)

    def request_reload(self, by: str, note: str = "") -> None:
        """Reload the site file on the engine thread (SIGHUP)."""
        self._inbox.put((_RELOAD, by, note))

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
        self.platform.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._inbox.put(_STOP)
        for t in self._threads:
            t.join(5)
        self.platform.stop()
        self.link.stop()
        self.store.close()

    def _ticker(self) -> None:
        while not self._stopping.wait(self.tick_interval_s):
            try:
                self._inbox.put_nowait(_TICK)
            except queue.Full:
                pass

    def _enqueue(self, topic: str, payload: bytes, inbound: Inbound) -> None:
        if self._view_from_snapshot(topic, payload, inbound):
            return
        try:
            self._inbox.put_nowait((topic, payload, inbound))
        except queue.Full:
            self.link.reply(inbound, m.error_reply("unavailable", "服务器繁忙，请稍后重试"))

    def _view_from_snapshot(self, topic: str, payload: bytes, inbound: Inbound) -> bool:
        """On MQTT's network thread: a status read answered from the views of the last batch, if it can be."""
        match = self.topics.parse(topic)
        if match is None or match.kind != "ticket/view" or not inbound.response_topic:
            return False
        try:
            req = m.parse(g.TicketView, payload)
        except m.ProtocolError:
            return False  # refused by the engine thread, as any bad request
        reply = self._snapshot_reply(req)
        if reply is not None:
            self.link.reply(inbound, reply)
        return reply is not None

    def _snapshot_reply(self, req: g.TicketView, count: bool = True) -> dict | None:
        tokens = list(dict.fromkeys(req.status_tokens))
        ids = [self.citizens.tokens.ticket_id(token) for token in tokens]
        views = self.reads.views(ids, self.engine.local_day(self.clock()).isoformat(), count)
        return None if views is None else m.ok_reply(tickets=dict(zip(tokens, views, strict=True)))

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
            if item[0] == _RELOAD:
                self._reload(item[1], item[2], now, pending)
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
        # every STATE_REFRESH_S, and at once when ticketing opens or closes by the clock (the faces show
        # the hall's hours from state/queues: a kiosk says 暂停取号 the moment the broker refuses tickets)
        if time.monotonic() - self._last_state_at > STATE_REFRESH_S or self._opening_turned(now):
            self._publish_state(now)
        self.reads.after_batch(self.engine, now)

    def _run_ticks(self, now: datetime, pending: _Pending) -> None:
        self._run_tick_tasks(now, pending)
        if self.engine_beat is not None:
            self.engine_beat.beat()

    def _run_tick_tasks(self, now: datetime, pending: _Pending) -> None:
        if self.engine.local_day(now) != self._memory_day:
            self._forget_old(self.engine, now)
        self.outbox.resend_due(self.engine)
        tasks: list[TickTask] = [self.dated, *self.tick_tasks]
        for task in tasks:
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
        if match is None or model is None:
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
        if isinstance(req, pm.SupervisorUplink):  # read the outbox, or try now: no engine change
            self._answer(inbound, self.platform.uplink_reply(req), None)
            return
        if isinstance(req, pm.SupervisorReload):
            by = f"{sender or 'supervisor'} ({req.operator})" if req.operator else sender or "supervisor"
            self._reload(by, req.note or "", now, pending, inbound, rid)
            return
        try:
            # the materials door's requests first (request_hooks), then the gateway's read-only requests
            command = next((c for hook in self.request_hooks if (c := hook(match, req, sender, now)) is not None), None)
            if isinstance(command, DirectReply):
                reply = m.ok_reply(**command.fields)
                self._remember(rid, reply)
                self._answer(inbound, reply, None)
                return
            read = None
            if command is None and isinstance(req, g.TicketView):  # refreshed while it waited in the inbox?
                read = self._snapshot_reply(req, count=False)
            if command is None and read is None:
                read = self.citizens.read(self.engine, req, now)
            if read is not None:
                self._answer(inbound, read, None)
                return
            if command is None:
                command = self.citizens.command(self.engine, match, req, sender, now) or to_command(
                    match, req, self.key, self.engine.local_day(now), sender
                )
            if command is None:  # ticket status: read only
                reply = self._ticket_status(cast(m.TicketStatus, req))  # the one request with no command
                self._answer(inbound, reply, None)
                return
            if isinstance(command, tuple):  # appointment booking: the code is random, made here
                _, book = command
                command = BookAppointment(
                    book.service_id,
                    book.slot_start,
                    _appointment_code(),
                    holder_info(book.holder, self.key, self.engine.local_day(now)),
                    partner=book.partner or "",
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
        self.citizens.decorate_reply(match, reply)  # the status token, in replies only
        if match.kind == "counter" and isinstance(reply.get("ticket"), dict):
            t = self.engine.tickets.get(reply["ticket"]["id"])
            if t and t.holder_masked:
                reply["ticket"]["holder_masked"] = dict(t.holder_masked)  # the counter sees the masked name
            if t and t.needs:  # issue 23: e.g. sign_or_text (需要手语/文字沟通), for the counter only
                reply["ticket"]["needs"] = list(t.needs)
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
        return m.ok_reply(ticket=self.citizens.decorate(self.engine.ticket_view(t, now)))

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
        self.reads.invalidate(self.engine, pending.events)  # before its replies: no one reads what it changed
        for inbound, reply, rid in pending.sends:
            self._remember(rid, reply)
            self._answer(inbound, reply, None)
        for e in pending.events:
            if e.type == TICKET_ISSUED:
                self.citizens.tokens.add(e.data["id"])
            for kind, payload in protocol_events(self.engine, e):
                self.link.publish(self.topics.event(kind), payload)
            self.outbox.after_commit(self.engine, e)
            if e.type == "config_changed":
                self.dated.republish = True
        self.platform.after_commit(pending.events, now)  # ratings, rectifications, notices into the outbox
        if self.dated.republish:  # a new configuration, or a dated change took effect: publish it
            self.dated.republish = False
            self.config = self.engine.config
            self.republish_catalog(self.config)
        self.commands_done += len(pending.sends)
        self.batches_done += 1
        pending.clear()
        self._publish_state(now)

    def _opening_turned(self, now: datetime) -> bool:
        return self.engine.is_ticketing_open(now) != self._published_open

    def _publish_state(self, now: datetime) -> None:
        self._last_state_at = time.monotonic()
        self._published_open = self.engine.is_ticketing_open(now)
        self.link.set_retained(self.topics.state_queues(), self.engine.queues_state(now))
        self.link.set_retained(self.topics.state_counters(), self.engine.counters_state(now))
        self.platform.publish(now)
        if self.config.reserves:  # planning ahead: the reserve clerks and their asks (docs/planning.md)
            self.link.set_retained(self.topics.state("reserves"), self.engine.reserves_state(now))

    def _answer(self, inbound: Inbound, reply: dict, _rid: str | None) -> None:
        self.link.reply(inbound, reply)

    def _remember(self, rid: str, reply: dict) -> None:
        self._recent[rid] = reply
        while len(self._recent) > 5000:
            self._recent.popitem(last=False)

    def _reload(
        self,
        by: str,
        note: str,
        now: datetime,
        pending: _Pending,
        inbound: Inbound | None = None,
        rid: str | None = None,
    ) -> None:
        """Read the site file again and apply it, or refuse with the reasons and change nothing."""
        try:
            command = reload_command(self.config, self.engine.config_version, by, note, now)
            result = self.engine.execute(command, now)
        except ReloadRefused as exc:
            log.warning("reload asked by %s refused: %s", by, "; ".join(exc.problems))
            reply = m.error_reply("invalid_request", _first(exc.problems))
            reply["problems"] = exc.problems
        except Rejected as exc:
            log.warning("reload asked by %s refused: %s", by, exc.message)
            reply = m.error_reply(exc.code, exc.message)
        else:
            reply = m.ok_reply(**result.reply)
            if result.events:
                log.info("configuration %s applied, asked by %s", command.version, by)
                pending.events.extend(result.events)
                if inbound is not None and rid is not None:
                    pending.replies[rid] = reply
                    pending.sends.append((inbound, reply, rid))
                return
        if inbound is not None:
            if rid is not None:
                self._remember(rid, reply)
            self._answer(inbound, reply, None)

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


def _first(problems: list[str]) -> str:
    more = len(problems) - 1
    return problems[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else "")


def _sender(response_topic: str | None) -> str | None:
    if response_topic and "/reply/" in response_topic:
        return response_topic.rsplit("/", 1)[-1]
    return None


def _appointment_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by citizens
    return "".join(secrets.choice(alphabet) for _ in range(8))


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
