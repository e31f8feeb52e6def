"""Platform benchmark (not a test: run it by hand). docs/platform.md, "Figures".

    .venv/bin/python bench/platform_exchange.py [--records 2000] [--ratings 1000] [--reloads 5]

1. catalog import: an export of N made-up items (JSON, then the same as a GBK CSV) into a copy of the
   sample hall: read, check, merge, write and load the result (the CLI's steps, in process);
2. catalog publish: the sample hall's site (62 pages, index, feed), rendered and swapped in;
3. live reload: the sample hall's broker (HallService on a real Mosquitto) takes its edited site file:
   time from cmd/supervisor/reload to its reply, which is the time the engine thread is busy;
4. uplink: N ratings put into the outbox (one fsync each, as after a commit), then sent to a local HTTP
   endpoint in batches of 50 until all are acknowledged.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provisioning.mosquitto import MosquittoProcess, free_port  # noqa: E402
from queue_broker.config.loader import load_site_config  # noqa: E402
from queue_broker.link import HallLink  # noqa: E402
from queue_broker.platform.catalog_import import CatalogMapping, normalise, plan_import, site_yaml, write_catalog  # noqa: E402
from queue_broker.platform.codes import uscc_check_char  # noqa: E402
from queue_broker.platform.publish import render_site, write_site  # noqa: E402
from queue_broker.platform.sources import read_records  # noqa: E402
from queue_broker.platform.uplink import PlatformUplink  # noqa: E402

SAMPLE = ROOT / "examples" / "neixiang"


def made_up_export(n: int) -> list[dict]:
    dept = "11411325MB1A00061" + uscc_check_char("11411325MB1A00061")
    out = []
    for i in range(n):
        task = f"{dept}0001079{i:05d}"
        out.append(
            {
                "task_code": task,
                "task_handle_item": task + "01",
                "task_name": f"示例事项{i:05d}",
                "dept_code": dept,
                "dept_name": "内乡县不动产登记服务中心",
                "project_type": "承诺",
                "promise_day": 5,
                "accept_condition": "条件一；条件二",
                "handle_flow": "受理；审核；办结",
                "materials": [{"name": "身份证明", "copies": 1}, {"name": "申请表", "copies": 1}],
                "is_fee": False,
            }
        )
    return out


def bench_import(n: int, work: Path) -> dict[str, float]:
    site = work / "neixiang"
    shutil.copytree(SAMPLE, site)
    cfg = load_site_config(site / "site.yaml", env={})
    records_json = work / "export.json"
    records_json.write_text(json.dumps({"data": made_up_export(n)}, ensure_ascii=False), encoding="utf-8")
    import csv
    import io

    buf = io.StringIO()
    rows = made_up_export(n)
    w = csv.writer(buf)
    w.writerow(["task_code", "task_handle_item", "task_name", "dept_code", "dept_name", "promise_day", "materials"])
    for r in rows:
        w.writerow(
            [
                r["task_code"],
                r["task_handle_item"],
                r["task_name"],
                r["dept_code"],
                r["dept_name"],
                5,
                "身份证明；申请表",
            ]
        )
    records_csv = work / "export.csv"
    records_csv.write_bytes(buf.getvalue().encode("gbk"))
    out = {}
    for name, path in (("json", records_json), ("csv_gbk", records_csv)):
        t0 = time.perf_counter()
        records, _ = read_records(path)
        items, _problems = normalise(records, CatalogMapping(), date(2026, 11, 27))
        _data, _sf, section = site_yaml(site / "site.yaml")
        plan = plan_import(cfg, section["services"], items, date(2026, 11, 27))
        t1 = time.perf_counter()
        write_catalog(site / "site.yaml", plan, work / f"out-{name}", "# bench\n", datetime.now(UTC))
        t2 = time.perf_counter()
        out[f"import_{name}_check_merge_s"] = t1 - t0
        out[f"import_{name}_write_and_load_s"] = t2 - t1
        out[f"import_{name}_added"] = len(plan.added)
    return out


def bench_publish(work: Path) -> dict[str, float]:
    cfg = load_site_config(SAMPLE / "site.yaml", env={})
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        write_site(render_site(cfg, date(2026, 11, 27)), work / "site-out")
        times.append(time.perf_counter() - t0)
    size = sum(f.stat().st_size for f in (work / "site-out").rglob("*") if f.is_file())
    return {"publish_s_median": statistics.median(times), "publish_bytes": size}


def bench_reload(reloads: int, work: Path) -> dict[str, float]:
    from queue_broker.service.runner import HallService

    site = work / "reload"
    shutil.copytree(SAMPLE, site)
    mq = MosquittoProcess(workdir=work / "mq")
    (work / "mq").mkdir()
    mq.start()
    cfg = load_site_config(site / "site.yaml", env={"HALL_MQTT_URL": mq.url, "HALL_DATA_DIR": str(work / "data")})
    service = HallService(cfg, env={}).start()
    sup = HallLink(mq.url, cfg.site.id, "bench-sup", "supervisor").start()
    sup.wait_connected(5)
    service.link.wait_connected(5)
    times = []
    services = site / "services.yaml"
    text = services.read_text(encoding="utf-8")
    try:
        for i in range(reloads):
            services.write_text(
                text.replace("name: 政务服务综合咨询及一次性告知", f"name: 政务服务综合咨询{i}"), encoding="utf-8"
            )
            t0 = time.perf_counter()
            reply = sup.request(sup.topics.supervisor_cmd("reload"), {"request_id": uuid.uuid4().hex}, 30)
            times.append(time.perf_counter() - t0)
            assert reply["ok"], reply
    finally:
        sup.stop()
        service.stop()
        mq.cleanup()
    return {"reload_ms_median": 1000 * statistics.median(times), "reload_ms_max": 1000 * max(times)}


class _Ack(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        data = json.dumps({"code": 0, "data": {"accepted": [r["eval_id"] for r in body["records"]]}}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def bench_uplink(n: int, work: Path) -> dict[str, float]:
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Ack)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cfg = load_site_config(SAMPLE / "site.yaml", env={"HALL_DATA_DIR": str(work / "uplink")})
    cfg.platform.ratings_endpoint = f"http://127.0.0.1:{port}/push"
    up = PlatformUplink(cfg, env={})
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    for i in range(n):
        rec = {"eval_id": f"neixiang-20261127-Z{i:04d}", "level": 5, "reasons": [], "rated_at": now.isoformat()}
        up.outbox.put("rating", rec["eval_id"], rec, now)
    t1 = time.perf_counter()
    acked = 0
    while acked < n:
        acked += up.send_due("rating") or 0
    t2 = time.perf_counter()
    up.stop()
    server.shutdown()
    return {"outbox_put_ms_each": 1000 * (t1 - t0) / n, "uplink_records_per_s": n / (t2 - t1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--ratings", type=int, default=1000)
    ap.add_argument("--reloads", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results: dict[str, object] = {
            "machine": f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}",
            "load_average": os.getloadavg(),
        }
        results.update(bench_import(args.records, work))
        results.update(bench_publish(work))
        results.update(bench_reload(args.reloads, work))
        results.update(bench_uplink(args.ratings, work))
    for k, v in results.items():
        print(f"{k:36} {v:.3f}" if isinstance(v, float) else f"{k:36} {v}")


if __name__ == "__main__":
    main()
