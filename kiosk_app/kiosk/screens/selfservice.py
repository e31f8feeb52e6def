"""24-hour self-service (issue 24): one citizen's record, from the ID card to the A4 print, on one screen.

What it shows is the transaction's view (`state.selfservice`, selfservice/session.py's `SessionView`):
the step's plain sentence, the record's preview a screen page at a time (fewer, larger lines in elderly
mode), the sheets printed, and the buttons the step allows. The controller's `SelfServiceFlow` does the
rest; when the transaction ends the view is emptied and the kiosk goes home."""

from __future__ import annotations

from kivy.factory import Factory

from .base import KioskScreen, load_kv

load_kv(__file__)

ROLES = {"print": "accent", "retry": "accent", "home": "primary"}
BIG = ("print", "retry")
# the order on screen: the pages side by side, then what to do
ORDER = ("prev_page", "next_page", "print", "retry", "home", "cancel")


class SelfServiceScreen(KioskScreen):
    def on_kv_post(self, _base_widget) -> None:
        for prop in ("selfservice", "language", "elderly"):
            self.state.bind(**{prop: self.refresh})
        self._shown_actions: tuple = ()
        self.refresh(force=True)

    def update(self) -> None:
        view = self.state.selfservice
        ids = self.ids
        ids.title.text = view.get("title", "")
        name = view.get("masked_name", "")
        ids.holder.text = self.tr("holder_attached", name=name) if name else ""
        ids.message.text = view.get("message", "")
        ids.message.fg = self.app.theme.danger if view.get("step") == "failed" else self.app.theme.fg
        detail = view.get("detail", "")
        if view.get("step") == "printing" and view.get("sheets"):
            detail = self.tr("ss_sheets", done=view.get("sheets_done", 0), total=view["sheets"])
        ids.detail.text = detail
        preview = view.get("step") == "preview"
        ids.preview.opacity = 1 if preview else 0  # (kv rules cannot bind to a key of the state's dict)
        ids.preview.size_hint_y = 1 if preview else 0.001
        ids.filler.size_hint_y = 0.001 if preview else 1
        ids.lines.text = "\n".join(view.get("page_lines", ()))
        actions = tuple(view.get("actions", ()))
        if actions != self._shown_actions or not ids.actions.children:
            self._shown_actions = actions
            self._fill_actions(actions)

    def _fill_actions(self, actions: tuple) -> None:
        box = self.ids.actions
        box.clear_widgets()
        for action in sorted(actions, key=lambda a: ORDER.index(a) if a in ORDER else len(ORDER)):
            if action == "help":
                continue  # the footer's 找人帮忙 is always there
            b = Factory.KButton(
                text=self.tr(f"ss_action_{action}"),
                tid=f"ss.{action}",
                role=ROLES.get(action, "plain"),
                font_role="big" if action in BIG else "body",
            )
            b.bind(on_release=lambda _b, a=action: self.ctl.self_service_action(a))
            box.add_widget(b)


SCREEN = SelfServiceScreen
