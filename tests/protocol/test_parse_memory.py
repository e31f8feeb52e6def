"""Parsing requests keeps nothing of them: a broker parses hundreds of thousands a day, each with a
request id never seen again, and pydantic's string cache (16,384 strings by default) would hold them."""

from __future__ import annotations

import gc
import tracemalloc
import uuid

from queue_broker.protocol import messages as m


def test_parsed_request_ids_are_not_cached():
    payloads = [
        b'{"request_id": "%s", "ticket_id": "20261127-A001"}' % uuid.uuid4().hex.encode() for _ in range(20_000)
    ]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for p in payloads:
            assert m.parse(m.TicketStatus, p).ticket_id == "20261127-A001"
        gc.collect()
        kept = sum(d.size_diff for d in tracemalloc.take_snapshot().compare_to(before, "filename"))
    finally:
        tracemalloc.stop()
    # with values cached, about 1.3 MB of ids would stay (16,384 x 81 bytes)
    assert kept < 200_000, f"{kept} bytes kept after parsing 20,000 requests"
