"""Resident ID-card reader (SAM serial protocol over pyserial), with a pty simulator and test cards.

    reader = open_reader(device_config, health)
    card = reader.read_card()          # CardData | None; raises only IdCardError subclasses
    card.to_public_dict()              # masked name, ID number and address

See docs/devices-printer-idcard-led.md.
"""

from __future__ import annotations

import time

from ..health import HealthReporter
from ..serialport import Backoff
from .card import CARD_TYPE_NAMES, CardData
from .config import SerialOptions, SimulatorOptions, idcard_options
from .errors import CardError, FrameError, IdCardError, ReaderTimeout, ReaderUnavailable, SamError
from .privacy import mask_address, mask_id_number, mask_name
from .reader import IdCardReader
from .simulator import SamSimulator

__all__ = [
    "CARD_TYPE_NAMES",
    "CardData",
    "CardError",
    "FrameError",
    "IdCardError",
    "IdCardReader",
    "ReaderTimeout",
    "ReaderUnavailable",
    "SamError",
    "SamSimulator",
    "mask_address",
    "mask_id_number",
    "mask_name",
    "open_reader",
    "read_once",
]


def open_reader(cfg, health: HealthReporter) -> IdCardReader:
    """An IdCardReader for a DeviceConfig (kind idcard). Raises DeviceOptionsError on bad options only;
    a missing reader gives an object in `fault` that keeps retrying.

    Backend `simulator` starts a SamSimulator on a pseudo-terminal and opens its slave end with
    pyserial: the same code path as backend `serial` on /dev/ttyUSB0."""
    opts = idcard_options(cfg)
    simulator = None
    if isinstance(opts, SimulatorOptions):
        simulator = SamSimulator().start()
        if opts.card:
            simulator.place(opts.card)
        port = lambda: simulator.port  # noqa: E731 - follows the simulator to a new pty after restore()
    else:
        assert isinstance(opts, SerialOptions)
        path = opts.port
        port = lambda: path  # noqa: E731
    reader = IdCardReader(
        cfg.id,
        port,
        health,
        baudrate=opts.baudrate,
        timeout=opts.timeout_s,
        fingerprint=opts.fingerprint,
        backoff=Backoff(initial=opts.retry_initial_s, maximum=opts.retry_max_s),
        simulator=simulator,
    )
    reader.check()
    return reader


def read_once(port: str, timeout: float, baudrate: int = 115200) -> CardData:
    """Wait up to `timeout` seconds for a card on the reader at `port` and return it (for the CLI).

    Raises ReaderTimeout when no card was presented in time, or the typed error that stopped the read."""
    deadline = time.monotonic() + timeout
    reader = IdCardReader("cli", lambda: port, HealthReporter(), baudrate=baudrate, timeout=min(1.0, timeout))
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReaderTimeout(f"{timeout:g} 秒内未放置证件")
            card = reader.read_card(timeout=min(1.0, remaining))
            if card is not None:
                return card
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
    finally:
        reader.close()
