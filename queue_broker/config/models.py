"""The site configuration: one YAML file per hall, validated at start, unknown keys rejected.

Secrets never live here: MQTT passwords come from HALL_MQTT_URL or a password file, the key that
hashes ID numbers from HALL_ID_HASH_KEY(_FILE) or a file the broker creates. Operator PINs are
stored as PBKDF2 hashes (`python -m queue_broker hash-pin`).
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from ..protocol.messages import Guide, Material
from .access import HoldRules, Materials, TicketRules

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
SiteId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,64}$")]
HHMM = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


def hhmm(value: str) -> time:
    if value == "24:00":
        return time(23, 59, 59, 999999)
    h, m = value.split(":")
    return time(int(h), int(m))


class Period(Strict):
    start: HHMM
    end: HHMM

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if hhmm(self.start) >= hhmm(self.end):
            raise ValueError(f"period start {self.start} is not before its end {self.end}")
        return self


class SelfServiceZone(Strict):
    """24-hour self-service (seed art. 26): which items a kiosk serves outside opening hours."""

    hours: list[Period] = [Period(start="00:00", end="24:00")]
    service_ids: list[Id] = []


class Site(Strict):
    id: SiteId
    name: str
    short_name: str = ""
    address: str = ""
    phone: str = ""
    timezone: str = "Asia/Shanghai"
    opening_hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Period]]
    ticketing_closes_before_min: int = Field(default=30, ge=0, le=240)
    holidays: list[date] = []  # local additions to the official calendar
    extra_working_days: list[date] = []  # swapped working weekends (调休)
    self_service: SelfServiceZone = SelfServiceZone()
    languages: list[Literal["zh", "en"]] = ["zh", "en"]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Asia/Shanghai)") from None
        return v


class Queue(Strict):
    id: Id
    prefix: Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,2}$")]
    name: str
    name_en: str = ""
    sla_min: int = Field(default=20, ge=1, le=600)
    mean_service_min: float = Field(default=8.0, gt=0, le=240)
    daily_cap: int | None = Field(default=None, ge=1)


CounterKind = Literal["comprehensive", "department", "complaint", "cross_region", "assisted", "green"]


class Counter(Strict):
    id: Id
    number: int = Field(ge=1, le=999)
    name: str
    zone: Id = "main"
    kind: CounterKind = "department"
    department: str = ""
    home: list[Id] = Field(min_length=1)
    eligible: list[Id] = []  # defaults to home; home is always eligible
    tidal: bool = False  # may the rebalancer move it

    @model_validator(mode="after")
    def _home_is_eligible(self) -> Counter:
        self.eligible = list(dict.fromkeys([*self.home, *self.eligible]))
        return self


PinHash = Annotated[str, StringConstraints(pattern=r"^pbkdf2_sha256\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$")]


class Operator(Strict):
    id: Id
    name: str
    pin_hash: PinHash
    counters: list[Id] | Literal["*"] = "*"
    demo_only: bool = False  # provisioning refuses to carry these into a production bundle


class Supervisor(Strict):
    id: Id
    name: str
    pin_hash: PinHash
    demo_only: bool = False


class Service(Strict):
    """A service item (政务服务事项) with its guide in the one format of seed art. 11."""

    id: Id
    name: str
    name_en: str = ""
    queue_id: Id
    department: str
    category: str = ""
    life_events: list[str] = []
    keywords: list[str] = []
    self_service: bool = False  # can be done at the kiosk without a counter
    appointment: bool = True  # may be booked
    usual_service_min: float | None = Field(default=None, gt=0)
    guide: StrictGuide
    materials: list[StrictMaterial]


class StrictMaterial(Material):
    model_config = ConfigDict(extra="forbid", strict=False)


class StrictGuide(Guide):
    model_config = ConfigDict(extra="forbid", strict=False)


class Bundle(Strict):
    """一件事一次办 (seed art. 20): several items with one ticket and one form."""

    id: Id
    name: str
    queue_id: Id
    service_ids: list[Id] = Field(min_length=2)
    description: str = ""


class PriorityRules(Strict):
    """Calling order: green channel, then appointments checked in on time and return tickets, then
    the elderly (when enabled), then everyone else. `walk_in_share` of calls stays with ordinary
    walk-ins whenever both kinds are waiting, so appointments never starve them (seed art. 19)."""

    walk_in_share: float = Field(default=0.5, ge=0.0, le=1.0)
    elderly_age: int | None = Field(default=70, ge=50, le=120)
    queue_weights: dict[Id, float] = {}  # waiting time weight per queue when a counter serves several


class Appointments(Strict):
    slot_minutes: int = Field(default=30, ge=5, le=240)
    capacity_per_slot: int = Field(default=4, ge=0)
    capacity_overrides: dict[Id, int] = {}  # by service id
    walk_in_share: float = Field(default=0.5, ge=0.0, le=1.0)  # of each hour's capacity kept for walk-ins
    grace_before_min: int = Field(default=30, ge=0)
    grace_after_min: int = Field(default=15, ge=0)
    book_days_ahead: int = Field(default=7, ge=1, le=60)


class Caps(Strict):
    per_person_per_day: int | None = Field(default=5, ge=1)  # anti-hoarding, by ID hash
    per_person_per_queue_per_day: int | None = Field(default=2, ge=1)


class VoiceConfig(Strict):
    template: str = "请{number}号到{counter}号窗口办理"
    template_en: str = ""
    repeat: int = Field(default=2, ge=1, le=5)
    chime: bool = True
    voice: str = "cmn-latn-pinyin"
    rate: int = Field(default=150, ge=60, le=400)
    max_queue: int = Field(default=8, ge=1, le=100)
    announce_rebalance: bool = False
    announce_notices: bool = False


class AlertThresholds(Strict):
    wait_yellow_pct_of_sla: int = Field(default=80, ge=10, le=500)
    wait_red_pct_of_sla: int = Field(default=100, ge=10, le=1000)
    service_over_usual_factor: float = Field(default=2.0, gt=1.0)
    counter_idle_min: int = Field(default=5, ge=1)
    no_shows_in_row: int = Field(default=3, ge=2)
    device_fault_min: int = Field(default=10, ge=1)
    complex_answer_working_days: int = Field(default=2, ge=1)
    bad_rating_case_working_days: int = Field(default=15, ge=1)
    default_satisfied_after_days: int | None = Field(default=None, ge=1)  # prefer ratings.default_satisfied
    # added with electronic monitoring (docs/supervision.md): the red level of each rule
    service_over_usual_red_factor: float = Field(default=3.0, gt=1.0)
    counter_idle_red_min: int = Field(default=15, ge=1)
    no_shows_in_row_red: int = Field(default=5, ge=2)
    device_fault_red_min: int = Field(default=30, ge=1)
    case_warn_working_days: int = Field(default=1, ge=0)  # yellow when a case enters its last N working days


BAD_RATING_REASONS = [
    "等候时间长",
    "服务态度差",
    "办事效率低",
    "业务不熟练",
    "材料要求不清或反复要求补正",
    "未一次性告知",
    "多次跑动",
    "超过承诺时限",
    "系统故障",
    "环境设施不便",
    "其他",
]


class DefaultSatisfied(Strict):
    """A served ticket not rated within `after_days` counts as `level` (满意), where the province's rule
    says so. Off when `after_days` is null (and `alerts.default_satisfied_after_days` is null)."""

    after_days: int | None = Field(default=None, ge=1)
    working_days: bool = True
    level: int = Field(default=4, ge=3, le=5)


class Ratings(Strict):
    """好差评 (seed art. 39): the reasons a bad rating (1 or 2) must pick from, and the default rule."""

    bad_reasons: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=lambda: list(BAD_RATING_REASONS), min_length=1
    )
    default_satisfied: DefaultSatisfied = DefaultSatisfied()


class Complaints(Strict):
    """有诉即办 (seed art. 25): the complaint window's closed loop."""

    deadline_working_days: int = Field(default=5, ge=1)
    categories: list[str] = ["办不成事", "服务态度", "办事效率", "政策咨询", "其他"]


