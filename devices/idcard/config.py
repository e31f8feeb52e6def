"""ID-card reader options in the site YAML, per backend; unknown keys refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..serialport import backend_options


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")

    baudrate: int = 115200  # the SAM module's default; some readers are set to 9600
    timeout_s: float = Field(default=1.0, gt=0, le=30)  # per command
    fingerprint: bool = False  # read with 30 10 (text, photo and fingerprint) instead of 30 01
    retry_initial_s: float = Field(default=0.5, gt=0, le=60)
    retry_max_s: float = Field(default=30.0, gt=0, le=600)


class SerialOptions(_Common):
    port: str  # /dev/ttyUSB0, or a stable /dev/serial/by-id/... link


class SimulatorOptions(_Common):
    card: str | None = None  # a test card in the field from the start (see devices.idcard.testcards)

    @field_validator("card")
    @classmethod
    def _known_card(cls, v: str | None) -> str | None:
        from .testcards import TEST_CARDS

        if v is not None and v not in TEST_CARDS:
            raise ValueError(f"no test card {v!r}; known: {', '.join(TEST_CARDS)}")
        return v


BACKENDS: dict[str, type[_Common]] = {"serial": SerialOptions, "simulator": SimulatorOptions}


def idcard_options(cfg) -> _Common:
    return backend_options("idcard", BACKENDS, cfg)
