"""Site settings for serving everyone alike (issue 23): hold at the counter (挂起), the supervisor's
ticket actions, materials on file (electronic materials, seed art. 29). Kept apart from models.py so
the site model only gains three fields; unknown keys are refused like everywhere in the site file."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Reason = Annotated[str, StringConstraints(min_length=1, max_length=60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HoldRules(_Strict):
    """挂起: a citizen missing one paper steps aside without losing the place. The hold ends by itself
    after `max_minutes` (the citizen did not come back in time); meanwhile the ticket is resumed at the
    counter that held it (`resume_at: counter`) or at any counter serving its queue (`queue`)."""

    max_minutes: int = Field(default=60, ge=1, le=480)
    resume_at: Literal["counter", "queue"] = "queue"
    max_per_counter: int = Field(default=3, ge=1, le=50)  # citizens on hold at one counter at once
    max_per_ticket: int = Field(default=2, ge=1, le=10)  # holds of one ticket


DEFAULT_ANNUL_REASONS = ["重复取号", "误取号", "市民放弃办理", "非本厅办理事项", "设备故障补发", "其他"]


class TicketRules(_Strict):
    """The supervisor's actions on any ticket: an annulment names one of `annul_reasons`; the reason
    `other_reason` needs a note saying what it was."""

    annul_reasons: list[Reason] = Field(default_factory=lambda: list(DEFAULT_ANNUL_REASONS), min_length=1)
    other_reason: str = "其他"
    lookup_limit: int = Field(default=100, ge=1, le=1000)  # most tickets one lookup returns


class Materials(_Strict):
    """Materials on file: pages photographed by a kiosk's or counter's camera, or scanned, attached to a
    ticket (or a case) by reference, encrypted at rest with the hall's key, erased after `retention_days`.

    They live in `DATA_DIR/materials/` on the hall server. Boards reach them through the broker's
    materials door (an HTTP endpoint, `listen`), with one-time tokens handed out by broker commands;
    the pages themselves never travel on MQTT. On the LAN: `listen: 0.0.0.0:8790`, `tls_cert`/`tls_key`
    (the hall's server certificate), `public_url: https://<hall server>:8790`; without TLS the door only
    listens on the loopback (docs/materials.md)."""

    enabled: bool = True
    retention_days: int = Field(default=30, ge=1, le=3650)
    max_bytes: int = Field(default=10_000_000, ge=100_000, le=100_000_000)
    max_pixels: int = Field(default=40_000_000, ge=1_000_000, le=200_000_000)
    max_per_owner: int = Field(default=30, ge=1, le=500)  # pages per ticket or case
    min_sharpness: float = Field(
        default=1000.0, ge=0.0
    )  # docs/materials.md "Checks": sharp print ~15 000+, blurred < 250
    min_ink: float = Field(default=0.002, ge=0.0, le=0.5)  # share of the page that is writing
    min_side_px: int = Field(default=600, ge=100, le=10_000)  # a page photographed from too far away
    listen: str = "127.0.0.1:0"  # a free port on the loopback (boards on this machine: `up`); a LAN hall sets its own
    public_url: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    token_minutes: int = Field(default=5, ge=1, le=60)
    staged_minutes: int = Field(default=15, ge=1, le=240)  # an upload never attached is erased after this

    @model_validator(mode="after")
    def _tls_pair(self) -> Materials:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("materials: give both tls_cert and tls_key, or neither")
        host = self.listen.rsplit(":", 1)[0].strip("[]")
        if self.tls_cert is None and host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(
                f"materials.listen {self.listen!r} is not the loopback: the materials door carries citizens' "
                "documents and listens on the LAN only with TLS (set tls_cert and tls_key)"
            )
        return self
