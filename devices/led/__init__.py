"""Window LED display over a serial line (our documented STX/ADDR/CMD/LEN/DATA/ETX/BCC framing),
with a pty simulator.

    display = open_led(device_config, health)
    display.show(12, "A001")   # True when the screen acknowledged; never raises for I/O
    display.clear()

See docs/devices-printer-idcard-led.md.
"""

from __future__ import annotations

from ..health import HealthReporter
from ..serialport import Backoff
from .config import SerialOptions, SimulatorOptions, led_options
from .display import WindowDisplay
from .simulator import LedSimulator, Shown

__all__ = ["LedSimulator", "Shown", "WindowDisplay", "open_led"]

# the options WindowDisplay takes by the same name
DISPLAY_FIELDS = {"address", "baudrate", "retries", "encoding", "max_text_bytes"}


def open_led(cfg, health: HealthReporter) -> WindowDisplay:
    """A WindowDisplay for a DeviceConfig (kind led). Raises DeviceOptionsError on bad options only.

    Backend `simulator` starts an LedSimulator on a pseudo-terminal and opens its slave end with
    pyserial: the same code path as backend `serial`."""
    opts = led_options(cfg)
    simulator = None
    if isinstance(opts, SimulatorOptions):
        simulator = LedSimulator(addresses=(opts.address,), encoding=opts.encoding).start()
        port = lambda: simulator.port  # noqa: E731 - follows the simulator to a new pty after restore()
    else:
        assert isinstance(opts, SerialOptions)
        path = opts.port
        port = lambda: path  # noqa: E731
    return WindowDisplay(
        cfg.id,
        port,
        health,
        timeout=opts.timeout_s,
        backoff=Backoff(initial=opts.retry_initial_s, maximum=opts.retry_max_s),
        simulator=simulator,
        **opts.model_dump(include=DISPLAY_FIELDS),
    ).start()
