"""The counter terminal's settings: the `screen:` mapping of its counter node in the site YAML.

- id: counter-c01
  role: counter
  counter_id: c01
  devices: [keypad, rating_pad, printer, led ...]
  screen:
    width: 1280
    height: 800
    diagonal_in: 13.3
    rating_on_screen: true   # after finishing, the citizen rates on this screen (and/or the rating pad)
    led_idle_text: 欢迎办理  # the LED strip with nobody at the counter (default: cleared)
    scan_folder: /var/lib/hall/scans  # optional: where the scanner saves pages (电子材料 → 导入扫描件)
    handover_sites:          # optional: halls this counter may hand its citizen to (同城通办)
      - {site: county-centre, name: 县政务服务中心}
      - {site: county-centre, name: 县政务服务中心, queue_id: BDC, queue_name: 不动产登记}
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ..common.handover_targets import HandoverSite, check_unique
from ..common.settings import ScreenSettings


class CounterSettings(ScreenSettings):
    diagonal_in: float = Field(default=13.3, gt=3, le=120)
    rating_on_screen: bool = True
    # empty: the counter shows no hand-over action (the broker's HALL_HANDOVER_SITES must name these sites too)
    handover_sites: list[HandoverSite] = Field(default_factory=list, max_length=8)
    # what the LED strip shows while nobody is at the counter (it follows the calls: devices/led/follow.py)
    led_idle_text: str = Field(default="", max_length=32)
    # the folder a document scanner saves to (scan to folder): 导入扫描件 takes the newest page and deletes it
    scan_folder: str | None = None

    @model_validator(mode="after")
    def _targets_unique(self) -> CounterSettings:
        check_unique(self.handover_sites)
        return self
