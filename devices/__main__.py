"""`python -m devices …`: tools for hall technicians.

idcard read --port PATH [--timeout S] [--unmasked]   read one card, print its fields as JSON
printer sample --out FILE [--config SITE.yaml]        write the bytes of a sample ticket
list --config SITE.yaml [--node ID]                   open the configured devices, show their health
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from datetime import UTC, datetime

from devices.health import HealthReporter


def cmd_idcard_read(args: argparse.Namespace) -> int:
    from devices.idcard import IdCardError, read_once

    try:
        card = read_once(args.port, args.timeout)
    except IdCardError as exc:
        print(f"idcard: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(card.to_public_dict(unmasked=args.unmasked), ensure_ascii=False, indent=2))
    return 0


def cmd_printer_sample(args: argparse.Namespace) -> int:
    from devices.printer import render_ticket_bytes
    from devices.printer.model import sample_ticket

    ticket = sample_ticket(datetime.now(UTC))
    if args.config:
        cfg = _site(args.config)
        queue = cfg.queues[0]
        service = next((s for s in cfg.services if s.queue_id == queue.id), None)
        ticket = dataclasses.replace(
            ticket,
            hall_name=cfg.site.name,
            number=f"{queue.prefix}001",
            queue_name=queue.name,
            service_name=service.name if service else queue.name,
            materials_hint=[m.name for m in service.materials[:3]] if service else ticket.materials_hint,
        )
    data = render_ticket_bytes(ticket)
    with open(args.out, "wb") as f:
        f.write(data)
    print(f"{len(data)} bytes of ESC/POS written to {args.out}")
    return 0


def _site(path: str):
    from queue_broker.config.loader import load_or_exit

    return load_or_exit(path)


OPENERS = {
    "printer": ("devices.printer", "open_printer"),
    "idcard": ("devices.idcard", "open_reader"),
    "led": ("devices.led", "open_led"),
    "a4printer": ("devices.a4printer", "open_a4printer"),
}


def probe(cfg, health: HealthReporter):
    """Open one device as its node would and return its health before closing it again."""
    import importlib

    if cfg.kind == "camera":
        return health.report(cfg.id, "camera", "unknown", "not opened by `list`: the camera runs in its own process")
    if cfg.kind in OPENERS:
        module, name = OPENERS[cfg.kind]
        dev = getattr(importlib.import_module(module), name)(cfg, health)
        if cfg.kind in ("printer", "a4printer"):
            dev.status()
        found = health.latest().get(cfg.id)
        dev.close()
        return found
    if cfg.kind == "scanner":
        from devices.scanner import open_scanner

        dev = open_scanner(cfg, health, lambda _code: None)
    elif cfg.kind == "tactile_keypad":
        from devices.tactile import open_tactile_keypad

        dev = open_tactile_keypad(cfg, health, lambda _key: None)
    elif cfg.kind == "audio_jack":
        from devices.jack import open_jack

        dev = open_jack(cfg, health, lambda _event: None)
    else:
        from devices.keypad import open_keypad

        dev = open_keypad(cfg, health, lambda _action: None)
    dev.start()
    found = health.latest().get(cfg.id)
    dev.stop()
    return found


def cmd_list(args: argparse.Namespace) -> int:
    cfg = _site(args.config)
    nodes = [n for n in cfg.nodes if args.node in (None, n.id)]
    if args.node and not nodes:
        print(f"no node {args.node!r} in {args.config}", file=sys.stderr)
        return 2
    print(f"{'node':<16}{'device':<12}{'kind':<11}{'backend':<11}{'state':<10}message")
    worst = 0
    for node in nodes:
        for dev in node.devices:
            health = HealthReporter()
            try:
                h = probe(dev, health)
            except Exception as exc:  # a technician's tool reports, it does not crash
                h = health.report(dev.id, dev.kind, "fault", f"could not open: {exc}")
            state, message = (h.state, h.message) if h else ("unknown", "no report")
            worst = max(worst, {"ready": 0, "unknown": 0, "degraded": 0, "fault": 1}[state])
            print(f"{node.id:<16}{dev.id:<12}{dev.kind:<11}{dev.backend:<11}{state:<10}{message}")
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devices", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="group", required=True)
    idc = sub.add_parser("idcard").add_subparsers(dest="action", required=True)
    read = idc.add_parser("read", help="read one card")
    read.add_argument("--port", required=True)
    read.add_argument("--timeout", type=float, default=3.0)
    read.add_argument("--unmasked", action="store_true", help="print name and ID number in full")
    read.set_defaults(func=cmd_idcard_read)
    prn = sub.add_parser("printer").add_subparsers(dest="action", required=True)
    sample = prn.add_parser("sample", help="write a sample ticket's bytes")
    sample.add_argument("--out", required=True)
    sample.add_argument("--config")
    sample.set_defaults(func=cmd_printer_sample)
    lst = sub.add_parser("list", help="configured devices and their health")
    lst.add_argument("--config", required=True)
    lst.add_argument("--node")
    lst.set_defaults(func=cmd_list)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
