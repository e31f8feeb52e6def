"""What keeps a 24-hour broker's memory bounded, through the real broker and Mosquitto: ended tickets
held compact still answer status checks, retries and late ratings, across a restart; the reply cache
keyed by request_id stays bounded and a retry older than it is answered from the store."""

from __future__ import annotations

from queue_broker.engine.housekeeping import CompactEnded
from queue_broker.engine.records import PastTicket
from queue_broker.service.tasks import default_tasks
from tests.waiting import wait_for

from .test_broker_mqtt import ELDER


def _wait_compact(hall, ticket_id: str, timeout: float = 5.0) -> None:
    # the service ticks every second on its engine thread
    wait_for(
        lambda: isinstance(hall.service.engine.tickets.get(ticket_id), PastTicket), timeout, f"{ticket_id} compacted"
    )


def test_compact_ended_ticket_answers_status_retry_and_late_rating_across_restart(hall, kiosk, desk, clock):
    assert any(isinstance(task, CompactEnded) for task in default_tasks(hall.service.config))  # the real broker's
    hall.service.tick_tasks.append(CompactEnded())
    t = kiosk.issue(holder=ELDER)["ticket"]
    desk.counter("W1", "open", operator_id="demo", pin="123456")
    desk.counter("W1", "call-next")
    clock.advance(minutes=6)
    finished = desk.counter("W1", "finish", request_id="finish-once", outcome="done")
    assert finished["ticket"]["holder_masked"]["name"] == "王**"  # the counter saw the masked name
    status = kiosk.send(kiosk.t.ticket_status(), ticket_id=t["id"])["ticket"]

    _wait_compact(hall, t["id"])
    assert kiosk.send(kiosk.t.ticket_status(), ticket_id=t["id"])["ticket"] == status
    assert desk.counter("W1", "finish", request_id="finish-once", outcome="done") == finished  # a retry
    clock.advance(hours=3)
    # the kiosk with the ticket in hand presents its status token (docs/security.md, rating rights)
    rated = kiosk.send(kiosk.t.ticket_cmd("rate"), status_token=t["status_token"], level=5, channel="kiosk")
    assert rated["ok"] and hall.service.engine.tickets[t["id"]].rating == 5

    hall.stop_broker()  # a restart replays the log, then keeps the ended tickets compact again
    hall.start()
    hall.service.tick_tasks.append(CompactEnded())
    _wait_compact(hall, t["id"])
    assert kiosk.send(kiosk.t.ticket_status(), ticket_id=t["id"])["ticket"] == status
    assert desk.counter("W1", "finish", request_id="finish-once", outcome="done") == finished
    again = kiosk.send(  # the token index was rebuilt from the replayed (compacted) tickets
        kiosk.t.ticket_cmd("rate"), status_token=t["status_token"], level=1, reasons=["服务态度差"], channel="kiosk"
    )
    assert again["error"]["code"] == "conflict"  # rated once, and the rating survived the restart


def test_reply_cache_by_request_id_is_bounded_and_old_retries_come_from_the_store(hall, kiosk):
    first = kiosk.issue(request_id="issue-early")
    for i in range(6000):  # far more requests than the cache holds
        hall.service._remember(f"filler-{i}", {"ok": True})
    assert len(hall.service._recent) == 5000 and "issue-early" not in hall.service._recent
    assert kiosk.issue(request_id="issue-early") == first  # the same ticket, not a second one
    assert len(hall.service.engine.tickets) == 1
