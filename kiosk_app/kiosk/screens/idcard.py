"""Take a ticket with the ID card: lay it on the reader, see only the masked name, choose the item.

The card gives the broker what it needs for elderly priority and appointment matching; the screen
shows nothing of it but `李**`. Without a card the citizen can go on directly: the card is never
required for a walk-in ticket."""

from __future__ import annotations

from .base import KioskScreen, load_kv
from .home import fill_tiles

load_kv(__file__)


class IdCardScreen(KioskScreen):
    def on_kv_post(self, _base_widget) -> None:
        for prop in ("frequent", "queues", "language", "elderly", "catalog", "card_phase"):
            self.state.bind(**{prop: self.refresh})
        self.refresh(force=True)

    def update(self) -> None:
        fill_tiles(self, self.ids.tiles, "idcard.item", 3 if self.state.elderly else 4)


SCREEN = IdCardScreen
