"""Transfer the citizen to another queue: the ticket keeps its original issue time (its place)."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv

load_kv(__file__)


class TransferScreen(FaceScreen):
    @staticmethod
    def entries(choices: list) -> list:
        return [{"key": c["id"], "text": f"{c['name']}（等候 {c['waiting']} 人）", "role": "plain"} for c in choices]


SCREEN = TransferScreen
