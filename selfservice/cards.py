"""The ID card as the session needs it: the card's number and name as a protocol `Holder` (whose repr is
redacted), and a loop that reads the kiosk's reader while a session waits for a card.

The kiosk app has its own card loop (kiosk_app/hardware.py); a screen hands its cards to
`SessionRunner.card_read` / `card_failed`. `CardWatcher` does the same for the benchmark, tests and any
front end without a loop of its own.
"""

from __future__ import annotations

import logging
import threading

from devices.idcard import CardData, IdCardError
from queue_broker.protocol import Holder

from .runner import SessionRunner
from .session import FAILED, INSERT_CARD

log = logging.getLogger(__name__)


def holder_from_card(card: CardData) -> Holder:
    return Holder(id_number=card.id_number.strip().upper(), name=card.name.strip() or card.english_name.strip())


class CardWatcher:
    """Polls `reader` every `poll_s` while the runner's session waits for a card; stops by itself when the
    session has its card, or when `stop()` is called."""

    def __init__(self, runner: SessionRunner, reader, poll_s: float = 0.1):
        self.runner = runner
        self.reader = reader
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="selfservice-card", daemon=True)

    def start(self) -> CardWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _waiting(self) -> bool:
        view = self.runner.view()
        return view.step == INSERT_CARD or (view.step == FAILED and view.failure == "card")

    def _run(self) -> None:
        while not self._stop.is_set() and self.runner.view().step in (INSERT_CARD, FAILED):
            if self._waiting():
                try:
                    card = self.reader.read_card(timeout=0.5)
                except IdCardError as exc:
                    log.info("card read failed: %s", type(exc).__name__)
                    if self.runner.view().step == INSERT_CARD:
                        self.runner.card_failed(type(exc).__name__)
                else:
                    if card is not None:
                        self.runner.card_read(holder_from_card(card))
                        return
            self._stop.wait(self.poll_s)
