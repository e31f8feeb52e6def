"""Every topic and payload of ../shared/protocol.md: built, parsed back, and refused when wrong."""

from __future__ import annotations

import json

import pytest

from queue_broker import protocol as p
from queue_broker.protocol import gateway as g
from queue_broker.protocol import messages as m
from queue_broker.protocol import platform as pm

from .access_payloads import ACCESS_PAYLOADS
from .planning_payloads import PLANNING_PAYLOADS

T = p.Topics("neixiang")
AT = "2026-11-27T09:00:00+08:00"
TICKET = {
    "id": "20261127-A001",
    "number": "A001",
    "queue_id": "ZH",
    "service_id": "zh-general",
    "channel": "walk_in",
    "issued_at": AT,
    "waiting_ahead": 3,
    "estimated_wait_s": 600,
}

TOPICS = [
    (T.ticket_issue(), "hall/neixiang/cmd/ticket/issue", ("cmd", "ticket/issue", {})),
    (T.ticket_status(), "hall/neixiang/cmd/ticket/status", ("cmd", "ticket/status", {})),
    (T.ticket_help(), "hall/neixiang/cmd/ticket/help", ("cmd", "ticket/help", {})),
    (T.ticket_complaint(), "hall/neixiang/cmd/ticket/complaint", ("cmd", "ticket/complaint", {})),
    *[
        (
            T.counter_cmd("W01", a),
            f"hall/neixiang/cmd/counter/W01/{a}",
            ("cmd", "counter", {"counter": "W01", "action": a}),
        )
        for a in p.topics.COUNTER_ACTIONS
    ],
    *[
        (T.supervisor_cmd(a), f"hall/neixiang/cmd/supervisor/{a}", ("cmd", "supervisor", {"action": a}))
        for a in p.topics.SUPERVISOR_ACTIONS
    ],
    (T.rating_submit(), "hall/neixiang/cmd/rating/submit", ("cmd", "rating/submit", {})),
    *[
        (T.appointment_cmd(a), f"hall/neixiang/cmd/appointment/{a}", ("cmd", "appointment", {"action": a}))
        for a in ("book", "cancel", "status", "slots")
    ],
    *[
        (T.ticket_cmd(a), f"hall/neixiang/cmd/ticket/{a}", ("cmd", f"ticket/{a}", {}))
        for a in ("view", "cancel", "notify", "rate")
    ],
    (T.reply("kiosk-1"), "hall/neixiang/reply/kiosk-1", ("reply", "reply", {"node": "kiosk-1"})),
    (T.state_queues(), "hall/neixiang/state/queues", ("state", "queues", {})),
    (T.state_counters(), "hall/neixiang/state/counters", ("state", "counters", {})),
    (T.state_catalog(), "hall/neixiang/state/catalog", ("state", "catalog", {})),
    *[(T.event(k), f"hall/neixiang/event/{k}", ("event", k, {})) for k in p.topics.EVENT_KINDS],
    (T.node_status("kiosk-1"), "hall/neixiang/node/kiosk-1/status", ("node", "status", {"node": "kiosk-1"})),
    (
        T.device("kiosk-1", "printer"),
        "hall/neixiang/node/kiosk-1/device/printer",
        ("device", "device", {"node": "kiosk-1", "device": "printer"}),
    ),
]


@pytest.mark.parametrize(("built", "expected", "parsed"), TOPICS, ids=[t[1] for t in TOPICS])
def test_topic_builds_and_parses(built, expected, parsed):
    assert built == expected
    match = T.parse(built)
    assert (match.family, match.kind, match.params) == parsed


def test_protocol_event_kinds_all_present():
    for kind in ("issued", "called", "finished", "no-show", "transferred", "rebalanced", "alert"):
        assert kind in p.topics.EVENT_KINDS


