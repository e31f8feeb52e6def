"""python -m kiosk_app.supervisor --config SITE.yaml --node supervisor-1: the supervisor tablet on one
supervisor node of a site file (common/launch.py: the options)."""

import sys

from ..common.launch import Face
from .settings import SupervisorSettings

FACE = Face("supervisor", SupervisorSettings, "kiosk_app.supervisor.app:SupervisorApp", "the hall's supervisor tablet")
main = FACE.main

if __name__ == "__main__":
    sys.exit(main())
