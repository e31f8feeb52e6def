"""Materials on file for the citizen at the counter (电子材料, issue 23 item 5): take a page with the
document camera or from the scanner, see the board's check (sharp? page edges?) and the hall server's
verdict, and the ticket's pages on file (files_control.py)."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv

load_kv(__file__)


class FilesScreen(FaceScreen):
    pass


SCREEN = FilesScreen
