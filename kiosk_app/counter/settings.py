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
"""

from __future__ import annotations

from pydantic import Field

from ..common.screen_app import ScreenSettings


class CounterSettings(ScreenSettings):
    diagonal_in: float = Field(default=13.3, gt=3, le=120)
    rating_on_screen: bool = True
