"""The scenario option of issue 18 item 6 (`leave_and_return:` in a scenario file): a share of citizens
who leave the hall after taking a ticket and come back on a notice (queue_broker/sim/come_back.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LeaveAndReturn(BaseModel):
    """The scenario option (`leave_and_return:` in a scenario file, or the command's flags)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    share: float = Field(default=0.5, ge=0, le=1)  # of walk-ins willing to wait outside
    travel_mean_min: float = Field(default=15.0, gt=0)
    travel_cv: float = Field(default=0.6, ge=0)
    travel_noise_cv: float = Field(default=0.2, ge=0)  # the real trip against the stated one
    grace_min: float = Field(default=3.0, ge=0)  # how long a counter waits for a called citizen (recalls)
    margin_min: float = Field(default=3.0, ge=0)
    check_every_min: float = Field(default=1.0, gt=0)
