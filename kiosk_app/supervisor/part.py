"""`SupervisorPart`: the base of a part of SupervisorController kept in its own module (the case desk, ...).

To the type checker it declares what SupervisorController has and its parts use (the alert book, the
counters' names); at run time its body is empty, so the controller's behaviour does not depend on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..common.staff import StaffMixin

if TYPE_CHECKING:
    from .alerts import AlertBook


class SupervisorPart(StaffMixin):
    if TYPE_CHECKING:  # SupervisorController (controller.py) has them
        book: AlertBook
        counter_names: dict[str, str]

        def _refresh_alerts(self) -> None: ...
