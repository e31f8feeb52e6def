"""The call screen's settings: the `screen:` mapping of its display node in the site YAML.

- id: display-1
  role: display
  zone: ground
  screen:
    width: 1920          # pixels; 1080 x 1920 for a portrait panel
    height: 1080
    diagonal_in: 55      # sizes are millimetres on this panel: readable from 10 m
    zones: [ground]      # show only calls of windows in these zones (default: every zone)
    notices: [午间 12:00–14:00 窗口暂停服务，自助区照常开放]
"""

from __future__ import annotations

from pydantic import Field

from ..common.settings import ScreenSettings


class CallScreenSettings(ScreenSettings):
    width: int = Field(default=1920, ge=320, le=7680)
    height: int = Field(default=1080, ge=240, le=7680)
    diagonal_in: float = Field(default=55.0, gt=3, le=120)
    fullscreen: bool = True
    zones: list[str] | None = None
    notices: list[str] = []
    flash_s: float = Field(default=6.0, gt=0, le=60)  # the newest call flashes this long
    queue_page_s: float = Field(default=8.0, gt=1, le=120)  # the queue table turns a page this often
    fresh_change_s: float = Field(default=120.0, gt=0)  # a window change stays first and marked this long
    marquee_fps: float = Field(default=20.0, ge=0, le=60)  # 0: the notice line stands still
