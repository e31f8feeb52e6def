"""What the call screen shows, as Kivy properties on one object that does no I/O.

The controller feeds it the protocol's messages (already parsed) and the time; the .kv rules bind
to its properties. It keeps ticket numbers and window numbers only: nothing the call screen
receives carries a name or an ID number, and nothing here could hold one.
"""

from __future__ import annotations

from datetime import datetime

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, DictProperty, ListProperty, NumericProperty, StringProperty

from ..common.hall_text import clock_text, date_text, hall_note, queue_wait_text, short_name, window_text
from .recall import again_text, call_in_progress

RECENT_MAX = 12


class CallScreenState(EventDispatcher):
    site_name = StringProperty("")
    display_name = StringProperty("")
    now_text = StringProperty("")
    date_text = StringProperty("")
    portrait = BooleanProperty(False)

    online = BooleanProperty(False)  # the MQTT link is up
    server_ok = BooleanProperty(True)  # the queue broker publishes state
    has_state = BooleanProperty(False)  # state/queues received at least once
    banner = StringProperty("")
    hall_note = StringProperty("")  # 演示, or when ticketing opens again (the broker's words)

    # the latest call, large
    hero_number = StringProperty("")
    hero_window = StringProperty("")  # 3号窗口
    hero_recall = NumericProperty(0)
    # a number called again (recall > 0, the last call, a citizen called back after a hold): the words of
    # its highlight, shown in colour under the number as long as it is the latest call, so a citizen
    # who cannot hear the voice sees it (recall.py)
    hero_again = StringProperty("")
    flashing = BooleanProperty(False)
    blink = BooleanProperty(False)  # toggles while flashing
    # earlier calls: [{"number", "window", "recall"}], newest first, without the hero
    recent = ListProperty([])

    # every queue: [{"id", "name", "waiting", "wait"}]; shown a page at a time
    queue_rows = ListProperty([])
    queue_page = NumericProperty(0)
    queue_per_page = NumericProperty(8)
    queue_pages = NumericProperty(1)
    queue_page_rows = ListProperty([])

    # windows serving other queues than their own: ["12号窗口 现办理 社保"], fresh ones first
    changes = ListProperty([])
    fresh_changes = DictProperty({})  # counter id -> until (monotonic s)

    marquee = StringProperty("")

    def __init__(
        self,
        *,
        home_queues: dict[str, list[str]] | None = None,
        queue_names: dict[str, str] | None = None,
        zones: list[str] | None = None,
        flash_s: float = 6.0,
        fresh_change_s: float = 120.0,
        static_notices: list[str] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.home_queues = home_queues or {}
        self.queue_names = {k: short_name(v) for k, v in (queue_names or {}).items()}
        self.zones = set(zones) if zones else None
        self.flash_s = flash_s
        self.fresh_change_s = fresh_change_s
        self.static_notices = list(static_notices or [])
        self._flash_until = 0.0
        self._calls: list[dict] = []  # newest first, hero included
        self._notices: list[dict] = []  # {"text", "until": datetime | None}
        self._counters: list[dict] = []
        self.last_state_mono: float | None = None
        self._update_marquee(None)
        self._update_banner()

    # ------------------------------------------------------------------ connection
    def set_online(self, online: bool) -> None:
        self.online = online
        self._update_banner()

    def check_server(self, mono: float, silent_after_s: float, started_mono: float) -> None:
        last = self.last_state_mono if self.last_state_mono is not None else started_mono
        self.server_ok = (mono - last) <= silent_after_s
        self._update_banner()

    def _update_banner(self) -> None:
        if not self.online:
            self.banner = "网络连接中断，正在重新连接……叫号信息可能不是最新"
        elif not self.server_ok:
            self.banner = "叫号服务器暂无响应，正在恢复……"
        elif not self.has_state:
            self.banner = "正在获取大厅信息……"
        else:
            self.banner = ""

    # ------------------------------------------------------------------ calls
    def apply_called(
        self,
        number: str,
        counter_number: int,
        recall: int,
        zone: str | None,
        mono: float,
        *,
        last_call: bool = False,
        resumed: bool = False,
        flash: bool = True,
    ) -> bool:
        """A call (event/called). Returns False when it is for another zone's screens. A number called
        again flashes twice as long: its citizen missed the first call."""
        if self.zones is not None and zone is not None and zone not in self.zones:
            return False
        window = window_text(counter_number)
        again = again_text(recall, last_call, resumed)
        self._calls = [c for c in self._calls if c["number"] != number]
        self._calls.insert(0, {"number": number, "window": window, "recall": recall, "again": bool(again)})
        del self._calls[RECENT_MAX + 1 :]
        self.hero_number = number
        self.hero_window = window
        self.hero_recall = recall
        self.hero_again = again
        self.recent = self._calls[1:]
        if flash:
            self._flash_until = mono + self.flash_s * (2 if again else 1)
            self.flashing = True
            self.blink = True
        return True

    def toggle_blink(self, mono: float) -> None:
        if self.flashing and mono >= self._flash_until:
            self.flashing = False
            self.blink = False
        elif self.flashing:
            self.blink = not self.blink

    # ------------------------------------------------------------------ queues and windows
    def apply_queues(
        self, queues: list[dict], mono: float, hall: dict | None = None, now: datetime | None = None
    ) -> None:
        self.hall_note = hall_note(hall, now)
        rows = []
        for q in queues:
            self.queue_names[q["id"]] = short_name(q["name"])
            rows.append(
                {
                    "id": q["id"],
                    "name": short_name(q["name"]),
                    "prefix": q.get("prefix", ""),
                    "waiting": q["waiting"],
                    "wait": queue_wait_text(q, now, compact=True),
                }
            )
        self.queue_rows = rows
        self.last_state_mono = mono
        self.has_state = True
        self.server_ok = True
        self._paginate()
        self._update_banner()
        self._update_changes(mono)

    def set_rows_per_page(self, n: int) -> None:
        n = max(1, int(n))
        if n != self.queue_per_page:
            self.queue_per_page = n
            self._paginate()

    def next_queue_page(self) -> None:
        self.queue_page = (self.queue_page + 1) % max(1, self.queue_pages)
        self._paginate()

    def _paginate(self) -> None:
        per = max(1, int(self.queue_per_page))
        self.queue_pages = max(1, -(-len(self.queue_rows) // per))
        if self.queue_page >= self.queue_pages:
            self.queue_page = 0
        self.queue_page_rows = self.queue_rows[self.queue_page * per : (self.queue_page + 1) * per]

    def apply_counters(self, counters: list[dict], mono: float) -> None:
        self._counters = counters
        self._update_changes(mono)
        if not self.hero_number:  # (re)started during a call: show it, highlighted if called again
            call = call_in_progress(counters)
            if call is not None:
                self.apply_called(
                    call["number"], call["counter_number"], call["recalls"], call["zone"], mono, flash=False
                )

    def apply_rebalanced(self, counter_id: str, mono: float) -> None:
        fresh = dict(self.fresh_changes)
        fresh[counter_id] = mono + self.fresh_change_s
        self.fresh_changes = fresh
        self._update_changes(mono)

    def _update_changes(self, mono: float) -> None:
        fresh = {cid: until for cid, until in self.fresh_changes.items() if until > mono}
        if fresh != dict(self.fresh_changes):
            self.fresh_changes = fresh
        lines = []
        for c in self._counters:
            if c.get("status") == "closed" or not c.get("queue_ids"):
                continue
            if self.zones is not None and c.get("zone") and c["zone"] not in self.zones:
                continue
            home = self.home_queues.get(c["id"])
            if home is not None and list(c["queue_ids"]) == list(home) and c["id"] not in fresh:
                continue
            names = "、".join(self.queue_names.get(q, q) for q in c["queue_ids"])
            lines.append((c["id"] not in fresh, c["number"], f"{window_text(c['number'])} 现办理 {names}"))
        self.changes = [text for _, _, text in sorted(lines)]

    # ------------------------------------------------------------------ notices and clock
    def apply_notice(self, text: str, until: datetime | None, now: datetime) -> None:
        self._notices = [n for n in self._notices if n["text"] != text]
        self._notices.insert(0, {"text": text, "until": until})
        del self._notices[10:]
        self._update_marquee(now)

    def _update_marquee(self, now: datetime | None) -> None:
        live = [n["text"] for n in self._notices if n["until"] is None or now is None or n["until"] > now]
        texts = live + self.static_notices
        self.marquee = "　　◆　　".join(texts) if texts else "请留意叫号，听到您的号码后请到对应窗口办理。"

    def tick(self, now: datetime, mono: float) -> None:
        self.now_text = clock_text(now)
        self.date_text = date_text(now)
        if any(n["until"] is not None and n["until"] <= now for n in self._notices):
            self._notices = [n for n in self._notices if n["until"] is None or n["until"] > now]
            self._update_marquee(now)
        if self.fresh_changes and any(until <= mono for until in self.fresh_changes.values()):
            self._update_changes(mono)
