"""python -m kiosk_app.counter --config SITE.yaml --node counter-c01 (common/launch.py: the options).

The terminal of one counter (the node's `counter_id`) with the node's devices: caller keypad, rating
pad, printer, LED strip."""

import sys

from ..common.launch import Face
from .settings import CounterSettings

FACE = Face("counter", CounterSettings, "kiosk_app.counter.app:CounterApp", "the terminal of one counter")
main = FACE.main

if __name__ == "__main__":
    sys.exit(main())
