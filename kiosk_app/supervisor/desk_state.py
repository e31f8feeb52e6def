"""What the supervisor tablet's case screens show (issue 21 item 4), mixed into SupervisorState: the cases
and 办件 (common/case_state.py), the application_due alerts to acknowledge with an explanation, the 好差评
uplink's pending count and last error (`state/platform`), and the answer to the last site-file reload.
Properties only; no I/O."""

from __future__ import annotations

from kivy.properties import DictProperty, ListProperty, NumericProperty, OptionProperty

from ..common.case_state import ApplicationDeskState, CaseDeskState
from ..common.case_text import reload_lines, uplink_lines


class SupervisorDeskState(CaseDeskState, ApplicationDeskState):
    platform = DictProperty({})  # the latest state/platform
    uplink_lines = ListProperty([])  # the ratings uplink, in words
    notice_lines = ListProperty([])  # the result-ready notices (SMS), in words
    uplink_pending = NumericProperty(0)  # ratings and notices not yet acknowledged: the header's badge
    uplink_rows = ListProperty([])  # the pending records (cmd/supervisor/uplink status)
    reload_lines = ListProperty([])  # the last reload's answer
    reload_result = OptionProperty("", options=["", "applied", "unchanged", "refused"])

    def set_platform(self, body: dict, tz) -> None:
        self.platform = body
        self.uplink_lines = uplink_lines(body.get("uplink"), tz, "好差评数据")
        self.notice_lines = uplink_lines(body.get("notices"), tz, "出件短信通知")
        self.uplink_pending = (body.get("uplink") or {}).get("pending", 0)
        self.app_counts = dict(body.get("applications") or self.app_counts)

    def set_reload(self, reply: dict) -> None:
        self.reload_lines = reload_lines(reply)
        if not reply.get("ok"):
            self.reload_result = "refused"
        elif (reply.get("config") or {}).get("state") == "unchanged":
            self.reload_result = "unchanged"
        else:
            self.reload_result = "applied"
