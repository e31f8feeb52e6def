"""Window LED display options in the site YAML, per backend; unknown keys refused."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..serialport import backend_options


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: int = Field(default=1, ge=1, le=254)  # the screen's address on a shared RS-485 line
    baudrate: int = 9600
    timeout_s: float = Field(default=0.5, gt=0, le=10)
    retries: int = Field(default=2, ge=0, le=10)
    # Most window screens carry a 16x16 GB2312 font; characters outside it are shown as □.
    encoding: Literal["gb2312", "gbk", "gb18030"] = "gb2312"
    max_text_bytes: int = Field(default=64, ge=8, le=1000)
    retry_initial_s: float = Field(default=0.5, gt=0, le=60)
    retry_max_s: float = Field(default=30.0, gt=0, le=600)


class SerialOptions(_Common):
    port: str


class SimulatorOptions(_Common):
    pass


BACKENDS: dict[str, type[_Common]] = {"serial": SerialOptions, "simulator": SimulatorOptions}


def led_options(cfg) -> _Common:
    return backend_options("led", BACKENDS, cfg)
