"""Resident memory of a staff or display screen (not a test: run it by hand, under Xvfb).

    xvfb-run -a .venv/bin/python bench/screen_memory.py [--app callscreen|counter|supervisor]
        [--window 1080x1920] [--runs 3] [--settle 8]

The UI tests' mini hall (tests/ui/harness.py: write_site) with a real Mosquitto and the real queue
broker in this process, three tickets waiting; the app started as the tests start it
(`python -m kiosk_app.APP --config SITE --node NODE --windowed --window WxH`, tests/ui/harness.py:
ScreenProcess). Once it is online and has drawn its first frame, `--settle` seconds more (the call
screen's notice line keeps drawing), then VmRSS, VmHWM, RssAnon and RssFile from /proc/PID/status.
Each run is a new process. Without a GPU, Mesa's llvmpipe renders in software: its frame buffers are
in the process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provisioning.mosquitto import MosquittoProcess  # noqa: E402
from tests.ui.hall import Broker, Node, write_site  # noqa: E402
from tests.ui.harness import ScreenProcess  # noqa: E402

NODES = {"callscreen": "display-1", "counter": "counter-W1", "supervisor": "supervisor-1"}
FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")


def memory(pid: int) -> dict[str, float]:
    """MB, from /proc/PID/status."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in FIELDS:
            out[key] = int(value.split()[0]) / 1024
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--app", choices=sorted(NODES), default="callscreen")
    ap.add_argument("--window", default="1080x1920", help="WIDTHxHEIGHT")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--settle", type=float, default=8.0, help="seconds after the first frame")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="screen-memory-") as folder:
        tmp = Path(folder)
        (tmp / "mosquitto").mkdir()
        mosquitto = MosquittoProcess(workdir=tmp / "mosquitto")
        mosquitto.start()
        site_id = f"bench-mem-{int(time.time())}"
        site = write_site(tmp, site_id)
        broker = Broker(site, mosquitto.url, tmp / "data")
        kiosk = Node(mosquitto.url, site_id, "kiosk-1", "kiosk")
        rows = []
        try:
            for service in ("zh-general", "zh-general", "sb-card"):
                kiosk.issue(service)
            for run in range(args.runs):
                app = ScreenProcess(
                    args.app, site, NODES[args.app], mosquitto.url, tmp / f"{args.app}-{run}", window=args.window
                )
                try:
                    app.connect()
                    st = app.wait_for(
                        lambda s: s.get("online") and s.get("first_frame_ms"), 40, "online and the first frame"
                    )
                    time.sleep(args.settle)
                    rows.append(memory(st["pid"]))
                finally:
                    app.close()
                print(f"run {run + 1}: " + ", ".join(f"{k} {v:.0f} MB" for k, v in rows[-1].items()), flush=True)
        finally:
            kiosk.stop()
            broker.stop()
            mosquitto.cleanup()
    print(
        f"{args.app} {args.window}, median of {len(rows)}: "
        + ", ".join(f"{k} {statistics.median(r[k] for r in rows):.0f} MB" for k in FIELDS)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
