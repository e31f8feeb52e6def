"""The county hall's supervisor tablet, a real Kivy app in its own process, with the county overview.

Three halls of one county, provisioned by `init` and bridged by `python -m provisioning bridge` as in
tests/county: the county's own hall (its Mosquitto, which is also the county's broker, and a real queue
broker), township A (its Mosquitto, a real queue broker, and its county link: Mosquitto + stunnel run by
the generated county-link.sh), and township B, whose link is stood in for by publishing what a link
carries with B's own bridge user on the county's TLS listener (the county's ACL lets that user publish
exactly B's state, events and node topics). The tablet logs in on its own hall and reads the county's
broker as the reader that `python -m provisioning reader --node supervisor-1` generated (role
county-reader), with the URL its node.env got.

Proved: the overview lists the three halls with their figures (waiting, longest wait, open alerts,
device faults, the satisfaction rate from A's day counts and, for B, whose state lacks them like an older
hall's, bad ratings against finished tickets), the worst first; township B, silent, turns stale
and is marked; tapping township A shows A's queues and counters read-only (nothing can be sent); back at
its own hall the tablet acts normally; township A's queue broker stopping (its offline status, bridged)
marks A offline; no ID number or name issued at township A reaches the tablet."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import yaml

from provisioning.__main__ import main as provisioning
from queue_broker.config.loader import load_site_config
from queue_broker.protocol import AlertEvent, CaseEvent, FinishedEvent, NodeStatus, QueuesState, Topics
from queue_broker.service.runner import HallService

from ..county.conftest import HallDir
from ..county.test_bridge_files import bridge_password
from ..people import citizens, id_numbers_in, json_escaped
from ..provisioning.conftest import connect
from .hall import SUPERVISOR_SCREEN
from .harness import ScreenProcess, log_in_supervisor, step

pytestmark = [pytest.mark.ui, pytest.mark.timeout(240)]

STALE_S = 14  # the queue broker re-publishes state/queues every 10 s


def _service(hall: HallDir, data) -> HallService:
    """The hall's real queue broker on the wall clock: the overview compares `at` with the tablet's clock."""
    env = {**hall.env("broker"), "HALL_DATA_DIR": str(data)}
    service = HallService(
        load_site_config(hall.out / "nodes" / "broker" / "site.yaml", env=env), env=env, tick_interval_s=0.5
    )
    service.start()
    assert service.link.wait_connected(10)
    return service


def _tablet_site(root, county: HallDir):
    raw = yaml.safe_load((root / "county.yaml").read_text(encoding="utf-8"))
    raw["nodes"].append(
        {
            "id": "supervisor-1",
            "role": "supervisor",
            "screen": {**SUPERVISOR_SCREEN, "county": {"ca_file": county.ca_file, "stale_after_s": STALE_S}},
        }
    )
    path = root / "tablet.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _row(st: dict, site: str) -> dict:
    return next((r for r in st["county_rows"] if r["site"] == site), {})


def test_county_overview_switching_halls_and_stale_halls(tmp_path):
    root = tmp_path
    county, town_a, town_b = HallDir(root, "county"), HallDir(root, "township-a"), HallDir(root, "township-b")
    assert (
        provisioning(
            [
                "bridge",
                str(town_a.out),
                "--county",
                str(county.out),
                "--link-port",
                str(town_a.link_port),
                "--restart-timeout",
                "1",
                "--keepalive",
                "5",
            ]
        )
        == 0
    )
    assert provisioning(["bridge", str(town_b.out), "--county", str(county.out)]) == 0
    county.prov.add_node("supervisor-1", "supervisor")
    county.county_reader("county-overview", node="supervisor-1")  # kept by every later provisioning command
    services, links, sup, b_link = {}, [], None, None
    try:
        county.start()
        town_a.start()
        town_a.start_link()
        services["county"] = _service(county, root / "data-county")
        services["township-a"] = _service(town_a, root / "data-a")

        # township A: four citizens (one with an ID card), one called: three wait
        kiosk = town_a.node_link("kiosk-1", "kiosk")
        links.append(kiosk)
        desk = town_a.node_link("counter-W1", "counter")
        links.append(desk)
        person = citizens(1, 20261)[0]
        t = kiosk.topics
        for i in range(4):
            body = {"request_id": f"k{i}", "kiosk_id": "kiosk-1", "service_id": "zh-general", "channel": "walk_in"}
            if i == 1:
                body["holder"] = person
            assert kiosk.request(t.ticket_issue(), body, 10)["ok"]
        assert desk.request(
            t.counter_cmd("W1", "open"), {"request_id": "d1", "operator_id": "demo", "pin": "123456"}, 10
        )["ok"]
        assert desk.request(t.counter_cmd("W1", "call-next"), {"request_id": "d2"}, 10)["ok"]

        # township B, as its link would carry it: its broker online, state, a red alert, a printer in
        # fault, two finished tickets and one bad rating
        b_link = connect(county.mqtts_port, "bridge-township-b", bridge_password(town_b), ca_file=county.ca_file)
        assert b_link.connected.is_set(), b_link.connack
        tb, now = Topics("township-b"), datetime.now(UTC)

        def pub(topic: str, payload: str, retain: bool = False) -> None:
            info = b_link.client.publish(topic, payload, qos=1, retain=retain)
            info.wait_for_publish(5)

        pub(tb.node_status("broker"), NodeStatus(online=True, role="broker", version="1", at=now).to_json(), True)
        pub(
            tb.state_queues(),
            QueuesState(
                at=now,
                queues=[
                    {
                        "id": "ZH",
                        "prefix": "A",
                        "name": "综合受理",
                        "waiting": 6,
                        "longest_wait_s": 1500,
                        "estimated_wait_s": 900,
                        "counter_ids": ["W1"],
                        "sla_min": 20,
                    }
                ],
            ).to_json(),
            True,
        )
        pub(
            tb.device("kiosk-1", "printer"),
            json.dumps({"kind": "printer", "ok": False, "state": "fault", "message": "缺纸", "at": now.isoformat()}),
            True,
        )
        sup = ScreenProcess(
            "supervisor",
            _tablet_site(root, county),
            "supervisor-1",
            f"mqtt://supervisor-1:{county.password('supervisor-1')}@127.0.0.1:{county.mqtt_port}",
            root / "sup",
            env={"HALL_COUNTY_MQTT_URL": county.env("supervisor-1")["HALL_COUNTY_MQTT_URL"]},
        )
        sup.connect()
        sup.wait_for(lambda s: s["online"] and s["county_online"], 30, "both brokers")
        assert log_in_supervisor(sup)["supervisor_id"] == "super"
        # events are not retained: A's finish and B's events count once the tablet listens
        assert desk.request(t.counter_cmd("W1", "finish"), {"request_id": "d3", "outcome": "done"}, 10)["ok"]
        finished = next(tk for tk in services["township-a"].engine.tickets.values() if tk.outcome)
        # the rating pad of the counter that served: its own topic (docs/security.md, rating rights)
        rating = {"request_id": "d4", "ticket_id": finished.id, "level": 5}
        assert desk.request(t.counter_cmd("W1", "rating"), rating, 10)["ok"]
        later = datetime.now(UTC)
        pub(
            tb.event("alert"),
            AlertEvent(
                at=later,
                id="AL-B-1",
                kind="wait_over_sla",
                severity="red",
                message="综合受理 最长等候 25 分钟，超过时限",
                rule="wait_over_sla",
                subject="ZH",
                state="raised",
            ).to_json(),
        )
        for i in range(2):
            pub(
                tb.event("finished"),
                FinishedEvent(
                    at=later, ticket_id=f"b-t{i}", number=f"A00{i}", queue_id="ZH", counter_id="W1", outcome="done"
                ).to_json(),
            )
        pub(
            tb.event("case"),
            CaseEvent(at=later, case_id="CP-B-1", kind="bad_rating", state="opened", action="open").to_json(),
        )

        with step("the county overview: three halls with their figures, the worst first"):
            sup.tap("nav.county")
            expected_a = services["township-a"].engine
            st = sup.wait_for(
                lambda s: (
                    s["screen"] == "county"
                    and len(s["county_rows"]) == 3
                    and _row(s, "township-a").get("waiting") == 3
                    and _row(s, "township-a").get("rated_today")
                    and _row(s, "township-b").get("open_alerts")
                    and _row(s, "township-b").get("finished_today") == 2
                ),
                30,
                "three halls with figures",
                keys=("county_rows",),
            )
            rows = st["county_rows"]
            assert [r["site"] for r in rows] == ["township-b", "township-a", "county"]  # the red alert first
            a, b, c = _row(st, "township-a"), _row(st, "township-b"), _row(st, "county")
            assert a["link"] == b["link"] == c["link"] == "online"
            assert (b["waiting"], b["longest_wait_s"], b["open_alerts"], b["red_alerts"], b["device_faults"]) == (
                6,
                1500,
                1,
                1,
                1,
            )
            assert b["rating_text"] == "差评 1 / 办结 2（50%）"
            assert (c["waiting"], c["name"]) == (0, "测试县政务服务中心")
            waiting_a = [tk for tk in expected_a.tickets.values() if tk.state == "waiting"]
            assert len(waiting_a) == 3 and a["finished_today"] == 1
            # A's satisfaction rate from its day counts in state/queues (B, without them, falls back above)
            assert (a["rated_today"], a["good_today"], a["satisfaction_pct"]) == (1, 1, 100.0)
            assert a["rating_text"] == "满意率 100%（评价 1，差评 0 / 办结 1）"
            # the longest wait as A's broker published it (whole seconds, a moment ago)
            assert (
                0 <= a["longest_wait_s"] <= max((datetime.now(UTC) - tk.issued_at).total_seconds() for tk in waiting_a)
            )
            text = sup.wait_text("等候 6 人")  # B sent no catalog: it goes by its site id
            assert "township-b    在线" in text and "设备故障 1" in text and "差评 1 / 办结 2" in text

        with step("B says nothing more: stale after STALE_S; A and the county stay online"):
            st = sup.wait_for(
                lambda s: _row(s, "township-b").get("link") == "stale", STALE_S + 10, "B stale", keys=("county_rows",)
            )
            assert _row(st, "township-a")["link"] == _row(st, "county")["link"] == "online"
            assert st["county_rows"][0]["site"] == "township-b"
            assert "数据过时" in sup.wait_text("数据过时")
            sup.screenshot("supervisor-county")

        with step("tap township A: its views, read-only, from the county's broker"):
            sup.tap("county.hall.township-a")
            st = sup.wait_for(lambda s: s["screen"] == "hall" and s["viewing"] == "township-a", 10, "A's hall screen")
            assert st["read_only"] and st["viewing_name"] == "测试镇便民服务中心 township-a"
            zh = next(r for r in st["queue_rows"] if r["id"] == "ZH")
            assert zh["waiting"] == 3
            w1 = next(tile for tile in st["counter_tiles"] if tile["id"] == "W1")
            assert w1["status"] == "open" and w1["operator"] == "demo"
            assert not sup.can_tap("hall.counter.W1") and not sup.can_tap("nav.notice")
            assert "只读" in sup.wait_text("只读：测试镇便民服务中心 township-a")
            sent = st["metrics"]["requests"]
            sup.do("open_counter", "W1")  # as if the tile were tapped: refused on the tablet, nothing sent
            st = sup.wait_for(lambda s: "只能查看" in s["message"], 5, "refused read-only")
            assert st["screen"] == "hall" and st["metrics"]["requests"] == sent
            sup.screenshot("supervisor-county-hall")

        with step("back to its own hall: normal, actions allowed again"):
            sup.tap("nav.own")
            st = sup.wait_for(lambda s: not s["viewing"] and not s["read_only"], 10, "own hall")
            assert all(r["waiting"] == 0 for r in st["queue_rows"])
            assert sup.can_tap("hall.counter.W1")
            sup.tap("hall.counter.W1")
            sup.wait_for(lambda s: s["screen"] == "counter" and s["edit"].get("id") == "W1", 10, "adjusting own W1")

        with step("A's queue broker stops: its offline status crosses the link, A is marked offline"):
            services.pop("township-a").stop()
            sup.tap("nav.county")
            st = sup.wait_for(
                lambda s: _row(s, "township-a").get("link") == "offline", 20, "A offline", keys=("county_rows",)
            )
            assert [r["site"] for r in st["county_rows"]][:2] == ["township-a", "township-b"]  # offline before stale
            assert "离线" in sup.wait_text("离线")

            # nothing personal reached the tablet: its state and every text on its screen
            seen = json.dumps(sup.state(), ensure_ascii=False) + "\n".join(sup.texts())
            assert person["id_number"] not in id_numbers_in(seen) and not id_numbers_in(seen)
            assert person["name"] not in seen and json_escaped(person["name"]) not in seen
            assert sup.state()["ui_errors"] == 0
    finally:
        if sup is not None:
            sup.close()
        if b_link is not None:
            b_link.stop()
        for link in links:
            link.stop()
        for service in services.values():
            service.stop()
        for hall in (town_a, county, town_b):
            hall.stop()