@pytest.mark.parametrize("bad", ["Hall", "a/b", "", "x y", "#", "+"])
def test_bad_site_or_level_refused(bad):
    with pytest.raises(p.TopicError):
        p.Topics(bad) if bad != "Hall" else p.Topics("Hall")
    if bad not in ("Hall",):
        with pytest.raises(p.TopicError):
            T.reply(bad)


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda: T.ticket_cmd("print"), "unknown ticket action 'print'"),
        (lambda: T.supervisor_cmd("shutdown"), "unknown supervisor action 'shutdown'"),
        (lambda: T.appointment_cmd("move"), "unknown appointment action 'move'"),
        (lambda: T.selfservice_cmd("pay"), "unknown self-service action 'pay'"),
        (lambda: T.counter_cmd("W01", "explode"), "unknown counter action 'explode'"),
        (lambda: T.state("weather"), "unknown state 'weather'"),
        (lambda: T.event("exploded"), "unknown event kind 'exploded'"),
    ],
)
def test_a_topic_the_contract_does_not_name_is_refused_in_words(build, words):
    with pytest.raises(p.TopicError) as err:
        build()
    assert str(err.value) == words


def test_every_group_action_builds_and_parses_back():
    for group, actions in p.topics.GROUP_ACTIONS.items():
        for action in actions:
            topic = T.cmd(group, action)
            assert topic == f"hall/neixiang/cmd/{group}/{action}"
            match = T.parse(topic)
            # ticket commands parse as one kind each, the other groups as the group with its action
            named = (match.kind, match.params)
            assert named in ((f"{group}/{action}", {}), (group, {"action": action})), topic


def test_topics_outside_contract():
    assert T.parse("hall/other/state/queues") is None
    assert T.parse("hall/neixiang/state/nothing") is None
    assert T.parse("hall/neixiang/cmd/ticket/print").kind == "unknown"
    with pytest.raises(p.TopicError):
        T.counter_cmd("W01", "explode")


