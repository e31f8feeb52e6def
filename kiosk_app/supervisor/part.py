"""`SupervisorPart`: the base of a part of SupervisorController kept in its own module (the case desk, ...).

To the type checker it declares what SupervisorController has and its parts use (the alert book, the
counters' names); at run time its body is empty, so the controller's behaviour does not depend on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..common.staff import StaffMixin

if TYPE_CHECKING:
    from .alerts import AlertBook


class SupervisorPart(StaffMixin):
    if TYPE_CHECKING:  # SupervisorController (controller.py) has them
        book: AlertBook
        counter_names: dict[str, str]

        def _refresh_alerts(self) -> None: ...

        def _read(  # common/case_control.py's DeskReads, mixed in too
            self,
            topic: str,
            payload: dict[str, Any],
            on_ok: Callable[[dict[str, Any]], None],
            doing: str,
            on_refused: Callable[[dict[str, Any]], None] | None = None,
        ) -> None: ...
