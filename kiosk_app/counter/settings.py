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
        handover_sites:          # optional: halls this counter may hand its citizen to (同城通办)
          - {site: county-centre, name: 县政务服务中心}
          - {site: county-centre, name: 县政务服务中心, queue_id: BDC, queue_name: 不动产登记}
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from queue_broker.protocol.messages import LevelId, SiteId

from ..common.screen_app import ScreenSettings

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class HandoverSite(BaseModel):
    """One hall (and optionally one of its queues) the counter offers as a hand-over target. The ids use
    the protocol's own types, so a target the broker would refuse as malformed is refused here, at start."""

    model_config = ConfigDict(extra="forbid")

    site: SiteId
    name: Name  # what the operator reads: the hall's name, not its id
    queue_id: LevelId | None = None  # none: the other hall's queue of the same service item
    queue_name: Name | None = None

    @model_validator(mode="after")
    def _queue_name_needs_queue(self) -> HandoverSite:
        if self.queue_name is not None and self.queue_id is None:
            raise ValueError("queue_name without queue_id")
        return self


class CounterSettings(ScreenSettings):
    diagonal_in: float = Field(default=13.3, gt=3, le=120)
    rating_on_screen: bool = True
    # empty: the counter shows no hand-over action (the broker's HALL_HANDOVER_SITES must name these sites too)
    handover_sites: list[HandoverSite] = Field(default_factory=list, max_length=8)

    @model_validator(mode="after")
    def _targets_unique(self) -> CounterSettings:
        keys = [(t.site, t.queue_id) for t in self.handover_sites]
        if len(keys) != len(set(keys)):
            raise ValueError("handover_sites: the same site and queue twice")
        return self
