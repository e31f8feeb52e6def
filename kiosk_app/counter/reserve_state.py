"""What the counter terminal shows of reserve windows (issue 22, docs/planning.md), mixed into CounterState:
an ask for a back-office clerk that this counter may take, and the reserve this counter's window is
serving now. Properties only; no I/O."""

from __future__ import annotations

from kivy.properties import DictProperty, StringProperty


class CounterReserveState:
    reserve_offer = DictProperty({})  # {"id", "name", "text"}: an ask this counter may take; {} when none
    reserve_here = StringProperty("")  # the reserve this window serves now, in words; "" when none

    def set_reserve(self, offer: dict, here: str) -> None:
        if offer != dict(self.reserve_offer):
            self.reserve_offer = offer
        self.reserve_here = here
