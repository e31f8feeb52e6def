"""What every provisioning command shares: the output folder of one hall (`Hall`) with its typed state
(`HallState`, stored as provision.json, no secret in it), the options of `init`, the errors, the site
file's reading and the templates.

The modules above it import it and nothing of each other's but downwards: `bridge.py` (a hall's link
to its county) and `readers.py` (the county overview's read-only users) add their parts to a hall's
state, password file and ACL; `generate.py` writes every file from the state and calls their parts,
and runs the commands that change the state and regenerate (init, node add/revoke, bridge, reader).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import BaseModel, ConfigDict, ValidationError

from queue_broker.config.loader import ConfigError, load_site_config
from queue_broker.config.models import SiteConfig

from .acl import NodeSpec
from .files import write_public

STATE_FILE = "provision.json"
DEFAULT_ETC = "/etc/hall"
DEFAULT_PYTHON = "/opt/hall/venv/bin/python"


class ProvisionError(Exception):
    """A problem the IT staff must fix; the message says what and how."""


@dataclass
class Options:
    hosts: list[str] = field(default_factory=list)  # names/addresses the boards use for the hall server
    mqtt_port: int = 1883  # loopback listener
    mqtts_port: int = 8883  # LAN listener (TLS)
    bind: str | None = None  # LAN listener's address; None = every interface
    production: bool = False
    in_place: bool = False  # paths point into DIR itself (for `up` and tests) instead of /etc/hall
    etc: str = DEFAULT_ETC
    python: str = DEFAULT_PYTHON


@dataclass
class Report:
    out: Path
    site_id: str
    nodes: list[NodeSpec]
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------- the state
class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NodeState(_Entry):
    role: str
    zone: str | None = "main"
    counter_id: str | None = None
    source: Literal["site", "added", "implicit"] = "site"  # from the site file, `node add`, or init itself


class BridgeIn(_Entry):
    """A hall bridged into this one (bridge.py): its user here is `bridge-<site>`."""

    site: str
    sites: list[str]  # the halls its link carries (itself and those bridged into it)
    added: str


class Upstream(_Entry):
    """This hall's link to its county (bridge.py); the passwords are in county-link.conf, not here."""

    county_site: str
    county_name: str
    county_dir: str
    host: str
    port: int
    user: str
    sites: list[str]
    restart_timeout: str
    keepalive: int
    queue_limit: int
    queue_bytes: int
    link_port: int
    tunnel_port: int
    linked_at: str


class Reader(_Entry):
    """A read-only user of this (county) hall's broker (readers.py); its password is in readers/<name>/."""

    role: str
    node: str | None = None  # the node of this hall whose node.env carries the reader's URL
    added: str