# model, a valid payload from protocol.md, a broken variant, words the refusal must contain
PAYLOADS = [
    (
        m.TicketIssue,
        {"request_id": "r1", "kiosk_id": "kiosk-1", "service_id": "zh-general", "channel": "walk_in"},
        {"channel": "vip"},
        "channel",
    ),
    (
        m.TicketIssue,
        {
            "request_id": "r1",
            "kiosk_id": "kiosk-1",
            "service_id": "s",
            "channel": "appointment",
            "appointment_code": "AB12CD34",
            "holder": {"id_number": "11010519491231002X", "name": "张三"},
        },
        {"holder": {"id_number": "x"}},
        "holder",
    ),
    (m.TicketStatus, {"request_id": "r2", "ticket_id": "20261127-A001"}, {"ticket_id": 5}, "ticket_id"),
    (m.CounterOpen, {"request_id": "r3", "operator_id": "demo", "pin": "123456"}, {"pin": "12ab"}, "pin"),
    (m.CounterAction, {"request_id": "r4"}, {"request_id": 4}, "request_id"),
    (
        m.CounterFinish,
        {"request_id": "r5", "outcome": "incomplete", "missing_materials": ["户口簿"]},
        {"outcome": "half"},
        "outcome",
    ),
    (m.CounterTransfer, {"request_id": "r6", "to_queue_id": "BDC"}, {"to_queue_id": None}, "to_queue_id"),
    (
        m.SupervisorAssign,
        {"request_id": "r7", "counter_id": "T1", "queue_ids": ["ZH", "SB"], "mode": "tidal", "locked": True},
        {"locked": "yes"},
        "locked",
    ),
    (m.SupervisorNotice, {"request_id": "r8", "text": "午间12:00-14:00暂停取号"}, {"text": ""}, "text"),
    (m.SupervisorAlertAck, {"request_id": "r9", "alert_id": "a1", "note": "已处理"}, {"alert_id": 1}, "alert_id"),
    (
        m.SupervisorRecommendation,
        {"request_id": "r10", "recommendation_id": "x", "decision": "accept"},
        {"decision": "maybe"},
        "decision",
    ),
    (m.SupervisorLogin, {"request_id": "r11", "supervisor_id": "super", "pin": "123456"}, {"pin": 123456}, "pin"),
    (
        m.AppointmentBook,
        {"request_id": "r12", "service_id": "bdc-transfer", "slot_start": AT},
        {"slot_start": "tomorrow"},
        "slot_start",
    ),
    (m.AppointmentCancel, {"request_id": "r13", "code": "AB12CD34"}, {"code": ""}, "code"),
    (m.RatingSubmit, {"request_id": "r14", "ticket_id": "20261127-A001", "level": 5}, {"level": 6}, "level"),
    (
        m.RatingSubmit,
        {"request_id": "r14", "ticket_id": "t", "level": 1, "reasons": ["态度差"], "comment": "..."},
        {"level": "5"},
        "level",
    ),
    (m.Reply, {"ok": True, "ticket": TICKET}, {"ok": "true"}, "ok"),
    (
        m.Reply,
        {"ok": False, "error": {"code": "invalid_request", "message": "field 'level' is missing"}},
        {"error": {"code": "x"}},
        "error",
    ),
    (m.Ticket, {**TICKET, "state": "waiting", "counter_id": None}, {"state": "lost"}, "state"),
    (
        m.QueuesState,
        {
            "at": AT,
            "queues": [
                {
                    "id": "ZH",
                    "prefix": "A",
                    "name": "综合受理",
                    "waiting": 3,
                    "longest_wait_s": 300,
                    "estimated_wait_s": 600,
                    "counter_ids": ["W01"],
                }
            ],
        },
        {"at": "noon"},
        "at",
    ),
    (
        m.CountersState,
        {
            "at": AT,
            "counters": [
                {
                    "id": "W01",
                    "number": 1,
                    "name": "1号窗口",
                    "status": "open",
                    "mode": "tidal",
                    "locked": False,
                    "queue_ids": ["ZH"],
                    "serving": {"ticket_id": "t", "number": "A001", "state": "serving"},
                }
            ],
        },
        {"counters": [{"id": "W01"}]},
        "counters",
    ),
    (
        m.CatalogState,
        {
            "version": "abc",
            "queues": [{"id": "ZH", "prefix": "A", "name": "综合受理"}],
            "services": [
                {
                    "id": "s",
                    "name": "n",
                    "queue_id": "ZH",
                    "department": "d",
                    "guide": {
                        "implementing_body": "b",
                        "legal_basis": [],
                        "conditions": [],
                        "fee": "0",
                        "process": [],
                        "time_limit_days": 0,
                        "result": "r",
                        "contact": "c",
                    },
                    "materials": [{"name": "身份证", "originals": 1}],
                    "self_service": False,
                }
            ],
        },
        {"services": [{"id": "s"}]},
        "services",
    ),
    (
        m.IssuedEvent,
        {"at": AT, "ticket_id": "t", "number": "A001", "queue_id": "ZH", "service_id": "s", "channel": "green"},
        {"channel": "x"},
        "channel",
    ),
    (
        m.CalledEvent,
        {
            "at": AT,
            "ticket_id": "t",
            "number": "A001",
            "queue_id": "ZH",
            "counter_id": "W01",
            "counter_number": 1,
            "counter_name": "1号窗口",
            "recall": 0,
        },
        {"recall": "0"},
        "recall",
    ),
    (
        m.FinishedEvent,
        {"at": AT, "ticket_id": "t", "number": "A001", "queue_id": "ZH", "counter_id": "W01", "outcome": "done"},
        {"outcome": None},
        "outcome",
    ),
    (
        m.NoShowEvent,
        {"at": AT, "ticket_id": "t", "number": "A001", "queue_id": "ZH", "counter_id": "W01"},
        {"counter_id": 1},
        "counter_id",
    ),
    (
        m.TransferredEvent,
        {"at": AT, "ticket_id": "t", "number": "A001", "from_queue_id": "ZH", "to_queue_id": "SB"},
        {"to_queue_id": []},
        "to_queue_id",
    ),
    (
        m.RebalancedEvent,
        {"at": AT, "counter_id": "T1", "from_queue_ids": ["ZH"], "to_queue_ids": ["SB"], "reason": "社保排队14人"},
        {"to_queue_ids": "SB"},
        "to_queue_ids",
    ),
    (
        m.AlertEvent,
        {"at": AT, "kind": "wait_over_sla", "severity": "red", "message": "社保等候超时"},
        {"severity": "panic"},
        "severity",
    ),
    (m.NoticeEvent, {"at": AT, "text": "系统维护通知"}, {"text": None}, "text"),
    # supervision (docs/supervision.md): complaints, case steps, complex questions, case events
    (
        m.SupervisorComplaint,
        {"request_id": "r15", "summary": "跑了三次没办成", "category": "办不成事", "counter_id": "W01"},
        {"summary": ""},
        "summary",
    ),
    (
        m.SupervisorCase,
        {
            "request_id": "r16",
            "action": "handover",
            "case_id": "TS-20261127-001",
            "note": "转不动产中心",
            "to": "县不动产登记中心",
        },
        {"action": "escalate"},
        "action",
    ),
    (
        m.CounterComplexQuestion,
        {"request_id": "r17", "ticket_id": "20261127-A001", "question": "继承公证是否必需"},
        {"question": ""},
        "question",
    ),
    (
        m.CounterCase,
        {"request_id": "r18", "case_id": "CP-20261127-001", "action": "appeal", "note": "误评"},
        {"action": "escalate"},
        "action",
    ),
    (
        m.CaseEvent,
        {"at": AT, "case_id": "CP-20261127-001", "kind": "bad_rating", "state": "opened", "action": "open"},
        {"kind": "other"},
        "kind",
    ),
    # hand-overs between halls (docs/county.md): the commands, the event, the messages between halls
    (
        m.CounterHandover,
        {"request_id": "r19", "to_site": "county", "to_queue_id": "BDC"},
        {"to_site": "County A"},
        "to_site",
    ),
    (
        m.SupervisorHandover,
        {"request_id": "r20", "ticket_id": "20261127-A001", "to_site": "county"},
        {"ticket_id": None},
        "ticket_id",
    ),
    (
        m.HandoverEvent,
        {
            "at": AT,
            "handover_id": "r19",
            "state": "accepted",
            "from_site": "township-a",
            "to_site": "county",
            "ticket_id": "20261127-A001",
            "number": "A001",
            "remote_ticket_id": "20261127-B001",
            "remote_number": "B001",
        },
        {"state": "lost"},
        "state",
    ),
    (
        m.HandoverRequest,
        {
            "handover_id": "r19",
            "from_site": "township-a",
            "to_site": "county",
            "to_queue_id": "BDC",
            "handed_over_at": AT,
            "ticket": {
                "id": "20261127-A001",
                "number": "A001",
                "queue_id": "ZH",
                "service_id": "zh-general",
                "channel": "walk_in",
                "priority": "normal",
                "issued_at": AT,
                "holder_masked": {"id_number": "4113**********1234", "name": "张*"},
            },
            "history": [
                {"at": AT, "step": "issued", "queue_id": "ZH"},
                {"at": AT, "step": "handed_over", "to_site": "county"},
            ],
        },
        {"history": [{"at": AT, "step": "teleported"}]},
        "history",
    ),
    (
        m.HandoverReply,
        {
            "handover_id": "r19",
            "state": "refused",
            "at": AT,
            "error": {"code": "not_found", "message": "测试县 has no queue 'NOPE'"},
        },
        {"state": "maybe"},
        "state",
    ),
    # docs/platform.md: live reload, 办件 (applications), the 好差评 uplink, state/platform
    (pm.SupervisorReload, {"request_id": "r20", "note": "新事项目录", "operator": "张主任"}, {"note": 5}, "note"),
    (
        pm.ApplicationRequest,
        {"request_id": "r21", "action": "correct", "case_no": "11411325MB0000001X202611270001", "note": "缺材料"},
        {"action": "approve"},
        "action",
    ),
    (pm.SupervisorUplink, {"request_id": "r22", "action": "status"}, {"action": "flush"}, "action"),
    (
        pm.ApplicationEvent,
        {
            "at": AT,
            "case_no": "11411325MB0000001X202611270001",
            "state": "result_ready",
            "action": "result-ready",
            "service_id": "bdc-transfer",
            "due_at": AT,
            "delivery": "pickup",
            "notice": "gateway",
        },
        {"due_at": "tomorrow"},
        "due_at",
    ),
    (m.NodeStatus, {"online": True, "role": "kiosk", "version": "0.1.0", "at": AT}, {"online": "yes"}, "online"),
    (
        m.DeviceHealth,
        {"kind": "printer", "ok": False, "state": "fault", "message": "缺纸", "at": AT},
        {"state": "broken"},
        "state",
    ),
    # added: priority issued by staff, a kiosk's call for staff (docs/protocol.md)
    (
        m.CounterIssuePriority,
        {"request_id": "r30", "service_id": "zh-general", "priority": "green", "reason": "危急重症或紧急事项"},
        {"priority": "elderly"},
        "priority",
    ),
    (
        m.SupervisorIssuePriority,
        {
            "request_id": "r31",
            "service_id": "zh-general",
            "priority": "disability",
            "reason": "其他",
            "note": "拄拐",
            "supervisor_id": "super",
        },
        {"supervisor_id": None},
        "supervisor_id",
    ),
    (
        m.TicketHelp,
        {"request_id": "r32", "kiosk_id": "kiosk-1", "need": "visually_impaired"},
        {"need": "blind"},
        "need",
    ),
    (
        m.AlertEvent,  # the alert a kiosk's call raises: what it needs and where, as the tablet reads it
        {
            "at": AT,
            "id": "help:kiosk-1:20260302090000",
            "kind": "help",
            "severity": "yellow",
            "message": "kiosk-1（main）：市民请求优先办理（绿色通道、残疾人优先等），请工作人员到场核实",
            "rule": "help",
            "subject": "kiosk-1",
            "node_id": "kiosk-1",
            "need": "priority",
            "zone": "main",
            "state": "raised",
        },
        {"need": 5},
        "need",
    ),
    # the complaint desk and the kiosk's complaint (docs/protocol.md, "Supervision")
    (
        m.CounterComplaint,
        {"request_id": "r33", "summary": "跑了三次没办成", "category": "办不成事", "ticket_id": "20261127-A001"},
        {"summary": ""},
        "summary",
    ),
    (
        m.TicketComplaint,
        {"request_id": "r34", "kiosk_id": "kiosk-1", "summary": "叫号后窗口无人", "category": "服务态度"},
        {"kiosk_id": "kiosk 1"},
        "kiosk_id",
    ),
]

