"""The day's chart: waiting citizens per queue, and the mean wait per queue and half hour."""

from __future__ import annotations

import io

from kivy.core.image import Image as CoreImage

from ...common.screen import FaceScreen, load_kv

load_kv(__file__)


class ChartScreen(FaceScreen):
    redraw_on = {"chart_version": "_show"}

    def _show(self, *_args) -> None:
        png = self.ctl.chart_png
        if png:
            self.ids.image.texture = CoreImage(io.BytesIO(png), ext="png").texture


SCREEN = ChartScreen
