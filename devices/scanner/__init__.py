"""QR/barcode scanner (a USB keyboard-wedge scanner read through evdev, or a simulator).

    scanner = open_scanner(device_cfg, health, on_scan=lambda text: ...)
    scanner.start()   # reader thread for backend evdev
    scanner.stop()

The simulator has `.type(text)`. See docs/devices-scanner-keypad-camera.md.
"""

from .backends import (
    EvdevScanner,
    EvdevScannerOptions,
    Scanner,
    SimulatedScanner,
    SimulatorScannerOptions,
    open_scanner,
)
from .decoder import ScanDecoder, text_to_events

__all__ = [
    "EvdevScanner",
    "EvdevScannerOptions",
    "ScanDecoder",
    "Scanner",
    "SimulatedScanner",
    "SimulatorScannerOptions",
    "open_scanner",
    "text_to_events",
]
