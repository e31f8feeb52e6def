"""python -m kiosk_app --config SITE.yaml --node kiosk-1: the citizen kiosk (kiosk_app/kiosk/__main__.py).

The package's own entry point is the kiosk's, as provisioning's units and the docs have always called it;
the other faces start as `python -m kiosk_app.counter`, `.callscreen` and `.supervisor`."""

import sys

from .kiosk.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
