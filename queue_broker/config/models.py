"""The site configuration: one YAML file per hall, validated at start, unknown keys rejected.

Secrets never live here: MQTT passwords come from HALL_MQTT_URL or a password file, the key that
hashes ID numbers from HALL_ID_HASH_KEY(_FILE) or a file the broker creates. Operator PINs are
stored as PBKDF2 hashes (`python -m queue_broker hash-pin`).
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Any, Literal, cast, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
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
from .gateway import GatewayConfig
from .selfservice import Department, RecordItem

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
SiteId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,64}$")]
HHMM = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def known_zone(name: str) -> str:
    """`name` if this machine knows that time zone (an IANA name), else ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use an IANA name such as Asia/Shanghai)") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(known_zone)]


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
    # added (issue 24): the records a kiosk prints and the departments it asks (config/selfservice.py)
    records: list[RecordItem] = []
    departments: list[Department] = []


class HoursChange(Strict):
    """Opening hours that take effect on a date by themselves (a summer timetable, a new rule): from
    `effective_from` on, these weekly hours replace `site.opening_hours` (the latest change in force wins)."""

    effective_from: date
    opening_hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Period]]
    ticketing_closes_before_min: int | None = Field(default=None, ge=0, le=240)
    note: str = ""


class Site(Strict):
    id: SiteId
    name: str
    short_name: str = ""
    address: str = ""
    phone: str = ""
    timezone: TimeZoneName = "Asia/Shanghai"
    opening_hours: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[Period]]
    ticketing_closes_before_min: int = Field(default=30, ge=0, le=240)
    holidays: list[date] = []  # local additions to the official calendar
    extra_working_days: list[date] = []  # swapped working weekends (调休)
    self_service: SelfServiceZone = SelfServiceZone()
    languages: list[Literal["zh", "en"]] = ["zh", "en"]
    hours_changes: list[HoursChange] = []  # dated opening hours (docs/platform.md, live reload)


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


class NationalItem(Strict):
    """The item's record in the national catalog (全国一体化政务服务平台 事项库, ../shared/platform.md §1),
    written by `python -m queue_broker catalog import`. The hall's own settings of the item (queue,
    appointment, self-service, keywords, usual time) stay outside this block and survive every import."""

    catalog_code: Annotated[str, StringConstraints(max_length=64)] = ""  # 基本编码
    task_code: Annotated[str, StringConstraints(min_length=1, max_length=64)]  # 实施编码
    task_handle_item: Annotated[str, StringConstraints(min_length=1, max_length=64)]  # 业务办理项编码
    task_type: str = ""  # 事项类型: 行政许可, 行政给付, 公共服务, ...
    task_version: str = ""
    task_state: str = ""  # 在用 / 暂停 / ...
    dept_code: str = ""  # 实施主体 统一社会信用代码 (18 characters)
    dept_name: str = ""
    project_type: Literal["即办", "承诺"] = "承诺"  # 办件类型: a 承诺件 stays open after the counter (办件)
    promise_day: int | None = Field(default=None, ge=0, le=3650)  # 承诺办结时限
    promise_day_type: Literal["工作日", "自然日"] = "工作日"
    anticipate_day: int | None = Field(default=None, ge=0, le=3650)  # 法定办结时限
    anticipate_day_type: Literal["工作日", "自然日"] = "工作日"
    limit_scene_num: int | None = Field(default=None, ge=0, le=99)  # 到办事现场次数 (最多跑N次)
    link_addr: str = ""  # 网上办理地址
    mobile_terminal_url: str = ""  # 移动端办理地址
    transact_addr: str = ""  # 办理地点
    transact_time: str = ""  # 办理时间
    supervise_way: str = ""  # 监督投诉方式
    special_procedure: str = ""  # 特别程序
    plan_effective_date: date | None = None  # the item is offered from this day on
    plan_cancel_date: date | None = None  # withdrawn: no new tickets from this day on (issued ones are served)

    @model_validator(mode="after")
    def _dates_ordered(self) -> NationalItem:
        if self.plan_effective_date and self.plan_cancel_date and self.plan_cancel_date <= self.plan_effective_date:
            raise ValueError(
                f"plan_cancel_date {self.plan_cancel_date} is not after plan_effective_date {self.plan_effective_date}"
            )
        return self


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
    national: NationalItem | None = None  # the national catalog's record and codes (catalog import)

    def in_force(self, day: date) -> bool:
        """Offered on `day`: on or after its effective date and before its cancel date (withdrawn)."""
        n = self.national
        if n is None:
            return True
        if n.plan_effective_date is not None and day < n.plan_effective_date:
            return False
        return not (n.plan_cancel_date is not None and day >= n.plan_cancel_date)


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


PriorityName = Literal["green", "appointment", "return", "disability", "elderly"]
# the classes that need a person's judgement: issued only by staff (a counter, the supervisor), with a reason
STAFF_PRIORITIES = ("green", "disability")
StaffRole = Literal["counter", "supervisor"]
DEFAULT_PRIORITY_REASONS: dict[str, list[str]] = {
    "green": ["重点项目或重大投资项目", "军人、军属及优抚对象", "危急重症或紧急事项", "领导交办的急事", "其他"],
    "disability": ["肢体残疾", "视力残疾", "听力或言语残疾", "智力或精神残疾", "行动不便（伤病、孕晚期）", "其他"],
}
OTHER_REASON = "其他"  # this reason needs a note saying what it is


