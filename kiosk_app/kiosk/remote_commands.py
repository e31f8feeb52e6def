"""The kiosk's own remote-control commands, for tests, the benchmark and demos (never needed in
service). The socket, its switch (`HALL_SCREEN_CONTROL`, `HALL_SCREEN_CONTROL_KEY`) and the commands
every hall app answers (state, tap, texts, targets, screenshot, call, ...) are in
kiosk_app/common/remote.py; these are added to them:

    device       kind=, action=, args: simulator fault injection (printer, idcard, scanner, camera)
    set_clock    iso=: move the kiosk's clock
    department   service_id=, faults=: the next answers of the item's simulated department (self-service)
    classes      class names of every widget of every screen (building those not built yet)
    font_check   do Chinese characters render as themselves (not as boxes)?
    debug        collect=: widget and texture counts, screens built and alive, Python blocks, heavy
                 modules loaded
    prof         on=: cProfile of the UI thread, on and off (the report comes back with off)
    long_press   tid=?, seconds=: a finger held on that widget (or the window's centre), then lifted

Each is `command(remote, done, **kwargs)`, run on Kivy's UI thread; `remote.app` is the KioskApp.
"""

from __future__ import annotations

import threading
from typing import Any

from kivy.core.window import Window

from ..common.remote import Command, Done, RemoteControl
from .screens import SCREENS


def cmd_device(remote: RemoteControl, done: Done, kind: str, action: str, args: dict | None = None) -> None:
    args = args or {}
    app = remote.app
    hw = app.hardware
    if kind == "camera" and action == "presence":
        app.ctl.presence()  # what the camera's presence event calls
        done({"ok": True})
        return
    sim = hw.simulator(kind) if hw else None
    if sim is None:
        done({"ok": False, "why": f"no simulated {kind}"})
        return
    if action == "set":
        for key, value in args.items():
            setattr(sim, key, value)
    elif action == "type":
        threading.Thread(target=sim.type, args=(args["text"],), daemon=True).start()
    else:
        getattr(sim, action)(*args.get("args", []))
    done({"ok": True})


def cmd_department(remote: RemoteControl, done: Done, service_id: str, faults: list[str]) -> None:
    """Spoil the next answers of the item's simulated department (selfservice/simulator.py: timeout, down,
    garbage, not_found, not_allowed)."""
    department = remote.app.ctl.selfservice.department_for(service_id)
    if not hasattr(department, "inject"):
        done({"ok": False, "why": f"the department of {service_id} is not simulated"})
        return
    department.inject(*faults)
    done({"ok": True})


def cmd_set_clock(remote: RemoteControl, done: Done, iso: str) -> None:
    remote.app.clock_fn.set(iso)
    remote.app.ctl.tick()
    done({"ok": True})


def cmd_classes(remote: RemoteControl, done: Done) -> None:
    names: set[str] = set()

    def walk(w) -> None:
        names.add(type(w).__name__)
        for c in w.children:
            walk(c)

    walk(Window)
    for name in SCREENS:  # every screen, also those built only when shown
        walk(remote.app.screen(name))
    done(sorted(names))


def cmd_font_check(remote: RemoteControl, done: Done) -> None:
    """Do Chinese characters render as themselves (not as the same empty box)?"""
    from kivy.core.text import Label as CoreLabel

    from ..common.fonts import FONT_NAME

    def pixels(text: str) -> bytes:
        label = CoreLabel(text=text, font_name=FONT_NAME, font_size=48)
        label.refresh()
        return bytes(label.texture.pixels)

    a, b, box = pixels("不动产"), pixels("社保卡"), pixels("\U000e0100\U000e0101\U000e0102")
    done(
        {
            "distinct": a != b,
            "not_tofu": a != box and b != box,
            "ink": sum(1 for i in range(3, len(a), 4) if a[i] > 128),
        }
    )


_PROFILERS: dict[int, Any] = {}  # the remote control's id -> its running cProfile.Profile


def cmd_prof(remote: RemoteControl, done: Done, on: bool) -> None:
    import cProfile
    import io
    import pstats

    if on:
        prof = _PROFILERS[id(remote)] = cProfile.Profile()
        prof.enable()
        done("on")
    else:
        prof = _PROFILERS.pop(id(remote))
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(45)
        done(out.getvalue())


def cmd_debug(remote: RemoteControl, done: Done, collect: bool = False) -> None:
    import gc
    import sys
    from collections import Counter

    from kivy.graphics.texture import Texture

    from ..common.memory import release_memory

    if collect:
        release_memory()
    # type(), not isinstance(): a dead weak proxy among the objects raises on isinstance
    objects = gc.get_objects()
    textures = [o for o in objects if issubclass(type(o), Texture)]
    tally = Counter(
        type(o).__name__
        for o in objects
        if str(getattr(type(o), "__module__", "")).startswith(("kiosk_app", "kivy.uix"))
    )
    done(
        {
            "py_blocks": sys.getallocatedblocks(),
            "textures": len(textures),
            "texture_mb": sum(t.width * t.height * 4 for t in textures) / 2**20,
            "screens_built": [s.name for s in remote.app.sm.screens],
            "screen_objects": sum(n for name, n in tally.items() if name.endswith("Screen")),
            "heavy_modules": sorted(
                m for m in ("numpy", "cv2", "escpos", "PIL", "pypinyin", "cn2an", "serial", "evdev") if m in sys.modules
            ),
            **dict(tally.most_common(12)),
        }
    )


def cmd_long_press(remote: RemoteControl, done: Done, tid: str | None = None, seconds: float = 2.3) -> None:
    from kivy.clock import Clock

    from ..common.remote import Touch

    found = remote._find(tid, None) if tid else []
    if tid and not found:
        done({"pressed": False, "why": f"no visible widget {tid!r}"})
        return
    x, y = found[0].to_window(*found[0].center) if found else (Window.width / 2, Window.height / 2)
    touch = Touch(x, y)
    touch.touch_down()

    def up(_dt) -> None:
        touch.touch_up()
        Clock.schedule_once(lambda _dt: done({"pressed": True, "at": [x, y]}), 0)

    Clock.schedule_once(up, seconds)


KIOSK_COMMANDS: dict[str, Command] = {
    "long_press": cmd_long_press,
    "device": cmd_device,
    "set_clock": cmd_set_clock,
    "department": cmd_department,
    "classes": cmd_classes,
    "font_check": cmd_font_check,
    "debug": cmd_debug,
    "prof": cmd_prof,
}
