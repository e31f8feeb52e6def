"""The hall and the provincial platforms, on the supervisor tablet: the 好差评 uplink's pending count, last
error and next try (retained `state/platform`), the records still pending and "try now"
(`cmd/supervisor/uplink`); the site file reloaded without a restart (`cmd/supervisor/reload`), with what
changed, or every reason the file was refused while the running configuration stays."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv

load_kv(__file__)


class PlatformScreen(FaceScreen):
    def reload(self) -> None:
        self.ctl.reload_site(self.ids.note.text)


SCREEN = PlatformScreen
