"""The supervisor tablet's settings: the `screen:` mapping of its supervisor node in the site YAML.

    - id: supervisor-1
      role: supervisor
      screen:
        width: 1280
        height: 800
        diagonal_in: 10.1
        county:                                # optional: the county overview (docs/county.md)
          url: mqtts://mqtt.county.example:8883  # the county's broker; HALL_COUNTY_MQTT_URL overrides it
          ca_file: /etc/hall/county-ca.crt       # and carries the reader's credentials
          halls: [county, township-a]          # the halls to show; empty: every hall bridged in
          stale_after_s: 30                    # a hall whose state/queues is older is marked stale
        handover_sites:                        # optional: halls the supervisor may hand a citizen at a
          - {site: county-centre, name: 县政务服务中心}  # counter over to (同城通办), as on a counter

Every key is checked at start; an unknown one stops the app with its name.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from queue_broker.protocol.topics import SITE_ID_RE

from ..common.handover_targets import HandoverSite, check_unique
from ..common.settings import ScreenSettings


class CountySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None  # None: HALL_COUNTY_MQTT_URL must be set
    ca_file: str | None = None
    halls: list[str] = Field(default_factory=list)
    stale_after_s: float = Field(default=30.0, gt=0, le=3600)  # state/queues comes every 10 s

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("mqtt://", "mqtts://")):
            raise ValueError("must be an mqtt:// or mqtts:// URL")
        return value

    @field_validator("halls")
    @classmethod
    def _halls(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not SITE_ID_RE.match(v)]
        if bad:
            raise ValueError(f"not site ids ([a-z0-9-]+): {', '.join(bad)}")
        if len(set(value)) != len(value):
            raise ValueError("a hall is listed twice")
        return value


class SupervisorSettings(ScreenSettings):
    county: CountySettings | None = None
    # empty: no hand-over on the tablet (the broker's HALL_HANDOVER_SITES must name these sites too)
    handover_sites: list[HandoverSite] = Field(default_factory=list, max_length=8)

    @model_validator(mode="after")
    def _targets_unique(self) -> SupervisorSettings:
        check_unique(self.handover_sites)
        return self