class CalendarConfig(Strict):
    """Working days: China's official calendar (the chinese-calendar package) with local overrides:
    `site.holidays`, `site.extra_working_days` and an optional YAML file
    `{holidays: [dates], working_days: [dates]}` (relative to the site file)."""

    official: bool = True
    override_file: str | None = None


class Rebalancer(Strict):
    enabled: bool = True
    review_every_s: int = Field(default=60, ge=5)
    switch_cost_min: float = Field(default=3.0, ge=0)
    # Narrow a tidal counter to some of its eligible queues when the lookahead says it clearly pays.
    # Off by default: on every hall day measured, a counter on all its eligible queues that calls by
    # need (engine/calling.py rule 4) did at least as well (docs/tidal.md, "Narrowing").
    narrow_sets: bool = False


class DeviceConfig(Strict):
    id: Id
    kind: Literal[
        "printer", "idcard", "scanner", "camera", "keypad", "rating_pad", "led", "tactile_keypad", "audio_jack"
    ]
    backend: str = "simulator"
    options: dict[str, Any] = {}  # validated by the device package's own model for the kind/backend


class NodeEntry(Strict):
    id: Id
    role: Literal["broker", "kiosk", "counter", "display", "voice", "supervisor", "gateway"]
    zone: Id = "main"
    counter_id: Id | None = None
    language: Literal["zh", "en"] = "zh"
    devices: list[DeviceConfig] = []
    screen: dict[str, Any] = {}


