"""The kiosk process's memory (issue 7: under 250 MB resident on the sample hall).

Set by the program itself, so they hold however the kiosk is started (systemd unit, cage, by hand).
Every face calls `tune_malloc` at its start (kiosk_app/common/launch.py: Face.main).

- glibc keeps large freed blocks inside its heap once its dynamic mmap threshold has grown (after the
  first big block is freed); label textures and rendered text are such blocks, made and freed on
  every screen change. A fixed threshold gives each of them its own mapping, returned at `free`:
  35-40 MB less right after a flow, measured.
- After a flow, on an idle screen: collect garbage and hand what is free in the heap back.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter numbers (malloc.h)
MMAP_THRESHOLD = 128 * 1024  # glibc's own starting value, kept fixed


def _libc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None  # glibc only


def tune_malloc() -> bool:
    """Fix glibc's mmap threshold; call before anything large is allocated. False when not glibc."""
    libc = _libc()
    return bool(libc and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def release_memory() -> None:
    """Collect garbage and give freed heap back to the system. Takes tens of ms: only when nobody is
    touching the screen."""
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
