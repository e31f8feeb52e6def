"""Status reads do not wait behind the engine thread (issue 18, queue_broker/service/reads.py): a ticket
asked about recently is answered from the views of the last batch while the engine is held (a tidal
review), each reply already reflects the commit it follows, and a stalled broker is still a 503 in 5 s."""

from __future__ import annotations

import threading
import time

from queue_broker.service.reads import ENGINE_STALE_S
from tests.waiting import wait_for

from .conftest import open_counter


def _hold_engine(service, seconds: float) -> threading.Event:
    """The engine thread's next batch takes `seconds` longer (as the tidal review does); set when it began."""
    began = threading.Event()
    real = service.process_batch

    def held(batch):
        service.process_batch = real
        began.set()
        time.sleep(seconds)
        real(batch)

    service.process_batch = held
    return began


def test_a_leased_ticket_is_answered_while_the_engine_is_held(gateway, kiosk):
    service = gateway.hall.service
    token = kiosk.issue()["ticket"]["status_token"]
    first = gateway.http.get(f"/api/v1/tickets/{token}").json()  # answered by the engine: leased from now
    wait_for(lambda: len(service.reads) == 1, 5, "the ticket in the snapshot")
    hits = service.reads.hits

    began = _hold_engine(service, 2.0)
    assert began.wait(5)  # the ticker's next tick is held
    t0 = time.monotonic()
    r = gateway.http.get(f"/api/v1/tickets/{token}")
    took = time.monotonic() - t0
    assert r.status_code == 200 and took < 0.5, took
    assert {k: v for k, v in r.json().items() if k != "as_of"} == {k: v for k, v in first.items() if k != "as_of"}
    assert service.reads.hits == hits + 1  # from the snapshot, not from the held engine

    # a token never asked about still goes to the engine: it waits for the hold, then is answered
    other = kiosk.issue()["ticket"]["status_token"]
    assert gateway.http.get(f"/api/v1/tickets/{other}").status_code == 200


def test_every_reply_is_read_back_at_once(gateway, kiosk, desk):
    """A call's reply is sent after the snapshot was dropped: the next read cannot show the ticket waiting."""
    tokens = [kiosk.issue()["ticket"]["status_token"] for _ in range(3)]
    for token in tokens:
        assert gateway.http.get(f"/api/v1/tickets/{token}").json()["status"] == "waiting"
    wait_for(lambda: len(gateway.hall.service.reads) == 3, 5, "the tickets in the snapshot")
    open_counter(desk)
    for i, token in enumerate(tokens):
        assert desk.counter("W1", "call-next")["ok"]
        view = gateway.http.get(f"/api/v1/tickets/{token}").json()
        assert view["status"] == "called" and view["counter"]["number"] == 1
        for later in tokens[i + 1 :]:
            assert gateway.http.get(f"/api/v1/tickets/{later}").json()["ahead"] == 0
    assert gateway.hall.service.reads.hits > 0


def test_a_stalled_broker_is_503_even_for_a_leased_ticket(gateway, kiosk):
    service = gateway.hall.service
    token = kiosk.issue()["ticket"]["status_token"]
    assert gateway.http.get(f"/api/v1/tickets/{token}").status_code == 200
    wait_for(lambda: len(service.reads) == 1, 5, "the ticket in the snapshot")
    began = _hold_engine(service, ENGINE_STALE_S + 6.0)
    assert began.wait(5)
    time.sleep(ENGINE_STALE_S + 0.2)  # longer than a review: the snapshot is no longer answered
    t0 = time.monotonic()
    r = gateway.http.get(f"/api/v1/tickets/{token}")
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable"
    assert time.monotonic() - t0 <= 5.5
    wait_for(lambda: gateway.http.get(f"/api/v1/tickets/{token}").status_code == 200, 10, "the broker back")