class HallState(_Entry):
    """provision.json: what was generated from what (no secret)."""

    version: int = 1
    site_id: str
    site_name: str
    site_file: str
    source: str
    hosts: list[str]
    mqtt_port: int
    mqtts_port: int
    bind: str | None = None
    production: bool = False
    in_place: bool = False
    etc: str = DEFAULT_ETC
    python: str = DEFAULT_PYTHON
    server_node: str
    nodes: dict[str, NodeState]
    revoked: dict[str, str] = {}
    upstream: Upstream | None = None
    bridges: dict[str, BridgeIn] = {}
    readers: dict[str, Reader] = {}
    generated_at: str

    def to_json(self) -> str:
        # what an older folder lacks stays absent, as before: no empty "bridges", no "upstream": null
        data = self.model_dump(mode="json")
        for key in ("upstream", "bridges", "readers"):
            if not data[key]:
                del data[key]
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ---------------------------------------------------------------------------------------- one hall's folder
class Hall:
    """One output folder (DIR of `init`): its state, and where everything is in it and on the boards."""

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out).resolve()
        self._state: HallState | None = None

    @property
    def state(self) -> HallState:
        if self._state is None:
            raise ProvisionError(f"{self.out}: no state loaded")
        return self._state

    @state.setter
    def state(self, value: HallState) -> None:
        self._state = value

    @property
    def state_path(self) -> Path:
        return self.out / STATE_FILE

    def read_state(self) -> HallState | None:
        """The state stored in the folder, or None when it holds no hall yet."""
        if not self.state_path.exists():
            return None
        try:
            return HallState.model_validate_json(self.state_path.read_text())
        except ValidationError as exc:
            raise ProvisionError(f"{self.state_path} is damaged: {exc}") from None

    def load(self):
        state = self.read_state()
        if state is None:
            raise ProvisionError(
                f"{self.out} holds no provisioned hall (no {STATE_FILE}): run "
                f"`python -m provisioning init SITE.yaml --out {self.out}` first"
            )
        self._state = state
        return self

    def save(self) -> None:
        write_public(self.state_path, self.state.to_json())

    @property
    def site_id(self) -> str:
        return self.state.site_id

    @property
    def server(self) -> str:
        return self.state.server_node

    def nodes(self) -> list[NodeSpec]:
        return [
            NodeSpec(id=i, role=n.role, zone=n.zone or "main", counter_id=n.counter_id)
            for i, n in self.state.nodes.items()
        ]

    def node_dir(self, node: str) -> Path:
        return self.out / "nodes" / node

    @property
    def mosquitto_dir(self) -> Path:
        return self.node_dir(self.server) / "mosquitto"

    def site_copy(self) -> Path:
        return self.out / "site" / self.state.site_file

    def on_server(self, path: Path, etc_relative: str) -> str:
        """Where `path` (in the server's bundle) is on the hall server: the folder itself when in place."""
        return str(path) if self.state.in_place else f"{self.state.etc}/{etc_relative}"

    def mqtt_url(self, node: NodeSpec, password: str | None = None) -> str:
        """Where `node` connects; with its credentials when `password` is given (node.env only)."""
        user = f"{node.id}:{password}@" if password is not None else ""
        if node.id == self.server:  # the hall server's own process: the loopback listener
            return f"mqtt://{user}127.0.0.1:{self.state.mqtt_port}"
        return f"mqtts://{user}{url_host(self.state.hosts[0])}:{self.state.mqtts_port}"

    def reload_hint(self) -> list[str]:
        if self.state.in_place:
            return [
                f"Mosquitto must re-read {self.mosquitto_dir}/passwd and acl: send it SIGHUP "
                f"(`kill -HUP <pid>`; --reload does it when `up` runs this hall)"
            ]
        return [
            f"On the hall server: copy {self.node_dir(self.server)} there and run `sudo sh update-access.sh` "
            f"(installs passwd and acl, then `systemctl reload hall-mosquitto`, i.e. SIGHUP)"
        ]


# ---------------------------------------------------------------------------------------- helpers
_jinja = Environment(
    loader=PackageLoader("provisioning", "templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=False,
    autoescape=False,
)


def render(template: str, **values: Any) -> str:
    return _jinja.get_template(template).render(**values)


def read_node_env(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a node.env, as systemd's EnvironmentFile= reads them (no quoting is used)."""
    env = {}
    for line in Path(path).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    return env


def url_password(path: Path, variable: str) -> str | None:
    """The password in the URL of `variable` in an env file, or None (no file, no line)."""
    url = read_node_env(path).get(variable) if path.exists() else None
    return urlsplit(url).password if url else None


def load_site(path: Path) -> SiteConfig:
    """The full check (with the services file), as the queue broker will load it."""
    try:
        return load_site_config(path, env={})
    except ConfigError as exc:
        raise ProvisionError("the site file is not valid:\n  " + "\n  ".join(exc.lines())) from None


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_raw_site(path: Path) -> dict[str, Any]:
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_Loader) or {}


def site_model(raw: dict[str, Any]) -> SiteConfig:
    """The site file's own sections (counters, nodes, mqtt, ...) validated without the services file,
    which init has checked in full once; cheap enough to run for every generated variant."""
    try:
        return SiteConfig.model_validate({k: v for k, v in raw.items() if k != "services_file"})
    except ValidationError as exc:
        raise ProvisionError(f"a generated site file does not validate: {exc}") from None


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
