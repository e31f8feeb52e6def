"""A4 printer options in the site YAML (`devices[].options`), per backend; unknown keys refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..serialport import backend_options


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")

    poll_s: float = Field(default=0.25, gt=0, le=5)  # how often a job's progress is asked while printing
    retry_initial_s: float = Field(default=1.0, gt=0, le=60)  # CUPS unreachable: first pause before asking again
    retry_max_s: float = Field(default=30.0, gt=0, le=600)


class CupsOptions(_Common):
    queue: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,127}$")  # the CUPS queue of the kiosk's A4 printer
    # A CUPS server: a socket path (/run/cups/cups.sock) or host[:port]; None: the system's (CUPS_SERVER,
    # client.conf, then the local socket)
    server: str | None = None
    job_options: dict[str, str] = {}  # IPP job attributes for every job, e.g. {"media": "iso_a4_210x297mm"}


class SimulatorOptions(_Common):
    out_dir: str | None = None  # write each printed PDF here (tests, demos); None: kept in memory only
    seconds_per_page: float = Field(default=0.5, ge=0, le=30)
    paper_sheets: int | None = Field(default=None, ge=0)  # runs out after this many sheets (None: never)
    offline: bool = False
    paper_out: bool = False
    jammed: bool = False


BACKENDS: dict[str, type[_Common]] = {"cups": CupsOptions, "simulator": SimulatorOptions}


def a4printer_options(cfg) -> _Common:
    return backend_options("a4printer", BACKENDS, cfg)
