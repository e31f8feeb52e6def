"""The kiosk's own settings: the `screen:` mapping of its node in the site YAML, validated.

    nodes:
      - id: kiosk-1
        role: kiosk
        zone: ground
        language: zh
        devices: [...]
        screen:
          width: 1080            # pixels
          height: 1920
          diagonal_in: 21.5      # the panel's diagonal: touch targets are sized in millimetres from it
          fullscreen: true
          display_name: 1号自助机
          frequent_service_ids: [sb-card-apply, bdc-transfer-resale, ...]
          notices: [本周六上午不动产窗口加班办理]

Every key is optional; an unknown key is refused with its name, like the rest of the site file. The
window, panel and link keys are every face's (common/settings.py).
"""

from __future__ import annotations

import re

from pydantic import Field

from queue_broker.config.models import NodeEntry

from ..common.settings import ScreenSettings


class KioskSettings(ScreenSettings):
    width: int = Field(default=1080, ge=320, le=7680)
    height: int = Field(default=1920, ge=240, le=7680)
    diagonal_in: float = Field(default=21.5, gt=3, le=100)
    display_name: str | None = None  # how staff name this kiosk: 1号自助机
    frequent_service_ids: list[str] = []
    frequent_count: int = Field(default=8, ge=2, le=12)
    checkin_service_id: str | None = None  # the item an appointment check-in is sent with (see docs/kiosk.md)
    notices: list[str] = []
    idle_timeout_s: float = Field(default=60, gt=0)
    elderly_idle_timeout_s: float = Field(default=120, gt=0)
    ticket_timeout_s: float = Field(default=60, gt=0)
    screensaver_after_s: float = Field(default=180, gt=0)
    help_timeout_s: float = Field(default=600, gt=0)
    blind_idle_timeout_s: float = Field(default=90, gt=0)  # blind mode: no key this long asks 您还在吗, twice ends it
    request_timeout_s: float = Field(default=4.0, gt=0, le=60)
    retry_max_s: float = Field(default=8.0, gt=0, le=120)
    card_poll_s: float = Field(default=0.3, gt=0, le=10)
    printer_check_s: float = Field(default=60.0, gt=0)
    speech: bool = True  # spoken guidance in elderly mode (espeak-ng through the voice package)
    speech_always: bool = False  # also in standard mode
    elderly_by_default: bool = False


def default_display_name(node: NodeEntry) -> str:
    m = re.search(r"(\d+)$", node.id)
    return f"{int(m.group(1))}号自助机" if m else f"自助机 {node.id}"
