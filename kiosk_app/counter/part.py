"""`CounterPart`: the base of a part of CounterController kept in its own module (the case desk, ...).

To the type checker it declares what CounterController has and its parts use (the counter, its devices,
its command topics); at run time its body is empty, so the controller's behaviour does not depend on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..common.staff import StaffMixin

if TYPE_CHECKING:
    from collections.abc import Callable

    from queue_broker.config.models import Counter
    from queue_broker.protocol import CatalogState


class CounterPart(StaffMixin):
    if TYPE_CHECKING:  # CounterController (controller.py) has them
        counter: Counter
        catalog: CatalogState | None
        queues: list[dict[str, Any]]

        def _cmd(self, action: str) -> str: ...

        def _command(
            self, action: str, payload: dict[str, Any], doing: str, on_ok: Callable[[dict[str, Any]], None], **more: Any
        ) -> bool: ...

        def _need_ticket(self) -> bool: ...

        def _signed_in(self) -> bool: ...

        def _device(self, kind: str) -> Any: ...

        def materials_for(self, service_id: str) -> list[dict[str, Any]]: ...

        def notice_print(
            self, service_id: str, service_name: str, missing: list[str], deadline_note: str, **more: Any
        ) -> Any: ...

        def print_in_background(self, notice: Any, phase: str, failed_text: str) -> None: ...