TOKEN = "q1Xw9d8Zr3Yk2Lm0Pn7Va4"  # 22 characters of base64url, the shape of a status token
# the gateway's commands and event (queue_broker/protocol/gateway.py, docs/protocol.md "The gateway")
PAYLOADS += [
    (g.TicketView, {"request_id": "g1", "status_tokens": [TOKEN]}, {"status_tokens": []}, "status_tokens"),
    (g.TicketView, {"request_id": "g1", "status_tokens": [TOKEN]}, {"status_tokens": ["../../x"]}, "status_tokens"),
    (g.TicketCancel, {"request_id": "g2", "status_token": TOKEN}, {"status_token": 5}, "status_token"),
    (
        g.TicketNotify,
        {"request_id": "g3", "status_token": TOKEN, "travel_min": 20, "channel": "sms"},
        {"channel": "fax"},
        "channel",
    ),
    (
        g.TicketNotify,
        {"request_id": "g3", "status_token": TOKEN, "travel_min": 20, "channel": "web"},
        {"travel_min": 600},
        "travel_min",
    ),
    (
        g.TicketRate,
        {"request_id": "g4", "status_token": TOKEN, "level": 2, "reasons": ["等候时间长"], "channel": "kiosk"},
        {"level": 0},
        "level",
    ),
    (g.CounterRating, {"request_id": "g5", "ticket_id": "20261127-A001", "level": 5}, {"level": "5"}, "level"),
    (
        g.AppointmentStatus,
        {"request_id": "g6", "code": "ABCD2345", "partner": "yushiban"},
        {"partner": "a b"},
        "partner",
    ),
    (
        g.AppointmentSlots,
        {"request_id": "g7", "service_id": "zh-general", "date": "2026-11-27"},
        {"date": "soon"},
        "date",
    ),
    (
        g.ComeNowEvent,
        {
            "at": AT,
            "ticket_id": "20261127-A001",
            "number": "A001",
            "queue_id": "ZH",
            "service_id": "zh-general",
            "channel": "sms",
            "travel_min": 20,
            "p_called": 0.91,
        },
        {"channel": "pigeon"},
        "channel",
    ),
]
PAYLOADS += ACCESS_PAYLOADS  # issue 23 (tests/protocol/access_payloads.py)


