"""A worker thread that carries out only the latest of what it is asked: one still waiting when a newer
one comes is dropped. A voice must not read out a screen the citizen has already left, and an LED strip
must not show a number called before the last one: both build on this."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar, cast

Item = TypeVar("Item")


class LatestOnlyWorker(Generic[Item]):
    """`_want(item)` hands an item to the thread, which runs `_handle(item)` for the newest one waiting;
    `_handle` returning False ends the thread (it cannot go on, e.g. no sound card). The thread starts on
    `_start_thread()`; `stop()` ends it after the item in hand, dropping any still waiting."""

    thread_name = "latest-only"

    def __init__(self) -> None:
        # a 1-tuple so that None can be an item (an LED strip cleared)
        self._pending: tuple[Item] | None = None
        self._cv = threading.Condition()
        self._stop = False
        self._thread: threading.Thread | None = None

    def _start_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()

    def _want(self, item: Item) -> None:
        with self._cv:
            self._pending = (item,)
            self._cv.notify()

    def _drop_pending(self) -> None:
        with self._cv:
            self._pending = None

    def stop(self, join_s: float | None = None) -> None:
        with self._cv:
            self._stop = True
            self._pending = None
            self._cv.notify()
        if join_s is not None and self._thread is not None:
            self._thread.join(join_s)

    def _handle(self, item: Item) -> bool:
        raise NotImplementedError

    def _run(self) -> None:
        while True:
            with self._cv:
                while self._pending is None and not self._stop:
                    self._cv.wait()
                if self._stop:
                    return
                # not None: the wait above ends on a pending item or on stop
                (item,), self._pending = cast(tuple[Item], self._pending), None
            if not self._handle(item):
                return
