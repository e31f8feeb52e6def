"""One 办件 (application) and its next steps, as a panel: the supervisor tablet's 办件 screen and a counter's
办件查询·出件 screen show it. Its facts (item, department, state, accepted, the promised date, corrections,
how the result goes out; the holder only masked), the history, a note, one more field when a step needs
it (the materials of a 补正, the reason of a 不予受理, a posted result's tracking number) and a button per
step the broker allows now. Load with `load_application_panel()`; bound to `app.state`
(common/case_state.py, ApplicationDeskState)."""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.uix.boxlayout import BoxLayout

from .screen import load_kv
from .widgets import KButton

# the steps that need the second field, and what it asks for
EXTRA_HINTS = {
    "correct": "补正告知：需补正的材料（用顿号或换行分隔），将打印一次性告知单",
    "reject": "不予受理的理由（必填，告知群众）",
    "deliver": "邮寄出件：快递单号",
}
# a step with a choice: one button per choice
CHOICES = {
    "conclude": (("approved", "办结（准予）"), ("not_approved", "办结（不予许可）")),
    "result-ready": (("pickup", "出件通知：窗口领取"), ("post", "出件通知：邮寄")),
}


class ApplicationPanel(BoxLayout):
    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(self._setup, 0)

    @property
    def state(self):
        return App.get_running_app().state

    def _setup(self, _dt) -> None:
        self.state.bind(app_steps=self._steps, app_facts=self._facts, application=self._cleared)
        self._steps(self.state, self.state.app_steps)
        self._facts(self.state, self.state.app_facts)

    def _cleared(self, *_args) -> None:
        self.ids.note.text = ""
        self.ids.extra.text = ""

    def extra_hint(self) -> str:
        app = self.state.application or {}
        for step in self.state.app_steps:
            action = step["action"]
            if action == "deliver" and app.get("delivery") != "post":
                continue
            if action in EXTRA_HINTS:
                return EXTRA_HINTS[action]
        return ""

    def _facts(self, _st, facts) -> None:
        box = self.ids.facts
        box.clear_widgets()
        for i, (caption, value) in enumerate(facts):
            box.add_widget(Factory.Fact(tid=f"application.fact.{i}", caption=caption, value=value))
        self.ids.extra.hint_text = self.extra_hint()

    def _steps(self, _st, steps) -> None:
        box = self.ids.steps
        box.clear_widgets()
        for step in steps:
            action = step["action"]
            for choice, text in CHOICES.get(action, (("", step["text"]),)):
                role = "accent" if action in ("deliver", "result-ready", "conclude") else "primary"
                if action == "reject":
                    role = "danger"
                tid = f"application.step.{action}" + (f".{choice}" if choice else "")
                button = KButton(tid=tid, text=text, role=role, font_role="small")
                button.bind(on_release=lambda _b, a=action, c=choice: self.step(a, c))
                box.add_widget(button)
        self.ids.extra.hint_text = self.extra_hint()

    def step(self, action: str, choice: str = "") -> None:
        App.get_running_app().ctl.application_step(action, self.ids.note.text, self.ids.extra.text, choice)


def load_application_panel() -> None:
    load_kv(__file__)
