"""The supervisor tablet's settings: the `screen:` mapping of its supervisor node in the site YAML.

    - id: supervisor-1
      role: supervisor
      screen: {width: 1280, height: 800, diagonal_in: 10.1}
"""

from __future__ import annotations

from ..common.screen_app import ScreenSettings


class SupervisorSettings(ScreenSettings):
    pass
