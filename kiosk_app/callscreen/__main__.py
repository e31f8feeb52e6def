"""python -m kiosk_app.callscreen --config SITE.yaml --node display-1 [--window 1080x1920]

The hall's call screen on one display node of a site file (common/launch.py: the options)."""

import sys

from ..common.launch import Face
from .settings import CallScreenSettings

FACE = Face("display", CallScreenSettings, "kiosk_app.callscreen.app:CallScreenApp", "the hall's call screen")
main = FACE.main

if __name__ == "__main__":
    sys.exit(main())
