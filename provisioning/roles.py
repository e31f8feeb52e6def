"""The roles of protocol v1: what each may publish and read, and which program a board of that role runs.

`RIGHTS` is the role table of docs/protocol.md ("Who may do what"), word for word, with topics
relative to `hall/{site}/`. `{node}` is the node's own id (its MQTT user name and client id) and
`{counter}` the counter a counter terminal serves. The ACL file is generated from this table and
nothing else; tests/provisioning checks every cell of it against a running Mosquitto.

`PROGRAMS` says what runs on a board of each role: the systemd unit's command and what
`python -m provisioning up` starts when the program exists in this checkout.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

ROLES = ("broker", "kiosk", "counter", "display", "voice", "supervisor", "gateway")


@dataclass(frozen=True)
class Rights:
    publish: tuple[str, ...]
    read: tuple[str, ...]
    deny: tuple[str, ...] = ()  # refused even where a wider grant would allow it (checked first)


RIGHTS: dict[str, Rights] = {
    "broker": Rights(publish=("#",), read=("#",)),
    # cmd/selfservice/# added (issue 24): a kiosk records its self-service transactions in the audit log
    "kiosk": Rights(
        publish=("cmd/ticket/#", "node/{node}/#", "cmd/selfservice/#"), read=("reply/{node}", "state/#", "event/called")
    ),
    # Rating rights (docs/security.md): a counter rates the tickets it served on its own topic,
    # cmd/counter/{counter}/rating, which no other node may publish; cmd/rating/submit, which any counter
    # could publish for any ticket, is no longer one of its rights.
    "counter": Rights(
        publish=("cmd/counter/{counter}/#", "node/{node}/#"),
        read=("reply/{node}", "state/#", "event/#"),
    ),
    "display": Rights(publish=("node/{node}/#",), read=("state/#", "event/#")),
    "voice": Rights(publish=("node/{node}/#",), read=("state/#", "event/#")),
    # The gateway (docs/gateway.md): exactly the commands it sends and the state and events it reads.
    # cmd/ticket/issue for remote tickets (the holder travels only there, as from a kiosk); the citizen's
    # own view, cancel, notify and rating by status token; its own status, so the hall sees it online.
    "gateway": Rights(
        publish=(
            "cmd/ticket/issue",
            "cmd/ticket/view",
            "cmd/ticket/cancel",
            "cmd/ticket/notify",
            "cmd/ticket/rate",
            "cmd/appointment/#",
            "node/{node}/#",
        ),
        read=(
            "reply/{node}",
            "state/queues",
            "state/catalog",
            "event/called",
            "event/finished",
            "event/no-show",
            "event/transferred",
            "event/come-now",
            "node/broker/status",
        ),
    ),
    # A supervisor may send a counter's commands, but not its citizens' ratings.
    "supervisor": Rights(
        publish=("cmd/supervisor/#", "cmd/counter/+/#", "cmd/appointment/#"),
        read=("reply/{node}", "state/#", "event/#", "node/#"),
        deny=("cmd/counter/+/rating",),
    ),
    # Additive, and not a node role of a hall (not in ROLES): a township hall's Mosquitto bridge as a
    # user of its county's broker (provisioning/bridge.py, docs/county.md). Here `{site}` is the
    # bridged hall's site, not the county's: it may publish what a county needs of that hall and
    # read nothing. The same three filters are the bridge's `out` topics on the township side.
    "bridge": Rights(publish=("state/#", "event/#", "node/#"), read=()),
    # Additive, not a node role either: the county link's user on its own hall's Mosquitto (the link is a
    # Mosquitto of its own that forwards these topics to the county): it reads them and publishes nothing.
    # A county's link reads them for every hall bridged into it as well (a chain to a city).
    "link": Rights(publish=(), read=("state/#", "event/#", "node/#")),
    # Additive, not a node role either: the county overview's user on a county's broker
    # (provisioning/readers.py): it reads these of the county's own hall and of every hall bridged into
    # it, and publishes nothing.
    "county-reader": Rights(publish=(), read=("state/#", "event/#", "node/#")),
}

ROLE_TITLES = {
    "broker": "the queue broker (hall server)",
    "kiosk": "self-service kiosk",
    "counter": "counter terminal",
    "display": "call screen",
    "voice": "voice calling",
    "supervisor": "supervisor tablet",
    "gateway": "online-booking gateway",
    "bridge": "a hall's bridge to its county",
    "link": "the hall's link to",
    "county-reader": "the county overview's reader",
}


@dataclass(frozen=True)
class Program:
    """`python -m MODULE ARGS...`; `{config}` and `{node}` are filled in per node."""

    module: str
    args: tuple[str, ...]
    graphical: bool = False  # a full-screen window: run inside cage on a locked-down seat
    notify: bool = False  # sends READY=1 and WATCHDOG=1 over sd_notify: Type=notify with WatchdogSec

    def argv(self, python: str, config: str, node: str) -> list[str]:
        return [python, "-m", self.module, *(a.format(config=config, node=node) for a in self.args)]

    def present(self) -> bool:
        """True when `MODULE/__main__.py` exists here (found without importing anything)."""
        top, *rest = self.module.split(".")
        spec = importlib.util.find_spec(top)
        if spec is None or not spec.submodule_search_locations:
            return False
        return any(Path(p).joinpath(*rest, "__main__.py").exists() for p in spec.submodule_search_locations)


_NODE_ARGS = ("--config", "{config}", "--node", "{node}")

PROGRAMS: dict[str, Program | None] = {
    "broker": Program("queue_broker", ("run", "--config", "{config}"), notify=True),
    # the four faces ping the watchdog from their Kivy loop (kiosk_app/common/app.py): a hung screen restarts
    "kiosk": Program("kiosk_app", _NODE_ARGS, graphical=True, notify=True),
    "counter": Program("kiosk_app.counter", _NODE_ARGS, graphical=True, notify=True),
    "display": Program("kiosk_app.callscreen", _NODE_ARGS, graphical=True, notify=True),
    "voice": Program("voice", ("run", *_NODE_ARGS), notify=True),
    "supervisor": Program("kiosk_app.supervisor", _NODE_ARGS, graphical=True, notify=True),
    # listens on HALL_GATEWAY_LISTEN (default 127.0.0.1:8480, behind the hall server's TLS), or serves HTTPS
    # itself with HALL_GATEWAY_TLS_CERT/_KEY from the hall CA (docs/gateway.md "Deploying")
    "gateway": Program("gateway", ("run", "--config", "{config}", "--node", "{node}")),
}


def expand(topic: str, site: str, node: str, counter: str | None) -> str:
    if "{counter}" in topic and not counter:
        raise ValueError(f"node {node} has no counter for {topic}")
    return f"hall/{site}/" + topic.format(node=node, counter=counter or "")
