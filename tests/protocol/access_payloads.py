"""Issue 23's payloads (protocol/access.py and the fields it adds), for test_contract.py's round trip and
refusal test: model, a valid payload, a broken variant, a word the refusal must contain."""

from __future__ import annotations

from queue_broker.protocol import access as a
from queue_broker.protocol import messages as m

AT = "2026-11-27T09:00:00+08:00"

ACCESS_PAYLOADS = [
    (
        m.TicketIssue,
        {
            "request_id": "r1",
            "kiosk_id": "kiosk-1",
            "service_id": "zh-general",
            "channel": "walk_in",
            "needs": ["sign_or_text"],
        },
        {"needs": ["deaf"]},
        "needs",
    ),
    (a.CounterHold, {"request_id": "h1", "note": "缺户口簿", "missing_materials": ["户口簿"]}, {"note": 5}, "note"),
    (a.CounterResumeHeld, {"request_id": "h2", "number": "A001"}, {"number": "A-1"}, "number"),
    (a.CounterResumeHeld, {"request_id": "h3", "ticket_id": "20261127-A001"}, {"ticket_id": None}, "ticket_id"),
    (
        a.CounterReleaseHeld,
        {"request_id": "h4", "ticket_id": "20261127-A001", "note": "市民明日再来"},
        {"note": 1},
        "note",
    ),
    (
        a.SupervisorFindTicket,
        {"request_id": "f1", "number": "A001", "state": "held", "day": "2026-11-27", "limit": 20},
        {"state": "lost"},
        "state",
    ),
    (a.SupervisorFindTicket, {"request_id": "f2", "counter_id": "W1"}, {"limit": 0}, "limit"),
    (
        a.SupervisorTransfer,
        {"request_id": "t1", "ticket_id": "20261127-A001", "to_queue_id": "BDC"},
        {"to_queue_id": "B/C"},
        "to_queue_id",
    ),
    (
        a.SupervisorAnnul,
        {"request_id": "n1", "ticket_id": "20261127-A001", "reason": "重复取号", "note": "同一市民两张号"},
        {"reason": ""},
        "reason",
    ),
    (
        a.CounterMaterials,
        {"request_id": "m1", "action": "upload", "ticket_id": "20261127-A001", "source": "camera"},
        {"action": "delete"},
        "action",
    ),
    (
        a.CounterMaterials,
        {
            "request_id": "m2",
            "action": "attach",
            "ticket_id": "20261127-A001",
            "material_id": "Ab3_x-yz12",
            "title": "户口簿",
        },
        {"material_id": "../etc"},
        "material_id",
    ),
    (
        a.TicketMaterials,
        {"request_id": "m3", "action": "list", "kiosk_id": "kiosk-1", "ticket_id": "20261127-A001"},
        {"kiosk_id": "kiosk/1"},
        "kiosk_id",
    ),
    (m.TicketHelp, {"request_id": "k1", "kiosk_id": "kiosk-1", "need": "visually_impaired"}, {"need": "blind"}, "need"),
    (
        a.HoldEvent,
        {
            "at": AT,
            "ticket_id": "20261127-A001",
            "number": "A001",
            "queue_id": "ZH",
            "state": "held",
            "counter_id": "W1",
            "until": "2026-11-27T10:00:00+08:00",
            "held_s": 0,
        },
        {"state": "paused"},
        "state",
    ),
    (
        a.AnnulledEvent,
        {
            "at": AT,
            "ticket_id": "20261127-A001",
            "number": "A001",
            "queue_id": "ZH",
            "reason": "重复取号",
            "by": "sup-1",
        },
        {"reason": None},
        "reason",
    ),
]
