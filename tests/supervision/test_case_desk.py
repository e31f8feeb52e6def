"""The 好差评/投诉 desk and the kiosk's complaint, through the real broker service on the real Mosquitto
(issue 21 item 4, the broker side of the case screens): a counter of kind `complaint` with an operator
signed in takes complaints in (`cmd/counter/{c}/complaint`) and works every case like a supervisor
(`cmd/counter/{c}/case`, with `list` and `view`); another counter sees and works only the cases about
itself; a citizen leaves a complaint at a kiosk (`cmd/ticket/complaint`) and gets its id and deadline
only. The list carries the working days left and the near-deadline mark, on the broker's clock."""

from __future__ import annotations

import yaml

from tests.broker.conftest import MINI, Clock, Hall, Recorder

from .conftest import at

DESK = {"id": "W9", "number": 9, "name": "9号窗口 好差评与投诉", "kind": "complaint", "home": ["ZH"]}


def _site(tmp_path):
    data = yaml.safe_load(MINI.read_text(encoding="utf-8"))
    data["counters"].append(DESK)
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _logged(hall, type_: str) -> list:
    """The events of a type in the hall's event log (the audit log)."""
    return [s.event for s in hall.service.store.iter_events() if s.event.type == type_]


def test_the_complaint_desk_works_every_case_and_the_kiosk_takes_complaints(mosquitto, site_id, tmp_path):
    clock = Clock(at(2026, 11, 27, 9, 0))  # a Friday
    hall = Hall(mosquitto.url, site_id, tmp_path / "data", clock, config_path=_site(tmp_path))
    hall.start()
    rec = Recorder(hall.url, hall.site)
    try:
        kiosk, w1, w2, desk = (
            hall.node("kiosk-1", "kiosk"),
            hall.node("counter-W1", "counter"),
            hall.node("counter-W2", "counter"),
            hall.node("counter-W9", "counter"),
        )
        t = kiosk.issue()["ticket"]
        w1.counter("W1", "open", operator_id="demo", pin="123456")
        w1.counter("W1", "call-next")
        w1.counter("W1", "finish", outcome="done")
        rated = w1.send(w1.t.rating_submit(), ticket_id=t["id"], level=1, reasons=["服务态度差"])
        cp = rated["case"]["id"]

        def case_cmd(node, counter, **body):
            return node.send(node.t.counter_cmd(counter, "case"), **body)

        # the desk is closed: it may not work cases nor take complaints in
        closed = desk.send(desk.t.counter_cmd("W9", "complaint"), summary="窗口无人", category="服务态度")
        assert closed["error"]["code"] == "forbidden" and "未登录" in closed["error"]["message"]
        refused = case_cmd(desk, "W9", action="verify", case_id=cp, note="x")
        assert refused["error"]["code"] == "forbidden"
        # an ordinary counter may not take complaints in at all
        not_desk = w1.send(w1.t.counter_cmd("W1", "complaint"), summary="x")
        assert not_desk["error"]["code"] == "forbidden" and "投诉窗口" in not_desk["error"]["message"]

        desk.counter("W9", "open", operator_id="demo", pin="123456")
        # who sees what: the desk every case, W1 the one about itself, W2 none
        assert [c["id"] for c in case_cmd(desk, "W9", action="list")["cases"]] == [cp]
        assert [c["id"] for c in case_cmd(w1, "W1", action="list")["cases"]] == [cp]
        assert case_cmd(w2, "W2", action="list")["cases"] == []
        assert case_cmd(w2, "W2", action="view", case_id=cp)["error"]["code"] == "forbidden"

        taken = desk.send(
            desk.t.counter_cmd("W9", "complaint"),
            summary="跑了三次没办成",
            category="办不成事",
            ticket_id=t["id"],
        )
        assert taken["ok"], taken
        ts = taken["case"]
        assert ts["id"].startswith("TS-20261127-") and ts["counter_id"] == "W1"  # the ticket's counter
        assert (ts["working_days_left"], ts["due_soon"], ts["overdue"]) == (5, False, False)
        assert ts["deadline"] == at(2026, 12, 5, 0, 0).isoformat()  # the end of Fri 4 Dec
        assert ts["history"][0]["source"] == "desk"
        opened = [e for e in _logged(hall, "case_opened") if e.data["id"] == ts["id"]]
        assert (opened[0].data["desk_counter_id"], opened[0].data["desk_operator_id"]) == ("W9", "demo")

        # the desk works the bad rating through every step a supervisor takes
        assert case_cmd(desk, "W9", action="verify", case_id=cp)["error"]["code"] == "invalid_request"  # no note
        for action, extra in (
            ("verify", {}),
            ("rectify", {}),
            ("reply", {}),
            ("revisit", {"satisfied": True}),
            ("close", {}),
        ):
            r = case_cmd(desk, "W9", action=action, case_id=cp, note=f"{action} 记录", **extra)
            assert r["ok"], (action, r)
        assert r["case"]["state"] == "closed" and r["case"]["working_days_left"] is None
        steps = [e.data for e in _logged(hall, "case_step") if e.data["case_id"] == cp]
        assert {(s["counter_id"], s["operator_id"]) for s in steps} == {("W9", "demo")}
        assert rec.wait_for("/event/case", lambda b: b["case_id"] == cp and b["state"] == "closed")
        # W1 is not the desk: its own steps only, as before
        assert case_cmd(w1, "W1", action="handover", case_id=ts["id"], note="x", to="y")["error"]["code"] == "forbidden"
        handed = case_cmd(desk, "W9", action="handover", case_id=ts["id"], note="转县不动产中心", to="县不动产登记中心")
        assert handed["ok"] and handed["case"]["handler"] == "县不动产登记中心"

        # a citizen at a kiosk: the case's id and deadline, nothing about anybody else
        left = kiosk.send(kiosk.t.ticket_complaint(), kiosk_id="kiosk-1", category="服务态度", summary="叫号后窗口无人")
        assert left["ok"], left
        assert set(left["case"]) == {
            "id",
            "kind",
            "kind_name",
            "state",
            "state_name",
            "category",
            "opened_at",
            "deadline",
        }
        kiosk_case = hall.service.engine.cases[left["case"]["id"]]
        assert kiosk_case.history[0]["by"] == "kiosk-1" and kiosk_case.history[0]["source"] == "kiosk"
        bad = kiosk.send(kiosk.t.ticket_complaint(), kiosk_id="kiosk-1", category="不存在的类别", summary="x")
        assert bad["error"]["code"] == "invalid_request"

        # the deadline on the broker's clock: its last working day is marked, then overdue
        clock.set(at(2026, 12, 4, 10, 0))
        ts_now = case_cmd(desk, "W9", action="view", case_id=ts["id"])["case"]
        assert (ts_now["working_days_left"], ts_now["due_soon"], ts_now["overdue"]) == (0, True, False)
        clock.set(at(2026, 12, 5, 0, 0))
        ts_now = case_cmd(desk, "W9", action="view", case_id=ts["id"])["case"]
        assert (ts_now["working_days_left"], ts_now["due_soon"], ts_now["overdue"]) == (None, False, True)
    finally:
        rec.stop()
        hall.close()
