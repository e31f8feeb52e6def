"""The operator's side of the live reload, as run on the hall server: `catalog import --apply` and
`reload` (subprocesses speaking MQTT to the broker on the session's Mosquitto), and SIGHUP to a real
`python -m queue_broker run` process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from provisioning.mosquitto import free_port
from tests.broker.conftest import Recorder

from .conftest import ROOT, cli


def _events(hall, type_="config_changed"):
    return [row.event.data for row in hall.service.store.iter_events() if row.event.type == type_]


def test_import_apply_hands_the_new_catalog_to_the_running_broker(plat_hall, site_file, tmp_path):
    hall = plat_hall
    export = [
        {
            "task_code": "11411325MB00000029000117006000",
            "task_handle_item": "11411325MB0000002900011700600001",
            "task_name": "不动产抵押登记",
            "dept_code": "11411325MB00000029",
            "dept_name": "县不动产登记中心",
            "project_type": "承诺",
            "promise_day": 5,
        }
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    env = {"HALL_MQTT_URL": hall.url, "HALL_DATA_DIR": str(hall.data_dir)}
    run = cli("catalog", "import", path, "--config", site_file, "--out", tmp_path / "out", "--apply",
              "--operator", "张三", "--node", "ops-1", env=env)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "+ added      11411325MB0000002900011700600001  不动产抵押登记" in run.stdout
    assert (
        "applied (catalog" in run.stdout
        and "+ service 11411325MB0000002900011700600001 不动产抵押登记: added" in run.stdout
    )
    assert "11411325MB0000002900011700600001" in hall.service.engine.services  # running, no restart
    last = _events(hall)[-1]
    assert last["by"] == "ops-1 (张三)" and last["note"] == "catalog import export.json"
    assert len(list(site_file.parent.glob("platform-services.yaml.*.bak"))) == 1  # the previous file kept
    kiosk = hall.node("kiosk-1", "kiosk")
    assert kiosk.issue("11411325MB0000002900011700600001")["ticket"]["queue_id"] == "BDC"


def test_reload_refuses_a_broken_file_and_says_why(plat_hall, site_file):
    hall = plat_hall
    env = {"HALL_MQTT_URL": hall.url}
    site_file.write_text(
        site_file.read_text(encoding="utf-8").replace("sla_min: 20, mean_service_min: 8", "sla: 20"), encoding="utf-8"
    )
    run = cli("reload", "--config", site_file, "--node", "ops-1", env=env)
    assert run.returncode == 2 and "site.yaml:" in run.stderr and "unknown key 'sla'" in run.stderr
    assert len(_events(hall)) == 1  # the start-up record only


def test_reload_without_a_broker_answers_in_one_line(tmp_path, site_file):
    url = f"mqtt://127.0.0.1:{free_port()}"
    run = cli("reload", "--config", site_file, "--node", "ops-1", "--timeout", "2", env={"HALL_MQTT_URL": url})
    assert run.returncode == 1 and run.stderr.startswith("cannot reach the hall's MQTT broker")


def test_sighup_makes_a_running_broker_take_the_site_file(mosquitto, site_id, site_file, tmp_path):
    env = {
        **os.environ,
        "HALL_MQTT_URL": mosquitto.url,
        "HALL_DATA_DIR": str(tmp_path / "data"),
        "HALL_LOG_LEVEL": "INFO",
    }
    log = open(tmp_path / "broker.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "queue_broker", "run", "--config", str(site_file)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)  # fmt: skip
    rec = Recorder(mosquitto.url, site_id)
    try:
        first = rec.wait_for("/state/catalog", timeout=30)
        services = site_file.parent / "platform-services.yaml"
        services.write_text(
            services.read_text(encoding="utf-8").replace("name: 社保缴费记录打印", "name: 社保缴费证明打印"),
            encoding="utf-8",
        )
        proc.send_signal(signal.SIGHUP)
        new = rec.wait_for("/state/catalog", lambda b: b["version"] != first["version"], timeout=15)
        assert "社保缴费证明打印" in {s["name"] for s in new["services"]}
        assert proc.poll() is None  # still running
    finally:
        rec.stop()
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log.close()
    text = (tmp_path / "broker.log").read_text(encoding="utf-8")
    assert "applied, asked by SIGHUP (the hall server's operator)" in text
    from queue_broker.store import SqliteEventStore

    store = SqliteEventStore(str(tmp_path / "data" / "hall.db"))
    changes = [r.event.data for r in store.iter_events() if r.event.type == "config_changed"]
    store.close()
    assert [c["kind"] for c in changes] == ["startup", "reload"]
    assert changes[1]["changes"] == ["~ service sb-print 社保缴费证明打印: name changed"]
