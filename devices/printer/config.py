"""Printer options in the site YAML (`devices[].options`), one model per backend, unknown keys refused.

Every backend shares the print profile (paper width, Chinese encoding, which characters the printer's
font has, time zone for the printed issue time); the connection fields differ per backend.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from queue_broker.config.models import TimeZoneName

from ..serialport import backend_options

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


class PrinterProfile(BaseModel):
    """How to print on this model of printer. Also the argument of `render_ticket_bytes`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # python-escpos capability profile name (e.g. "TM-T88V"); None is its generic "default".
    escpos_profile: str | None = None
    paper_width_mm: Literal[58, 80] = 80
    # Bytes sent inside FS & ... FS . : GB18030 (a superset) or GBK for printers that reject 4-byte codes.
    encoding: Literal["gb18030", "gbk"] = "gb18030"
    # The character set the printer's resident font covers. Anything outside is printed as an image of
    # the line. GB2312 is the safe default: many kiosk printers carry only a GB2312 font, and a name
    # such as 王喆 (喆 is not in GB2312) would otherwise print as a blank or a wrong glyph.
    font_charset: Literal["gb2312", "gbk", "gb18030"] = "gb2312"
    fallback_font: str = DEFAULT_FONT
    fallback_font_px: int = Field(default=24, ge=12, le=64)
    timezone: TimeZoneName = "Asia/Shanghai"
    qr_module_size: int = Field(default=6, ge=1, le=16)
    cut: Literal["full", "partial"] = "partial"

    @property
    def dots(self) -> int:
        """Printable width in dots at 203 dpi (8 dots/mm): 384 on 58 mm paper, 576 on 80 mm."""
        return 384 if self.paper_width_mm == 58 else 576

    @property
    def columns(self) -> int:
        """Font A half-width columns (12 dots each); a Chinese character takes two."""
        return self.dots // 12


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: PrinterProfile = PrinterProfile()
    status_timeout_s: float = Field(default=1.0, gt=0, le=10)
    retry_initial_s: float = Field(default=0.5, gt=0, le=60)
    retry_max_s: float = Field(default=30.0, gt=0, le=600)


class UsbOptions(_Common):
    vendor_id: int = Field(ge=0, le=0xFFFF)
    product_id: int = Field(ge=0, le=0xFFFF)
    interface: int = 0
    in_ep: int = 0x82
    out_ep: int = 0x01
    timeout_ms: int = Field(default=2000, ge=0)

    @field_validator("vendor_id", "product_id", "in_ep", "out_ep", mode="before")
    @classmethod
    def _hex(cls, v):
        # YAML authors write USB ids as they appear in lsusb: "0x0416" or "0416".
        if isinstance(v, str):
            return int(v, 16)
        return v


class SerialOptions(_Common):
    port: str
    baudrate: int = 9600
    rtscts: bool = False  # most kiosk printers use hardware flow control only when the DIP switch says so
    write_timeout_s: float = Field(default=5.0, gt=0)


class NetworkOptions(_Common):
    host: str
    port: int = Field(default=9100, ge=1, le=65535)
    timeout_s: float = Field(default=5.0, gt=0, le=120)


class FileOptions(_Common):
    path: str  # /dev/usb/lp0 or a plain file; write-only, so status is always unknown


class SimulatorOptions(_Common):
    """Its own fields are the simulated printer's state at start: PrinterSimulator's keyword arguments."""

    paper_near_end: bool = False
    paper_out: bool = False
    cover_open: bool = False
    cutter_error: bool = False
    offline: bool = False
    silent: bool = False
    paper_runs_out_after_bytes: int | None = Field(default=None, ge=0)

    def simulator_arguments(self) -> dict[str, Any]:
        return self.model_dump(exclude=set(_Common.model_fields))


BACKENDS: dict[str, type[_Common]] = {
    "usb": UsbOptions,
    "serial": SerialOptions,
    "network": NetworkOptions,
    "file": FileOptions,
    "simulator": SimulatorOptions,
}


def printer_options(cfg) -> _Common:
    return backend_options("printer", BACKENDS, cfg)
