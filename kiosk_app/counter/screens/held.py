"""The held citizens of this counter's queues (挂起, issue 23 item 4): each number with its queue, where it
was held and until when; 恢复 calls it here, 结束挂起 ends a hold the citizen will not come back to. The
site's limits are on the screen. The rows are built here from `state.held_rows`."""

from __future__ import annotations

from kivy.uix.boxlayout import BoxLayout

from ...common.screen import FaceScreen, load_kv
from ...common.widgets import KButton, KLabel

load_kv(__file__)


def row_text(r: dict) -> str:
    return f"{r['number']}　{r['queue']}　{r['where']}挂起 {r['since']}，{r['until']} 前可恢复"


class HeldScreen(FaceScreen):
    redraw_on = {"held_rows": "rebuild", "busy": "rebuild"}

    def rebuild(self, *_args) -> None:
        box = self.ids.rows
        box.clear_widgets()
        theme = self.app.theme
        for r in self.state.held_rows:
            line = BoxLayout(size_hint_y=None, height=theme.target, spacing=theme.gap)
            line.add_widget(KLabel(tid=f"held.row.{r['number']}", text=row_text(r), size_hint_x=0.6))
            for action, text, role, method in (
                ("resume", "恢复" if r["resumable"] else "原窗口恢复", "accent", self.ctl.resume_held),
                ("release", "结束挂起", "plain", self.ctl.release_held),
            ):
                button = KButton(
                    tid=f"held.{action}.{r['number']}",
                    text=text,
                    role=role,
                    size_hint_x=0.2,
                    disabled=self.state.busy or not r["resumable"],
                )
                button.bind(on_release=lambda _b, tid=r["ticket_id"], m=method: m(tid))
                line.add_widget(button)
            box.add_widget(line)


SCREEN = HeldScreen
