"""python -m gateway run --config SITE.yaml --listen HOST:PORT [--node ID] [--public-url URL] [--tls-cert F --tls-key F]
python -m gateway key add NAME | key list | key revoke NAME      (partner keys, under HALL_DATA_DIR)
python -m gateway openapi [--out FILE]                            (the OpenAPI document of the routes)

HALL_MQTT_URL and HALL_DATA_DIR as for the other nodes. Exit 0 on a clean stop, 2 on a bad argument or
configuration (one plain line on stderr)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from queue_broker.config.loader import ConfigError, load_site_config

from .keys import KeyError_, PartnerKeys

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .app import Gateway


def _data_folder(data_dir: str) -> Path:
    return Path(data_dir) / "gateway"


def _listen(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError("--listen is HOST:PORT, e.g. 127.0.0.1:8480")
    return host.strip("[]") or "127.0.0.1", int(port)


def build(
    config_path: str, node_id: str | None, public_url: str | None, env: dict[str, str] | None = None
) -> tuple[Gateway, FastAPI]:
    """The Gateway object and its FastAPI app for a site file (the same the tests and the bench serve)."""
    from .app import Gateway, create_app
    from .hall import HallDoor
    from .notify.backends import make_backend
    from .notify.desk import NoticeDesk
    from .notify.store import NoticeStore

    environ = dict(os.environ if env is None else env)
    config = load_site_config(config_path, env=environ)
    node = node_id or next((n.id for n in config.nodes if n.role == "gateway"), "gateway")
    folder = _data_folder(config.data_dir)
    url = (public_url or config.gateway.public_url or "").rstrip("/")
    door = HallDoor(
        config.mqtt.url,
        config.site.id,
        node,
        ca_file=config.mqtt.ca_file,
        timeout_s=config.gateway.limits.broker_timeout_s,
    )
    n = config.gateway.notify
    backend = make_backend(n.backend, n.options, n.outbox_dir or str(Path(config.data_dir) / "notify-outbox"), environ)
    notices = NoticeDesk(config, door, NoticeStore(folder), backend, url)
    gw = Gateway(config, door, PartnerKeys(folder), notices, node, url)
    return gw, create_app(gw)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m gateway", description="The hall's HTTP gateway (docs/gateway.md).")
    sub = ap.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="serve the HTTP API and the citizen pages")
    run.add_argument("--config", required=True)
    run.add_argument(
        "--listen", type=_listen, default=os.environ.get("HALL_GATEWAY_LISTEN", "127.0.0.1:8480"), help="HOST:PORT"
    )
    run.add_argument("--node", help="the gateway's node id (its MQTT user name); default: the site file's")
    run.add_argument("--public-url", help="overrides gateway.public_url (what QR codes point at)")
    run.add_argument(
        "--tls-cert", default=os.environ.get("HALL_GATEWAY_TLS_CERT"), help="serve HTTPS with this certificate"
    )
    run.add_argument("--tls-key", default=os.environ.get("HALL_GATEWAY_TLS_KEY"))
    run.add_argument("--forwarded-allow-ips", default="127.0.0.1", help="proxies whose X-Forwarded-For is trusted")
    key = sub.add_parser("key", help="partner keys")
    key.add_argument("action", choices=("add", "list", "revoke"))
    key.add_argument("name", nargs="?")
    key.add_argument("--config", help="site file (for data_dir); HALL_DATA_DIR wins")
    oa = sub.add_parser("openapi", help="print the OpenAPI document")
    oa.add_argument("--config", default=str(Path(__file__).resolve().parent.parent / "examples/neixiang/site.yaml"))
    oa.add_argument("--out")
    args = ap.parse_args(argv)

    if args.cmd == "key":
        return _keys(args)
    if args.cmd == "openapi":
        return _openapi(args)
    return _run(args)


def _data_dir(config: str | None) -> str:
    if os.environ.get("HALL_DATA_DIR"):
        return os.environ["HALL_DATA_DIR"]
    if config:
        return load_site_config(config).data_dir
    raise ConfigError([("HALL_DATA_DIR", None, "", "set HALL_DATA_DIR or give --config")])


def _keys(args: argparse.Namespace) -> int:
    try:
        keys = PartnerKeys(_data_folder(_data_dir(args.config)))
        if args.action == "list":
            rows = keys.list()
            for r in rows:
                state = f"revoked {r['revoked_at']}" if r["revoked_at"] else "active"
                print(f"{r['name']}\tcreated {r['created_at']}\t{state}")
            if not rows:
                print("no partner keys")
            return 0
        if not args.name:
            print(f"key {args.action} needs a partner NAME", file=sys.stderr)
            return 2
        if args.action == "add":
            key = keys.add(args.name)
            print(f"key for {args.name} (shown once, store it now): {key}")  # the key is the last word
            return 0
        keys.revoke(args.name)
        print(f"key of {args.name} revoked")
        return 0
    except (ConfigError, KeyError_) as exc:
        print(str(exc), file=sys.stderr)
        return 2


def _openapi(args: argparse.Namespace) -> int:
    try:
        _, app = build(
            args.config, None, None, env={"HALL_DATA_DIR": os.environ.get("HALL_DATA_DIR", "/tmp/hall-gateway-openapi")}
        )
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    text = json.dumps(app.openapi(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if bool(args.tls_cert) != bool(args.tls_key):
        print("--tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    host, port = args.listen
    try:
        gw, app = build(args.config, args.node, args.public_url)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except Exception as exc:  # a backend that cannot start (missing SDK, missing secret)
        print(f"the gateway cannot start: {exc}", file=sys.stderr)
        return 2
    scheme = "https" if args.tls_cert else "http"
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    logging.getLogger("gateway").info(
        "serving hall %s on %s://%s:%d (QR codes point at %s)",
        gw.config.site.id,
        scheme,
        shown,
        port,
        gw.public_url or f"{scheme}://{shown}:{port}",
    )
    # uvicorn stops gracefully on SIGTERM and then raises the signal again under the handler it found:
    # this one makes that a clean exit 0 (systemd, `up`)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,  # paths hold status tokens: the gateway logs what it needs, masked
        log_level="warning",
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        ssl_certfile=args.tls_cert,
        ssl_keyfile=args.tls_key,
        timeout_graceful_shutdown=3,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