PAYLOADS += PLANNING_PAYLOADS  # planning ahead (docs/planning.md)


@pytest.mark.parametrize(("model", "good", "bad", "field"), PAYLOADS, ids=[x[0].__name__ for x in PAYLOADS])
def test_payload_round_trip_and_refusal(model, good, bad, field):
    parsed = p.parse(model, json.dumps(good, ensure_ascii=False))
    again = p.parse(model, parsed.to_json())
    assert again == parsed
    for key, value in good.items():
        if not isinstance(value, dict | list):
            dumped = json.loads(parsed.to_json())[key]
            assert dumped == value or str(value).startswith(str(dumped)[:19])
    with pytest.raises(p.ProtocolError) as err:
        p.parse(model, json.dumps({**good, **bad}, ensure_ascii=False))
    assert field in str(err.value)
    assert "\n" not in str(err.value)


def test_every_request_model_is_covered():
    covered = {x[0] for x in PAYLOADS}
    requests = {
        *m.COUNTER_ACTION_MODELS.values(),
        *m.SUPERVISOR_ACTION_MODELS.values(),
        *m.APPOINTMENT_ACTION_MODELS.values(),
        *g.TICKET_MODELS.values(),
        m.TicketIssue,
        m.TicketStatus,
        m.TicketHelp,
        m.TicketComplaint,
        m.RatingSubmit,
        *m.TICKET_ACTION_MODELS.values(),
    }
    assert requests <= covered
    assert set(m.EVENT_MODELS.values()) <= covered


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"not json", "not JSON"),
        (b"[1,2]", "JSON object"),
        (b"\xff\xfe", "not UTF-8"),
        (b"{}", "is missing"),
        (b"{" * 100_000, "limit"),
        (b'{"request_id": ""}', "request_id"),
    ],
)
def test_malformed_payloads_are_refused_readably(raw, words):
    with pytest.raises(p.ProtocolError) as err:
        p.parse(m.TicketStatus, raw)
    assert words in str(err.value)


def test_unknown_fields_are_ignored_for_forward_compatibility():
    req = p.parse(m.TicketStatus, b'{"request_id": "r", "ticket_id": "t", "added_in_v1_1": true}')
    assert req.ticket_id == "t"


def test_holder_never_shows_in_repr():
    req = p.parse(m.TicketIssue, json.dumps(PAYLOADS[1][1]))
    assert "11010519491231002X" not in repr(req) and "张三" not in repr(req)
    assert "123456" not in repr(p.parse(m.CounterOpen, json.dumps(PAYLOADS[3][1])))
