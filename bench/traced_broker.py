"""`python -m queue_broker` under tracemalloc, for finding what grows (bench/hall_load.py --trace-memory).

Each SIGUSR1 writes a snapshot (after a garbage collection) to $HALL_TRACE_DIR/snapNN.dump; the
caller compares two of them. One frame per allocation keeps the broker fast enough to load.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queue_broker.__main__ import main  # noqa: E402

OUT = Path(os.environ["HALL_TRACE_DIR"])
_wanted = threading.Event()


def _snapshots() -> None:
    n = 0
    while True:  # off the signal handler: a snapshot takes a while, and the handler runs in the engine's way
        _wanted.wait()
        _wanted.clear()
        gc.collect()
        tracemalloc.take_snapshot().dump(str(OUT / f"snap{n:02d}.dump"))
        (OUT / f"snap{n:02d}.done").touch()
        n += 1


if __name__ == "__main__":
    tracemalloc.start(1)
    threading.Thread(target=_snapshots, daemon=True).start()
    signal.signal(signal.SIGUSR1, lambda *_: _wanted.set())
    sys.exit(main(sys.argv[1:]))
