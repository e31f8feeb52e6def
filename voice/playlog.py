"""The playback log: one JSON line per announcement played (or, with no audio device, not played).

Times are taken around the player call: `start_mono`/`end_mono` from `time.monotonic()` (one clock
for every process of the machine on Linux, so a test or benchmark in another process can compare),
`start`/`end` as wall-clock ISO 8601 for people. `received_mono` is when the event reached the node.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class PlaybackLog:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
