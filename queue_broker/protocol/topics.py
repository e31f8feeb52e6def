"""Every MQTT topic of the hall contract v1 (docs/protocol.md), built and parsed in one place.

No other module writes a topic string: they call `Topics(site)`. Parsing a received topic goes
through `Topics.parse`, which returns a `TopicMatch` or None for a topic outside the contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import partialmethod

PROTOCOL_VERSION = 1

SITE_ID_RE = re.compile(r"^[a-z0-9-]+$")
# Node, counter, device and queue ids become topic levels: no wildcards, no slashes, no spaces.
LEVEL_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

COUNTER_ACTIONS = (
    "open",
    "close",
    "pause",
    "resume",
    "call-next",
    "recall",
    "start",
    "no-show",
    "finish",
    "transfer",
    "complex-question",
    "case",
    "handover",
    "issue-priority",  # added: a green-channel or disability-priority ticket, issued by staff (docs/protocol.md)
    "application",  # 办件 (docs/platform.md)
    "rating",  # added: the rating pad of the counter that served the ticket (docs/gateway.md)
    # issue 23: hold and resume (挂起), the counter's own view, materials on file
    "hold",
    "resume-held",
    "release-held",
    "current",
    "materials",
    "complaint",  # added: 有诉即办 taken in at the complaint window (a counter of kind complaint)
    "take-reserve",  # planning ahead: the asked reserve clerk takes the ask at this counter
)
SUPERVISOR_ACTIONS = (
    "assign",
    "notice",
    "alert-ack",
    "recommendation",
    "login",
    "complaint",
    "case",
    "handover",
    "issue-priority",  # added, as at a counter
    # docs/platform.md: live reload of the site file, 办件, the 好差评 uplink's pending records
    "reload",
    "application",
    "uplink",
    # issue 23: find any ticket, and from there transfer or annul it
    "find-ticket",
    "transfer",
    "annul",
    # planning ahead (docs/planning.md)
    "reserve",
    "plan",
)
APPOINTMENT_ACTIONS = ("book", "cancel", "status", "slots")  # status, slots: added for the gateway
# cmd/ticket/{action}: issue and status of v1; view, cancel, notify, rate added for the citizen's own page,
# help for a kiosk calling a member of staff, materials on file (issue 23)
TICKET_ACTIONS = ("issue", "status", "view", "cancel", "notify", "rate", "help", "materials", "complaint")
SELFSERVICE_ACTIONS = ("record",)  # added (issue 24): a self-service transaction for the audit log
# cmd/{group}/{action}: the groups whose topic names the action alone (a counter's names the counter too)
GROUP_ACTIONS = {
    "ticket": TICKET_ACTIONS,
    "supervisor": SUPERVISOR_ACTIONS,
    "appointment": APPOINTMENT_ACTIONS,
    "selfservice": SELFSERVICE_ACTIONS,
}
EVENT_KINDS = (
    "issued",
    "called",
    "finished",
    "no-show",
    "transferred",
    "rebalanced",
    "alert",
    "notice",
    "case",
    "handover",
    "application",  # 办件 opened or moved a step (docs/platform.md)
    "come-now",  # added: a ticket that asked for a notice should now come back (docs/gateway.md)
    "hold",  # issue 23: held, resumed, expired, released
    "annulled",  # issue 23: a supervisor's 作废
    "reserve",  # planning ahead: a reserve window asked, taken, released, closed
)
# Hand-overs between halls (同城通办, docs/county.md): hall/{from}/handover/{to}/request goes up the county
# link, hall/{to}/handover/{from}/reply comes back. Each hall publishes only under its own prefix.
HANDOVER_KINDS = ("request", "reply")
STATE_KINDS = (
    "queues",
    "counters",
    "catalog",
    "platform",
    "reserves",
    "plan",
)  # additive: platform (docs/platform.md), reserves and plan (docs/planning.md)


class TopicError(ValueError):
    """A topic level that the contract does not allow."""


def check_level(value: str, what: str) -> str:
    if not isinstance(value, str) or not LEVEL_ID_RE.match(value):
        raise TopicError(f"{what} {value!r} is not a valid topic level (letters, digits, _ . - only)")
    return value


def _known(value: str, allowed: tuple[str, ...], what: str) -> str:
    """`value` if the contract names it among `allowed`, else TopicError("unknown {what} ...")."""
    if value not in allowed:
        raise TopicError(f"unknown {what} {value!r}")
    return value


@dataclass(frozen=True)
class TopicMatch:
    """What a received topic names: `family` is cmd, reply, state, event, node or device."""

    family: str
    kind: str  # e.g. "ticket/issue", "counter", "queues", "called", "status"
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Topics:
    site: str

    def __post_init__(self) -> None:
        if not SITE_ID_RE.match(self.site or ""):
            raise TopicError(f"site id {self.site!r} must match [a-z0-9-]+")

    @property
    def root(self) -> str:
        return f"hall/{self.site}"

    def _under_root(self, levels: str) -> str:
        return f"{self.root}/{levels}"

    # --- requests -------------------------------------------------------------------------
    def cmd(self, group: str, action: str) -> str:
        """`cmd/{group}/{action}` of a group of GROUP_ACTIONS: ticket, supervisor, appointment, selfservice."""
        what = "self-service" if group == "selfservice" else group
        return f"{self.root}/cmd/{group}/{_known(action, GROUP_ACTIONS[group], f'{what} action')}"

    # `cmd/ticket/{action}`: issue, status, and the added view, cancel, notify, rate, help, materials
    ticket_cmd = partialmethod(cmd, "ticket")
    supervisor_cmd = partialmethod(cmd, "supervisor")
    appointment_cmd = partialmethod(cmd, "appointment")
    selfservice_cmd = partialmethod(cmd, "selfservice")
    ticket_issue = partialmethod(cmd, "ticket", "issue")
    ticket_status = partialmethod(cmd, "ticket", "status")
    # added: a kiosk calls a member of staff (priority handling, 帮办代办): an alert at once
    ticket_help = partialmethod(cmd, "ticket", "help")
    # added: a complaint a citizen leaves at a kiosk's help screen (有诉即办)
    ticket_complaint = partialmethod(cmd, "ticket", "complaint")

    def counter_cmd(self, counter_id: str, action: str) -> str:
        action = _known(action, COUNTER_ACTIONS, "counter action")
        return f"{self.root}/cmd/counter/{check_level(counter_id, 'counter id')}/{action}"

    rating_submit = partialmethod(_under_root, "cmd/rating/submit")

    def reply(self, node_id: str) -> str:
        return f"{self.root}/reply/{check_level(node_id, 'node id')}"

    # --- published state and events ---------------------------------------------------------
    def state(self, kind: str) -> str:
        return f"{self.root}/state/{_known(kind, STATE_KINDS, 'state')}"

    state_queues = partialmethod(state, "queues")
    state_counters = partialmethod(state, "counters")
    state_catalog = partialmethod(state, "catalog")

    def event(self, kind: str) -> str:
        return f"{self.root}/event/{_known(kind, EVENT_KINDS, 'event kind')}"

    def node_status(self, node_id: str) -> str:
        return f"{self.root}/node/{check_level(node_id, 'node id')}/status"

    def device(self, node_id: str, device_id: str) -> str:
        return f"{self.root}/node/{check_level(node_id, 'node id')}/device/{check_level(device_id, 'device id')}"

    def handover(self, other_site: str, kind: str) -> str:
        """A hand-over between this hall and `other_site`: `request` (this hall hands a ticket to the
        other) or `reply` (this hall answers the other's request)."""
        _known(kind, HANDOVER_KINDS, "hand-over message")
        if not SITE_ID_RE.match(other_site or "") or other_site == self.site:
            raise TopicError(f"site id {other_site!r} is not another hall")
        return f"{self.root}/handover/{other_site}/{kind}"

    def handovers_to_me(self, kind: str) -> str:
        """What other halls send this one: their requests to it, their replies to its requests."""
        return f"hall/+/handover/{self.site}/{kind}"

    # --- parsing -----------------------------------------------------------------------------
    def parse(self, topic: str) -> TopicMatch | None:
        """Name what a topic of this site is, or None when it is outside the contract."""
        prefix = self.root + "/"
        if not topic.startswith(prefix):
            return None
        parts = topic[len(prefix) :].split("/")
        head, rest = parts[0], parts[1:]
        if head == "cmd" and rest:
            return _parse_cmd(rest)
        if head == "reply" and len(rest) == 1:
            return TopicMatch("reply", "reply", {"node": rest[0]})
        if head == "state" and len(rest) == 1 and rest[0] in STATE_KINDS:
            return TopicMatch("state", rest[0])
        if head == "event" and len(rest) == 1 and rest[0] in EVENT_KINDS:
            return TopicMatch("event", rest[0])
        if head == "node" and len(rest) == 2 and rest[1] == "status":
            return TopicMatch("node", "status", {"node": rest[0]})
        if head == "node" and len(rest) == 3 and rest[1] == "device":
            return TopicMatch("device", "device", {"node": rest[0], "device": rest[2]})
        return None

    # --- subscription filters ----------------------------------------------------------------
    all_commands = partialmethod(_under_root, "cmd/#")
    all_state = partialmethod(_under_root, "state/#")
    all_events = partialmethod(_under_root, "event/#")
    all_nodes = partialmethod(_under_root, "node/#")
    # every node's status (retained): `node/+/status`, not their devices
    all_node_status = partialmethod(_under_root, "node/+/status")
    everything = partialmethod(_under_root, "#")


def parse_handover(topic: str, me: str) -> TopicMatch | None:
    """`hall/{from}/handover/{me}/{kind}` as ("handover", kind, {"from": site}), else None. The publishing
    hall is the topic's first level, which only that hall's bridge user may publish under."""
    parts = topic.split("/")
    if (
        len(parts) == 5
        and parts[0] == "hall"
        and parts[2] == "handover"
        and parts[3] == me
        and parts[4] in HANDOVER_KINDS
        and SITE_ID_RE.match(parts[1])
        and parts[1] != me
    ):
        return TopicMatch("handover", parts[4], {"from": parts[1]})
    return None


def _parse_cmd(rest: list[str]) -> TopicMatch | None:
    group = rest[0]
    if group == "ticket" and len(rest) == 2 and rest[1] in TICKET_ACTIONS:
        return TopicMatch("cmd", f"ticket/{rest[1]}")
    if group == "counter" and len(rest) == 3 and rest[2] in COUNTER_ACTIONS and LEVEL_ID_RE.match(rest[1]):
        return TopicMatch("cmd", "counter", {"counter": rest[1], "action": rest[2]})
    if group == "rating" and rest[1:] == ["submit"]:
        return TopicMatch("cmd", "rating/submit")
    if group in GROUP_ACTIONS and len(rest) == 2 and rest[1] in GROUP_ACTIONS[group]:
        return TopicMatch("cmd", group, {"action": rest[1]})
    return TopicMatch("cmd", "unknown", {"path": "/".join(rest)})
