"""The hall's four Kivy faces, side by side: the citizen kiosk (kiosk/), the counter terminal
(counter/), the call screen (callscreen/) and the supervisor tablet (supervisor/), on what they share
(common/, which imports none of them). docs/architecture.md has the map."""

from queue_broker import __version__  # one version for the whole appliance (setup.cfg reads it there)

__all__ = ["__version__"]