class PriorityClass(Strict):
    """One class of the calling rule (engine/calling.py). `enabled: false` switches it off at this hall:
    nobody gets it any more (tickets issued before keep theirs). For the staff-issued classes (green,
    disability): who may issue it and the reasons staff pick from (empty: any reason, 1–100 characters)."""

    enabled: bool = True
    issued_by: list[StaffRole] = Field(default_factory=lambda: list(get_args(StaffRole)), min_length=1)
    reasons: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = []


class PriorityRules(Strict):
    """Calling order: green channel, then appointments checked in on time, return tickets and the
    disability priority, then the elderly (when enabled), then everyone else. `walk_in_share` of calls
    stays with ordinary walk-ins whenever both kinds are waiting, so appointments never starve them
    (seed art. 19). Each class can be switched off in `classes`; green and disability are issued only
    by staff, with a reason; the elderly priority comes only from the ID card's birth date."""

    walk_in_share: float = Field(default=0.5, ge=0.0, le=1.0)
    elderly_age: int | None = Field(default=70, ge=50, le=120)
    queue_weights: dict[Id, float] = {}  # waiting time weight per queue when a counter serves several
    classes: dict[PriorityName, PriorityClass] = {}  # missing classes: enabled, with the default reasons

    @model_validator(mode="after")
    def _every_class(self) -> PriorityRules:
        for name, cls in self.classes.items():
            if name not in STAFF_PRIORITIES and (cls.reasons or set(cls.issued_by) != {"counter", "supervisor"}):
                raise ValueError(
                    f"{name} is not issued by staff (it comes from "
                    f"{'the ID card' if name == 'elderly' else 'the ticket itself'}): "
                    "give it only `enabled`"
                )
        for name in get_args(PriorityName):
            if name not in self.classes:
                self.classes[name] = PriorityClass(reasons=DEFAULT_PRIORITY_REASONS.get(name, []))
            elif name in STAFF_PRIORITIES and "reasons" not in self.classes[name].model_fields_set:
                self.classes[name].reasons = list(DEFAULT_PRIORITY_REASONS[name])
        return self

    def on(self, name: str) -> bool:
        """Is this class given at this hall? The elderly class also needs `elderly_age`."""
        cls = dict(self.classes).get(cast(PriorityName, name))  # any name: an unknown one is not given
        return bool(cls and cls.enabled and (name != "elderly" or self.elderly_age))


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
    # added with 办件 (applications, docs/platform.md): yellow when this share of the promised time is spent
    application_warn_pct: int = Field(default=80, ge=10, le=100)


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


class PlatformConfig(Strict):
    """Between the hall and the provincial platforms (docs/platform.md): where a newly imported item's
    queue is, the departments' codes for case numbers, the 出件 item, and the 好差评 uplink."""

    default_queue: Id | None = None  # `catalog import`: a new item whose department has no queue goes here
    queue_by_department: dict[str, Id] = {}  # dept_code or dept_name -> queue id, for new items
    department_codes: dict[str, str] = {}  # department name -> 统一社会信用代码, for items without codes
    pickup_service_id: Id | None = None  # 综合出件: the item a result-pickup ticket is issued for
    ratings_endpoint: str | None = None  # the provincial 好差评 interface (http:// or https://)
    ratings_mapping: str | None = None  # the province's keys (YAML, relative to the site file)
    notice_endpoint: str | None = None  # an SMS gateway taking the result-ready notices (else they wait)
    retry_base_s: float = Field(default=30.0, gt=0, le=3600)
    retry_max_s: float = Field(default=3600.0, gt=0, le=86400)
    batch_size: int = Field(default=50, ge=1, le=1000)
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("ratings_endpoint", "notice_endpoint")
    @classmethod
    def _http(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("must be an http:// or https:// URL")
        if v is not None and re.match(r"^https?://[^/@]*:[^/@]*@", v):
            raise ValueError("a password does not belong in the YAML: set HALL_PLATFORM_TOKEN in the environment")
        return v


# every kind of device a node may have; devices/options.py has an options table for each
DeviceKind = Literal[
    "printer",
    "idcard",
    "scanner",
    "camera",
    "keypad",
    "rating_pad",
    "led",
    "a4printer",
    "tactile_keypad",
    "audio_jack",
]


class DeviceConfig(Strict):
    id: Id
    kind: DeviceKind
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


class Reserve(Strict):
    """A back-office clerk who can be called in to open a window (必要时启动潮汐窗口, seed art. 14): the
    broker asks when the forecast and the live queues say the SLA will break within half an hour
    (docs/planning.md); the clerk logs in at a free window and takes the ask there."""

    id: Id
    name: str = ""
    eligible: list[Id] = Field(min_length=1)  # the queues the clerk can serve
    ready_min: float = Field(default=10.0, ge=0, le=240)  # from the ask to the window open
    counters: list[Id] | Literal["*"] = "*"  # the windows the clerk may open


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
    platform: PlatformConfig = PlatformConfig()  # catalog import, 办件, 好差评 uplink (docs/platform.md)
    gateway: GatewayConfig = GatewayConfig()  # added: the HTTP gateway (docs/gateway.md)
    # issue 23 (config/access.py): hold at the counter, the supervisor's ticket actions, materials on file
    hold: HoldRules = HoldRules()
    tickets: TicketRules = TicketRules()
    materials: Materials = Materials()
    reserves: list[Reserve] = []  # back-office clerks who can open a window when asked (docs/planning.md)
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
