"""The kiosk's search index is built on the UI thread while other threads import modules (paho's network
thread parsing a message, a device thread, the printer's worker). Seen during `up`: the kiosk exited on
`RuntimeError: dictionary changed size during iteration` when unloading pypinyin walked `sys.modules`
while another thread imported something."""

from __future__ import annotations

import sys
import threading
import types

from kiosk_app.kiosk.search import SearchIndex, pypinyin_loaded

ENTRIES = [("bdc", "不动产登记", ["房产过户"], ["自然资源局"]), ("sb", "社保卡申领", ["社会保障卡"], ["人社局"])]


def test_unloading_pypinyin_survives_imports_on_other_threads():
    for name in [m for m in sys.modules.copy() if m.split(".")[0] == "pypinyin"]:
        del sys.modules[name]  # an earlier test in this process may have loaded it: the unloading path runs here
    stop = threading.Event()

    def importer() -> None:  # what an import on another thread does to sys.modules, as often as it can
        names = [f"_hall_test_module_{n}" for n in range(200)]
        while not stop.is_set():
            for name in names:  # the dictionary grows ...
                sys.modules[name] = types.ModuleType(name)
            for name in names:  # ... and shrinks again
                sys.modules.pop(name, None)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # hand the GIL over as often as possible: the race shows in a few rounds
    thread = threading.Thread(target=importer, daemon=True)
    thread.start()
    try:
        for _ in range(20):
            assert "pypinyin" not in sys.modules
            index = SearchIndex(ENTRIES)  # loads pypinyin, then unloads it again while the importer runs
            assert index.search("bdc") == ["bdc"]
            with pypinyin_loaded():
                import pypinyin  # noqa: F401
    finally:
        stop.set()
        thread.join(5)
        sys.setswitchinterval(interval)
        for name in [m for m in list(sys.modules) if m.startswith("_hall_test_module_")]:
            del sys.modules[name]
    assert "pypinyin" not in sys.modules
