"""A reserve clerk's counter terminal (issue 22, docs/planning.md), mixed into CounterController: when
retained `state/reserves` holds an ask this counter may take (its `counters` name this window or are
"*"), a bar offers it; 「接单开窗」 sends `cmd/counter/{c}/take-reserve` and the window then serves the
reserve's queues (the broker locks it against the rebalancer). When the supervisor or the planner
releases it (`event/reserve` released), the clerk finishes the citizen at the counter and the broker
closes the window itself; the terminal then returns to its login screen. Refusals in plain Chinese."""

from __future__ import annotations

from queue_broker.protocol.planning import ReserveEvent, ReservesState

from ..common.reserve_text import TAKE_REFUSALS, queues_text, refusal, reserve_line
from .part import CounterPart


class CounterReserveControl(CounterPart):
    def start_reserves(self) -> None:
        self._reserve_names: dict[str, str] = {}
        self.client.watch(self.topics.state("reserves"), ReservesState, self._reserves)
        self.client.watch(self.topics.event("reserve"), ReserveEvent, self._reserve_step)
        self.state.bind(screen=self._logged_out_to_login)

    def _logged_out_to_login(self, s, screen: str) -> None:
        """The broker closed a reserve's window while its citizen was rating: after the rating, the login."""
        if screen == "desk" and not s.operator_id and s.status == "closed":
            s.screen = "login"

    def _reserves(self, msg: ReservesState, _topic: str) -> None:
        me = self.counter.id
        offer: dict[str, str] = {}
        here = ""
        for r in msg.model_dump(mode="json")["reserves"]:
            self._reserve_names[r["id"]] = r["name"]
            if r["state"] == "asked" and not offer and (r["counters"] == "*" or me in r["counters"]):
                offer = {"id": r["id"], "name": r["name"], "text": reserve_line(r, self.queue_names, self.tz)}
            elif r["state"] in ("open", "closing") and r.get("counter_id") == me:
                here = f"后台调用：{r['name']}，办理 {queues_text(r['queue_ids'], self.queue_names)}"
                if r["state"] == "closing":
                    here += "（已释放：办完当前群众后窗口自动关闭）"
        self.state.set_reserve(offer, here)

    def take_reserve(self) -> None:
        s = self.state
        offer = dict(s.reserve_offer)
        if not offer:
            return
        if not s.operator_id:
            s.say(f"请先在本窗口登录，再接单开窗（{offer['name']}）", "warn")
            return
        if s.ticket and s.phase:
            s.say(f"请先办完当前群众 {s.ticket.get('number', '')}，再接单开窗", "warn")
            return

        def ok(reply: dict) -> None:
            c = reply.get("counter") or {}
            s.say(
                f"已接单开窗：{offer['name']}，本窗口现办理 {queues_text(c.get('queue_ids') or [], self.queue_names)}"
            )

        def refused(reply: dict) -> None:
            s.say(refusal(reply, TAKE_REFUSALS, "接单开窗"), "alert")

        self._send(
            self._cmd("take-reserve"), {"reserve_id": offer["id"]}, "接单开窗", ok, refused, key=f"take:{offer['id']}"
        )

    def _reserve_step(self, ev: ReserveEvent, _topic: str) -> None:
        if ev.counter_id != self.counter.id:
            return
        s = self.state
        name = self._reserve_names.get(ev.reserve_id, ev.reserve_id)
        if ev.state == "released":
            busy = bool(s.ticket and s.phase)
            s.say(f"{name}已释放：" + ("办完当前群众后窗口自动关闭" if busy else "窗口即将关闭"), "warn")
        elif ev.state == "closed":
            s.operator_id = ""
            s.operator_name = ""
            s.clear_ticket()
            if s.screen != "rating":  # the citizen just served may still rate
                s.screen = "login"
            s.say(f"{name}的后台窗口已关闭，共 {ev.minutes or 0:.0f} 分钟，谢谢", "info")
