"""The form that issues a green-channel or disability-priority ticket, shared by the counter terminal's and
the supervisor tablet's `priority` screen: class, queue and item, reason, note, the button, and the number
issued. It shows `app.state.priority` (a PriorityForm, priority_issue.py) and calls `app.ctl.priority_*`;
its buttons are rebuilt when the form's choices change."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.uix.boxlayout import BoxLayout

from .staff_widgets import fill_choices

KV = Path(__file__).with_suffix(".kv")


class PriorityPanel(BoxLayout):
    _listed_queue = ""

    def on_kv_post(self, _base) -> None:
        Clock.schedule_once(self._setup, 0)

    def _setup(self, _dt) -> None:
        form = App.get_running_app().state.priority
        form.bind(classes=self._classes, priority=self._classes)
        form.bind(queues=self._queues, queue_id=self._queues)
        form.bind(services=self._services, queue_id=self._services, service_id=self._services)
        form.bind(classes=self._reasons, priority=self._reasons, reason=self._reasons)
        for rebuild in (self._classes, self._queues, self._services, self._reasons):
            rebuild(form)

    def _classes(self, form, *_args) -> None:
        ctl = App.get_running_app().ctl
        rows = [(f"priority.class.{c['name']}", c["title"], c["name"] == form.priority) for c in form.classes]
        fill_choices(self.ids.classes, rows, lambda i: ctl.priority_class(form.classes[i]["name"]), "title")

    def _queues(self, form, *_args) -> None:
        ctl = App.get_running_app().ctl
        rows = [(f"priority.queue.{q['id']}", q["name"], q["id"] == form.queue_id) for q in form.queues]
        fill_choices(self.ids.queues, rows, lambda i: ctl.priority_queue(form.queues[i]["id"]), "small")

    def _services(self, form, *_args) -> None:
        pager = self.ids.services
        page = pager.page if form.queue_id == self._listed_queue else 0  # a tap keeps its page
        self._listed_queue = form.queue_id
        pager.entries = [
            {"key": s["id"], "text": s["name"], "role": "primary" if s["id"] == form.service_id else "plain"}
            for s in form.queue_services()
        ]
        if page:
            pager.turn(page)

    def _reasons(self, form, *_args) -> None:
        ctl = App.get_running_app().ctl
        reasons = form.reasons()
        rows = [(f"priority.reason.{i}", r, r == form.reason) for i, r in enumerate(reasons)]
        fill_choices(self.ids.reasons, rows, lambda i: ctl.priority_reason(reasons[i]), "small")

    @staticmethod
    def issue_text(form, _service_id: str, _priority: str) -> str:
        title = form.title()
        name = form.service().get("name", "")
        return f"核发{title}号：{name}" if name else f"核发{title}号"


def load_priority_panel() -> None:
    if str(KV) not in Builder.files:
        Builder.load_file(str(KV))