class Mqtt(Strict):
    url: str = "mqtt://127.0.0.1:1883"
    ca_file: str | None = None
    keepalive_s: int = Field(default=30, ge=5, le=600)

    @field_validator("url")
    @classmethod
    def _no_secret(cls, v: str) -> str:
        if re.match(r"^mqtts?://[^/@]*:[^/@]*@", v):
            raise ValueError("a password does not belong in the YAML: set HALL_MQTT_URL in the environment")
        if not re.match(r"^mqtts?://[^/]+$", v):
            raise ValueError("must look like mqtt://host:port or mqtts://host:port")
        return v


class SiteConfig(Strict):
    site: Site
    mqtt: Mqtt = Mqtt()
    data_dir: str = "var"
    queues: list[Queue] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    operators: list[Operator] = []
    supervisors: list[Supervisor] = []
    services: list[Service] = []
    bundles: list[Bundle] = []
    services_file: str | None = None  # services and bundles kept in a second file beside this one
    catalog_effective_from: date | None = None
    priorities: PriorityRules = PriorityRules()
    appointments: Appointments = Appointments()
    caps: Caps = Caps()
    recall_limit: int = Field(default=2, ge=0, le=10)
    voice: VoiceConfig = VoiceConfig()
    alerts: AlertThresholds = AlertThresholds()
    ratings: Ratings = Ratings()
    complaints: Complaints = Complaints()
    calendar: CalendarConfig = CalendarConfig()
    rebalancer: Rebalancer = Rebalancer()
    nodes: list[NodeEntry] = []
    # issue 23 (config/access.py): hold at the counter, the supervisor's ticket actions, materials on file
    hold: HoldRules = HoldRules()
    tickets: TicketRules = TicketRules()
    materials: Materials = Materials()
    _source_path: str = PrivateAttr(default="")

    @property
    def source_path(self) -> str:
        return self._source_path

    # --- lookups used everywhere ---------------------------------------------------------------
    def queue(self, queue_id: str) -> Queue:
        return next(q for q in self.queues if q.id == queue_id)

    def counter(self, counter_id: str) -> Counter:
        return next(c for c in self.counters if c.id == counter_id)

    def service(self, service_id: str) -> Service:
        return next(s for s in self.services if s.id == service_id)

    def node(self, node_id: str) -> NodeEntry:
        return next(n for n in self.nodes if n.id == node_id)


Service.model_rebuild()
