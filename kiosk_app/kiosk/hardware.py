"""The kiosk's devices behind one small adapter: printer, ID-card reader, scanner, camera, and for the
blind mode the tactile keypad and the headphone jack.

Each device is opened from the node's `devices:` list by its package (`devices.printer`,
`devices.idcard`, `devices.scanner`, `devices.camera`), with the backend the config names (a real
one, or the simulator that speaks the same bytes). A device that is missing, misconfigured or
broken never stops the kiosk: it is reported as health (retained on `node/{node}/device/{id}`, the
supervisor reads it) and the kiosk works without it (no printer: the ticket is shown on screen).

Device callbacks (`on_card`, `on_scan`, `on_presence`, `on_tactile_key`, `on_jack`) arrive on device threads; the controller
hands them to the UI thread. Printing blocks and is called from a worker thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from devices.health import HealthReporter
from queue_broker.config.models import DeviceConfig, NodeEntry

log = logging.getLogger(__name__)


if TYPE_CHECKING:  # the device packages are imported when a device of that kind is configured
    from devices.a4printer.printer import A4Printer
    from devices.camera.process import Camera
    from devices.idcard.reader import IdCardReader
    from devices.jack.backends import HeadphoneJack
    from devices.printer.printer import TicketPrinter
    from devices.scanner.backends import Scanner
    from devices.tactile.backends import TactileKeypad


class NoPrinter(RuntimeError):
    """This kiosk has no printer configured, or it could not be opened."""


class KioskHardware:
    def __init__(
        self,
        node: NodeEntry,
        health: HealthReporter,
        *,
        on_card: Callable[[Any], None],
        on_card_error: Callable[[Exception], None],
        on_scan: Callable[[str], None],
        on_presence: Callable[[], None],
        card_poll_s: float = 0.3,
        printer_check_s: float = 60.0,
        on_tactile_key: Callable[[str], None] = lambda _key: None,
        on_tactile_health: Callable[[str, str], None] = lambda _state, _message: None,
        on_jack: Callable[[Any], None] = lambda _event: None,
    ):
        self.node = node
        self.health = health
        self.on_card = on_card
        self.on_card_error = on_card_error
        self.on_scan = on_scan
        self.on_presence = on_presence
        self.card_poll_s = card_poll_s
        self.printer_check_s = printer_check_s
        self.printer: TicketPrinter | None = None
        self.a4printer: A4Printer | None = None  # the A4 printer of 24-hour self-service, if any
        self.reader: IdCardReader | None = None
        self.scanner: Scanner | None = None
        self.camera: Camera | None = None
        self.on_tactile_key = on_tactile_key
        self.on_tactile_health = on_tactile_health
        self.on_jack = on_jack
        self.tactile: TactileKeypad | None = None
        self.jack: HeadphoneJack | None = None
        self._print_lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- life cycle -----------------------------------------------------------------------------
    def start(self) -> KioskHardware:
        for cfg in self.node.devices:
            opener = {
                "printer": self._open_printer,
                "idcard": self._open_reader,
                "scanner": self._open_scanner,
                "camera": self._open_camera,
                "tactile_keypad": self._open_tactile,
                "audio_jack": self._open_jack,
                "a4printer": self._open_a4printer,
            }.get(cfg.kind)
            if opener is None:
                continue
            try:
                opener(cfg)
            except Exception as exc:  # a broken device must not keep the kiosk from serving
                log.error("device %s (%s) could not be opened: %s", cfg.id, cfg.kind, exc)
                self.health.report(cfg.id, cfg.kind, "fault", f"无法打开设备：{exc}"[:200])
        if self.reader is not None:
            self._thread(self._card_loop, "idcard-poll")
        if self.printer is not None:
            self._thread(self._printer_watch, "printer-watch")
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(3)
        for dev, end in (
            (self.scanner, "stop"),
            (self.camera, "stop"),
            (self.tactile, "stop"),
            (self.jack, "stop"),
            (self.reader, "close"),
            (self.printer, "close"),
            (self.a4printer, "close"),
        ):
            if dev is not None:
                try:
                    getattr(dev, end)()
                except Exception:
                    log.exception("%s of the %s failed", end, type(dev).__name__)
        sim = getattr(self.reader, "simulator", None)  # the ID-card simulator's pty thread
        if sim is not None and hasattr(sim, "stop"):
            sim.stop()

    def _thread(self, target: Callable[[], None], name: str) -> None:
        t = threading.Thread(target=target, name=f"kiosk-{name}", daemon=True)
        t.start()
        self._threads.append(t)

    # --- opening --------------------------------------------------------------------------------
    def _open_printer(self, cfg: DeviceConfig) -> None:
        from devices.printer import open_printer

        self.printer = open_printer(cfg, self.health)

    def _open_a4printer(self, cfg: DeviceConfig) -> None:
        from devices.a4printer import open_a4printer

        self.a4printer = open_a4printer(cfg, self.health)

    def _open_reader(self, cfg: DeviceConfig) -> None:
        from devices.idcard import open_reader

        self.reader = open_reader(cfg, self.health)

    def _open_scanner(self, cfg: DeviceConfig) -> None:
        from devices.scanner import open_scanner

        self.scanner = scanner = open_scanner(cfg, self.health, self.on_scan)
        scanner.start()

    def _open_camera(self, cfg: DeviceConfig) -> None:
        from devices.camera import open_camera

        def on_event(event: Any) -> None:
            if event.kind == "presence":
                self.on_presence()
            elif event.kind == "qr" and event.text:
                self.on_scan(event.text)  # the camera reads appointment and ticket codes too

        self.camera = camera = open_camera(cfg, self.health, on_event)
        camera.start()

    def _open_tactile(self, cfg: DeviceConfig) -> None:
        from devices.tactile import open_tactile_keypad

        self.tactile = keypad = open_tactile_keypad(
            cfg, _WatchedHealth(self.health, self.on_tactile_health), self.on_tactile_key
        )
        keypad.start()

    def _open_jack(self, cfg: DeviceConfig) -> None:
        from devices.jack import open_jack

        self.jack = jack = open_jack(cfg, self.health, self.on_jack)
        jack.start()

    # --- the ID-card reader ---------------------------------------------------------------------
    def _card_loop(self) -> None:
        from devices.idcard import CardError, IdCardError

        reader = self.reader
        assert reader is not None  # the loop starts only with a reader
        while not self._stop.is_set():
            pause = self.card_poll_s
            try:
                card = reader.read_card(timeout=1.0)
            except CardError as exc:  # the card, not the reader: tell the citizen
                self.on_card_error(exc)
                card = None
            except IdCardError:  # the reader: its health says so; try again a little later
                card = None
                pause = max(pause, 1.0)
            except Exception:
                log.exception("ID-card polling failed")
                card, pause = None, 2.0
            if card is not None:
                try:
                    self.on_card(card)
                finally:
                    del card  # the reader thread keeps nothing
            self._stop.wait(pause)

    # --- the printer ----------------------------------------------------------------------------
    def _printer_watch(self) -> None:
        """Ask the printer for its status now and then, so its health is current before a citizen
        needs it (paper out is known to the supervisor before the next ticket)."""
        printer = self.printer
        assert printer is not None  # the watch starts only with a printer
        while not self._stop.wait(self.printer_check_s):
            with self._print_lock:
                try:
                    printer.status()
                except Exception:
                    log.exception("printer status check failed")

    @property
    def has_printer(self) -> bool:
        return self.printer is not None

    def print_ticket(self, ticket: Any) -> None:
        """Blocking; raises NoPrinter or devices.printer.PrinterError (str() says why, in Chinese)."""
        if self.printer is None:
            raise NoPrinter("本机没有可用的打印机")
        with self._print_lock:
            self.printer.print_ticket(ticket)

    def print_materials(
        self, *, hall_name: str, item_name: str, lines: Sequence[str], where: str, contact: str, today: date
    ) -> None:
        """The materials list of a guide on paper (what to bring, how many copies, where to go)."""
        if self.printer is None:
            raise NoPrinter("本机没有可用的打印机")
        from devices.printer import GuidePrint

        with self._print_lock:
            self.printer.print_guide(
                GuidePrint(
                    hall_name=hall_name,
                    item_name=item_name,
                    lines=list(lines),
                    printed_on=today,
                    where=where,
                    contact=contact,
                )
            )

    # --- simulators (tests and demos) ---------------------------------------------------------
    def simulator(self, kind: str) -> Any:
        if kind == "a4printer":  # its simulator is the printer's link (devices/a4printer/simulator.py)
            link = getattr(self.a4printer, "link", None)
            return link if type(link).__name__ == "SimulatedA4Link" else None
        devices = {"printer": self.printer, "idcard": self.reader, "scanner": self.scanner, "camera": self.camera}
        dev = {**devices, "tactile_keypad": self.tactile, "audio_jack": self.jack}.get(kind)
        if dev is None:
            return None
        if kind in ("tactile_keypad", "audio_jack"):  # the simulators are the devices themselves
            return dev if type(dev).__name__.startswith("Simulated") else None
        if kind == "scanner":
            return dev if hasattr(dev, "type") else None
        return getattr(dev, "simulator", None)


class _WatchedHealth:
    """The kiosk's health reporter, also telling the blind mode what the tactile keypad reports (a burst of
    junk keys: a plain message on screen and in the ear)."""

    def __init__(self, health: HealthReporter, on_report: Callable[[str, str], None]):
        self.health = health
        self.on_report = on_report

    def report(self, device_id: str, kind: str, state: str, message: str) -> Any:
        result = self.health.report(device_id, kind, state, message)
        self.on_report(state, message)
        return result
