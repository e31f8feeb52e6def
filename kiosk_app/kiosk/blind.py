"""Blind mode (issue 23 item 1): the kiosk read aloud and driven by keys alone.

Started by a long press anywhere on the screen (≥ 2 s), by headphones plugged into the jack, or by any key
of the tactile keypad; ended by pulling the headphones out, by 退出语音导航, by going back home (返回首页, a
sighted helper's touch) or by walking away (no key for `blind_idle_timeout_s`: 您还在吗, then the end).

What is said and what each key does is the pure model `voice.guide.BlindGuide`; this class feeds it keys
and the broker's answers, shows and records what it says (`KioskState.blind_*`), speaks each step through
`BlindVoice`, and carries out each step's action: `cmd/ticket/issue` (retried with the same request_id until
an answer), `cmd/ticket/status`, `cmd/ticket/help` with need `visually_impaired` (the floor's alert says
视障). Runs on the UI thread; device callbacks come through `ui_call`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from queue_broker.protocol.messages import TicketHelp, TicketIssue, TicketStatus

if TYPE_CHECKING:  # voice.guide (numpy, cn2an) is imported when the mode first starts, not with the kiosk
    from voice.guide import BlindGuide, Step

    from .blind_voice import BlindVoice
    from .controller import KioskController

log = logging.getLogger(__name__)

LONG_PRESS_S = 2.0
# said outside the guide's model (it knows neither the keypad's faults nor a lost network)
SAID = {
    "junk": {
        "zh": "键盘发出了无法识别的按键，已忽略。",
        "en": "The keypad sent keys it does not have; they were ignored.",
    },
    "lookup_failed": {
        "zh": "查询没有成功，网络暂时中断。请按井号键再试，或按0键呼叫工作人员。",
        "en": "The lookup did not go through: the network is down. Press hash to try again, or 0 to call staff.",
    },
}


class BlindMode:
    def __init__(self, ctl: KioskController, voice: BlindVoice | None = None):
        self.ctl = ctl
        self.state = ctl.state
        self.voice = voice
        self.guide: BlindGuide | None = None
        self._request: str | None = None  # the issue or status request in flight (answers to others are late)
        self._idle_prompted = False

    # ------------------------------------------------------------ device threads → UI thread
    def tactile_key(self, key: str) -> None:
        self.ctl.ui_call(self.key, key)

    def jack_changed(self, event: Any) -> None:
        self.ctl.ui_call(self.jack, bool(event.plugged), bool(getattr(event, "initial", False)))

    def keypad_health(self, state: str, message: str) -> None:
        self.ctl.ui_call(self._keypad_health, state, message)

    # ------------------------------------------------------------ life of the mode
    def start(self, by: str) -> None:
        s = self.state
        self.ctl.activity()
        if s.blind_active:
            return
        catalog = self.ctl.catalog_state
        if catalog is None:
            return  # nothing to read yet: the first catalog comes within a second of the start
        from voice.guide import BlindGuide

        language = s.language  # chosen by this citizen just before (going home would reset it)
        self.ctl.go_home()  # a fresh flow: nothing of a sighted citizen's flow is kept
        s.language = language
        guide = self.guide = BlindGuide(
            catalog.model_dump(mode="json"),
            language=s.language,
            elderly=s.elderly,
            frequent_ids=self.ctl.settings.frequent_service_ids,
        )
        guide.set_queues({"queues": list(s.queues.values())})
        s.blind_active, s.blind_by = True, by
        s.blind_spoken, s.blind_played, s.blind_number, s.blind_message = [], [], "", ""
        self._idle_prompted = False
        log.info("blind mode started (%s)", by)
        self.ctl.go("blind")
        self._say(guide.start(by="jack" if by == "jack" else "key"))

    def stop(self, why: str) -> None:
        """End the mode (`why`: exit, jack, idle, home); anything but `home` takes the kiosk home too."""
        s = self.state
        if not s.blind_active:
            return
        if self.guide is not None and self.guide.help_open:
            self._send_help(cancel=True)
        s.blind_active = False
        self._request = None
        self.guide = None
        if self.voice is not None:
            self.voice.silence()
        log.info("blind mode ended (%s)", why)
        if why != "home":
            self.ctl.go_home()

    def jack(self, plugged: bool, initial: bool = False) -> None:
        self.state.headphones = plugged
        if plugged and not initial:
            self.start("jack")
        elif not plugged and self.state.blind_by == "jack":
            self.stop("jack")

    def tick(self, idle_s: float) -> None:
        """Walk-away: no key for the timeout asks 您还在吗 (any key goes on); as long again ends the mode."""
        if not self.state.blind_active or self.guide is None:
            return
        limit = self.ctl.settings.blind_idle_timeout_s
        if idle_s > 2 * limit:
            self.stop("idle")
        elif idle_s > limit and not self._idle_prompted:
            self._idle_prompted = True
            self._say(self.guide.idle())

    def follow_settings(self) -> None:
        """The header's language or elderly switch, touched during the mode (by a helper): the guide follows."""
        if not self.state.blind_active or self.guide is None:
            return
        self.guide.elderly = self.state.elderly  # the voice's rate: slower in elderly mode
        if self.guide.language != self.state.language:
            self._say(self.guide.set_language(self.state.language))

    # ------------------------------------------------------------ keys
    def key(self, key: str) -> None:
        s = self.state
        if not s.blind_active:
            self.start("key")  # any key of the tactile keypad starts the mode (and is not taken as a choice)
            return
        self.ctl.activity()
        self._idle_prompted = False
        s.blind_message = ""
        if key in ("volume_up", "volume_down"):
            return  # the amplifier's business, not the guide's
        self._say(cast("BlindGuide", self.guide).key(key))  # the mode is on: its guide exists

    def _keypad_health(self, state: str, message: str) -> None:
        s = self.state
        if state == "degraded":  # the keypad's only degraded state: a burst of junk (devices/tactile)
            s.blind_message = message
            if s.blind_active and self.guide is not None:
                self._say(self._plain("junk"))
        elif state == "ready":
            s.blind_message = ""

    # ------------------------------------------------------------ speaking
    def _plain(self, key: str) -> Step:
        from voice.guide import Line, Step

        language = self.guide.language if self.guide is not None else "zh"
        return Step([Line(SAID[key][language], language)], self.state.blind_screen)

    def _say(self, step: Step) -> None:
        s = self.state
        s.blind_spoken = [*s.blind_spoken, *(line.text for line in step.lines)][-200:]
        if step.lines:
            s.blind_text = " ".join(line.text for line in step.lines)  # on screen: a gap where the voice pauses
        s.blind_screen = step.screen
        if self.voice is not None and self.guide is not None:
            self.voice.say(step, self.guide.rate)
        if step.action is not None:
            self._act(step.action)

    def played(self, path: str, text: str, rate: int) -> None:
        """The voice thread handed a WAV to the player: kept in order (what a test or a log reads back)."""
        self.ctl.ui_call(self._played, {"wav": path, "text": text, "rate": rate})

    def _played(self, entry: dict) -> None:
        if self.state.blind_active:
            self.state.blind_played = [*self.state.blind_played, entry][-200:]

    # ------------------------------------------------------------ actions → the broker → back into the guide
    def _act(self, action: Any) -> None:
        if action.kind == "issue":
            self._issue(action.service_id)
        elif action.kind == "status":
            self._status(action.number)
        elif action.kind in ("help", "cancel_help"):
            self._send_help(cancel=action.kind == "cancel_help")
        elif action.kind == "exit":
            self.stop("exit")

    def _new_request(self) -> str:
        self._request = self.ctl.new_request_id()
        return self._request

    def _issue(self, service_id: str) -> None:
        message = TicketIssue(
            request_id=self._new_request(),
            kiosk_id=self.ctl.node.id,
            service_id=service_id,
            channel="walk_in",
            language=self.state.language,
        )
        self._send_issue(message)

    def _send_issue(self, message: TicketIssue) -> None:
        if self._request != message.request_id:
            return  # the mode ended, or another request replaced it

        def reply(r: dict) -> None:
            if self._request != message.request_id or self.guide is None:
                return
            if not r.get("ok") and (r.get("error") or {}).get("code") == "unavailable":
                retry(RuntimeError("unavailable"))
                return
            self._request = None
            if not r.get("ok"):
                error = r.get("error") or {}
                self._say(self.guide.issue_failed(error.get("message") or error.get("code", ""), message.service_id))
                return
            ticket = dict(r["ticket"])
            self.state.blind_number = ticket["number"]
            self._say(self.guide.ticket_issued(ticket))
            self.ctl.print_blind_ticket(ticket)

        def retry(exc: Exception) -> None:
            # the same request_id again: the broker answers a retry without issuing twice
            log.warning("blind mode: ticket request %s: %s; retrying", message.request_id, exc)
            from kivy.clock import Clock

            Clock.schedule_once(lambda _dt: self._send_issue(message), self.ctl.settings.retry_max_s)

        self.ctl.request(self.ctl.topics.ticket_issue(), message, reply, retry)

    def _status(self, number: str) -> None:
        request_id = self._new_request()
        ticket_id = f"{self.ctl.now():%Y%m%d}-{number}"
        message = TicketStatus(request_id=request_id, ticket_id=ticket_id)

        def answer(r: dict) -> None:
            if self._request == request_id and self.guide is not None:
                self._request = None
                self._say(self.guide.status(number, r))

        def failed(_exc: Exception) -> None:
            if self._request == request_id and self.guide is not None:
                self._request = None
                self.guide.pending = None
                self._say(self._plain("lookup_failed"))

        self.ctl.request(self.ctl.topics.ticket_status(), message, answer, failed)

    def _send_help(self, cancel: bool) -> None:
        message = TicketHelp(
            request_id=self.ctl.new_request_id(),
            kiosk_id=self.ctl.node.id,
            need="visually_impaired",
            cancel=True if cancel else None,
        )
        guide = self.guide

        def reply(r: dict) -> None:
            if guide is None or guide is not self.guide:
                return  # the mode ended: a withdrawal needs no words
            if cancel:
                self._say(guide.help_cancelled())
            else:
                reason = (r.get("error") or {}).get("message", "")
                self._say(guide.help_sent(bool(r.get("ok")), reason))

        def failed(exc: Exception) -> None:
            if guide is not None and guide is self.guide and not cancel:
                self._say(guide.help_sent(False, "网络中断" if guide.language == "zh" else "the network is down"))

        self.ctl.request(self.ctl.topics.ticket_help(), message, reply, failed)
