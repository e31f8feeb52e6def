"""The operator's monitoring kit (issue 19 item 6): Prometheus alert rules checked and unit-tested by
promtool, a Grafana dashboard whose every query is valid PromQL over metrics the broker really exports,
and a real Prometheus scraping the real broker, loading the rules and answering each panel's query."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from devices.health import HealthReporter
from provisioning.monitoring import DASHBOARD, JOB, RULE_TESTS, RULES
from provisioning.mosquitto import free_port
from queue_broker.config.loader import load_site_config
from queue_broker.link import HallLink
from queue_broker.service.runner import HallService
from queue_broker.supervision import attach

from ..clock import Clock
from ..engine.conftest import MINI, TZ
from ..waiting import wait_for

pytestmark = pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (scripts/setup.sh)")
METRIC = re.compile(r"\b(hall_[a-z_]+|up)\b")


def promtool(*args: str, cwd: Path = RULES.parent) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def panel_queries(instance: str = ".*") -> dict[str, str]:
    """'panel title / refId' -> expr, with the dashboard's $instance filled in."""
    out = {}
    for p in dashboard()["panels"]:
        for t in p.get("targets", []):
            out[f"{p['title']} / {t['refId']}"] = t["expr"].replace("$instance", instance)
    return out


def rule_exprs() -> list[str]:
    return [r["expr"] for g in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"] for r in g["rules"]]


def test_promtool_checks_the_rules_and_their_unit_tests_pass():
    check = promtool("check", "rules", str(RULES))
    assert check.returncode == 0 and "SUCCESS: 8 rules found" in check.stdout, check.stdout + check.stderr
    unit = promtool("test", "rules", str(RULE_TESTS))
    assert unit.returncode == 0 and "SUCCESS" in unit.stdout, unit.stdout + unit.stderr


def test_a_rule_that_would_not_fire_fails_its_unit_test(tmp_path):
    """The unit tests can fail: with the SLA rule's threshold doubled, the expected alert never comes."""
    broken = RULES.read_text(encoding="utf-8").replace("> hall_queue_sla_seconds", "> 2 * hall_queue_sla_seconds")
    (tmp_path / RULES.name).write_text(broken, encoding="utf-8")
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
    result = promtool("test", "rules", RULE_TESTS.name, cwd=tmp_path)
    assert result.returncode != 0 and "HallQueueOverSLA" in result.stdout + result.stderr


def test_the_dashboard_is_well_formed_and_every_query_is_valid_promql(tmp_path):
    d = dashboard()
    assert d["uid"] == "hall-broker" and d["__inputs"][0]["pluginId"] == "prometheus"
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids))
    cells = set()
    for p in d["panels"]:
        g = p["gridPos"]
        assert 0 <= g["x"] and g["x"] + g["w"] <= 24
        mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not mine & cells, f"panel {p['title']!r} overlaps another"
        cells |= mine
    queries = panel_queries()
    assert len(queries) >= 15
    as_rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"panel:{i}", "expr": e} for i, e in enumerate(queries.values())],
            }
        ]
    }
    (tmp_path / "dashboard-as-rules.yaml").write_text(yaml.safe_dump(as_rules, allow_unicode=True), encoding="utf-8")
    check = promtool("check", "rules", str(tmp_path / "dashboard-as-rules.yaml"))
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.fixture
def broker_with_metrics(mosquitto, site_id, tmp_path):
    """The real broker with its metrics on (as provisioning sets them), a ticket, a call and a help call."""
    cfg = load_site_config(MINI, env={"HALL_MQTT_URL": mosquitto.url, "HALL_DATA_DIR": str(tmp_path / "data")})
    cfg.site.id = site_id
    clock = Clock(datetime(2026, 11, 27, 9, 0, tzinfo=TZ))
    # stopped even when the set-up fails: a broker and a kiosk-1 left connected to the session's Mosquitto
    # would push every later test's broker and kiosk-1 off (the client id is the node id)
    with ExitStack() as running:
        service = HallService(cfg, clock=clock, tick_interval_s=0.2).start()
        running.callback(service.stop)
        handles = attach(service, env={"HALL_METRICS_ADDR": "127.0.0.1:0"})
        running.callback(handles["metrics"].stop)
        kiosk = HallLink(mosquitto.url, site_id, "kiosk-1", "kiosk").start()
        running.callback(kiosk.stop)
        assert kiosk.wait_connected(5) and service.link.wait_connected(5)
        t, n = kiosk.topics, iter(range(100))

        def ask(topic, **body):
            return kiosk.request(topic, {"request_id": f"m-{next(n)}", **body}, 5)

        assert ask(t.ticket_issue(), kiosk_id="kiosk-1", service_id="zh-general", channel="walk_in")["ok"]
        assert ask(t.counter_cmd("W1", "open"), operator_id="demo", pin="123456")["ok"]
        assert ask(t.counter_cmd("W1", "call-next"))["ticket"]
        assert ask(t.ticket_help(), kiosk_id="kiosk-1", need="priority")["ok"]
        HealthReporter(kiosk.publish_device_health).report("printer", "printer", "fault", "缺纸")
        wait_for(
            lambda: ("kiosk-1", "printer") in service.engine.devices,
            10,
            "the broker to record the printer's health (at its next tick)",
        )
        yield handles["metrics"]


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def test_every_metric_of_the_rules_and_the_dashboard_is_exported(broker_with_metrics):
    exported = {
        line.split("{")[0].split(" ")[0]
        for line in scrape(broker_with_metrics.port).splitlines()
        if line.startswith("hall_")
    }
    wanted = {m for e in [*rule_exprs(), *panel_queries().values()] for m in METRIC.findall(e)} - {"up"}
    assert wanted and not wanted - exported, f"not exported: {sorted(wanted - exported)}"


@pytest.mark.skipif(
    shutil.which("prometheus") is None, reason="the prometheus server is not installed (scripts/setup.sh)"
)
def test_a_real_prometheus_scrapes_the_broker_and_answers_every_panel(broker_with_metrics, tmp_path):
    port = free_port()
    shutil.copy(RULES, tmp_path / RULES.name)
    (tmp_path / "prometheus.yml").write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [RULES.name],
                "scrape_configs": [
                    {"job_name": JOB, "static_configs": [{"targets": [f"127.0.0.1:{broker_with_metrics.port}"]}]}
                ],
            }
        ),
        encoding="utf-8",
    )
    prom = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )

    def api(path: str, **params) -> dict:
        url = f"http://127.0.0.1:{port}/api/v1/{path}" + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.loads(r.read())

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                up = api("query", query=f'up{{job="{JOB}"}}')["data"]["result"]
                if up and up[0]["value"][1] == "1":
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "Prometheus never scraped the broker"
            time.sleep(0.3)
        time.sleep(2.5)  # a few scrapes, so rates have two points
        groups = api("rules")["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        assert len(rules) == 8 and all(r["health"] == "ok" for r in rules), rules
        empty = []
        for name, expr in panel_queries().items():
            result = api("query", query=expr)
            assert result["status"] == "success", (name, result)
            if not result["data"]["result"]:
                empty.append(name)
        # with a ticket issued, one called and a kiosk's call open, every panel has data but those of
        # things that did not happen: no rating yet (satisfaction), and rates over one call
        assert set(empty) <= {"满意率 Satisfaction / A"}, empty
        help_open = api("query", query='hall_alerts_open{kind="help"}')["data"]["result"]
        assert help_open and help_open[0]["value"][1] == "1"
    finally:
        prom.terminate()
        prom.wait(20)
