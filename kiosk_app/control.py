"""Remote control of a running kiosk for tests, the benchmark and demos (never needed in service).

Enabled only when `KIOSK_CONTROL` names a Unix socket path (and `KIOSK_CONTROL_KEY` holds the
shared secret, hex): the kiosk listens there (`multiprocessing.connection`, authenticated) and
answers `(command, kwargs)` with a dict. Commands run on Kivy's UI thread; touches are real
`UnitTestTouch` events through the window's input pipeline, so a tap reaches whatever widget is
really at that spot, exactly as a finger would.

    state        the app state, controller facts and metrics
    tap          tid= (or text=): touch the centre of that visible widget, down, next frame up
    texts        every visible text on screen
    targets      every visible, enabled button: tid, text, size in px and mm
    classes      class names of every widget of every screen
    screenshot   path=: the next rendered frame as PNG
    device       kind=, action=, args: simulator fault injection (printer, idcard, scanner, camera)
    set_clock    iso=: move the kiosk's clock
    call         method=, args=: a controller method, as a button's on_release calls it
    font_check   do Chinese characters render as themselves (not as boxes)?
    debug        collect=: widget and texture counts, Python blocks, heavy modules loaded
    prof         on=: cProfile of the UI thread, on and off (the report comes back with off)
    quit
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Listener
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.button import Button
from kivy.uix.label import Label

log = logging.getLogger(__name__)

Done = Callable[[Any], None]


def walk_visible(widget, opacity: float = 1.0):
    """Widgets that a person can see: in the window's tree, with opacity, with a size."""
    op = opacity * widget.opacity
    if op <= 0.01:
        return
    yield widget
    for child in reversed(widget.children):
        yield from walk_visible(child, op)


def shown(widget) -> bool:
    return widget.width > 1 and widget.height > 1


class ControlServer:
    def __init__(self, app, address: str):
        self.app = app
        self.address = address
        self.key = bytes.fromhex(os.environ.get("KIOSK_CONTROL_KEY", "")) or b"kiosk"
        self._listener: Listener | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    def start(self) -> ControlServer:
        if os.path.exists(self.address):
            os.unlink(self.address)
        self._listener = Listener(self.address, family="AF_UNIX", authkey=self.key)
        self._thread = threading.Thread(target=self._serve, name="kiosk-control", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True
        try:
            if self._listener is not None:
                self._listener.close()
        except OSError:
            pass

    def _serve(self) -> None:
        while not self._stopping:
            try:
                conn = self._listener.accept()
            except (OSError, EOFError):
                return
            except Exception:
                log.exception("control: accept failed")
                continue
            with conn:
                while not self._stopping:
                    try:
                        command, kwargs = conn.recv()
                    except (EOFError, OSError):
                        break
                    conn.send(self._run(command, kwargs))

    def _run(self, command: str, kwargs: dict) -> dict:
        handler = getattr(self, f"cmd_{command}", None)
        if handler is None:
            return {"error": f"unknown command {command!r}"}
        box: dict = {}
        finished = threading.Event()

        def done(result: Any) -> None:
            box["result"] = result
            finished.set()

        def run(_dt) -> None:
            try:
                handler(done, **kwargs)
            except Exception as exc:
                log.exception("control command %s failed", command)
                box["error"] = f"{type(exc).__name__}: {exc}"
                finished.set()

        Clock.schedule_once(run, 0)
        if not finished.wait(30):
            return {"error": f"{command} did not finish in 30 s"}
        return box

    # --- commands -----------------------------------------------------------------------------
    def cmd_ping(self, done: Done) -> None:
        done("pong")

    def cmd_state(self, done: Done) -> None:
        app = self.app
        s = app.state
        props = {name: getattr(s, name) for name in s.properties() if name not in ("catalog",)}
        for k, v in list(props.items()):
            if hasattr(v, "items"):
                props[k] = dict(v)
            elif isinstance(v, list):
                props[k] = list(v)
        props["has_personal_data"] = app.ctl.has_personal_data()
        props["metrics"] = dict(app.ctl.metrics)
        props["first_frame_ms"] = ((app.first_frame_at - app.started_at) * 1000) if app.first_frame_at else None
        props["first_frame_wall"] = app.first_frame_wall
        props["px_per_mm"] = app.theme.px_per_mm
        props["target_px"] = app.theme.target
        props["catalog_items"] = len(s.catalog.items) if s.catalog else 0
        props["catalog_names"] = {i.id: i.name for i in s.catalog.items.values()} if s.catalog else {}
        props["devices"] = {k: v.model_dump(mode="json") for k, v in app.ctl.health.latest().items()}
        props["pid"] = os.getpid()
        swaps = sorted(app.swap_ms[-50:])
        props["swap_ms_median"] = swaps[len(swaps) // 2] if swaps else None
        done(props)

    def _find(self, tid: str | None, text: str | None):
        found = []
        for w in walk_visible(Window):
            if not shown(w):
                continue
            if tid is not None and getattr(w, "tid", None) == tid:
                found.append(w)
            elif text is not None and isinstance(w, Label) and w.text == text:
                found.append(w)
        return found

    def cmd_tap(self, done: Done, tid: str | None = None, text: str | None = None) -> None:
        from kivy.tests.common import UnitTestTouch

        found = self._find(tid, text)
        if not found:
            done({"tapped": False, "why": f"no visible widget {tid or text!r}"})
            return
        w = found[0]
        if w.disabled:
            done({"tapped": False, "why": f"{tid or text!r} is disabled"})
            return
        x, y = w.to_window(*w.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()

        def up(_dt) -> None:
            touch.touch_up()
            Clock.schedule_once(lambda _dt: done({"tapped": True, "at": [x, y]}), 0)

        Clock.schedule_once(up, 0)

    def cmd_texts(self, done: Done) -> None:
        out = []
        for w in walk_visible(Window):
            if isinstance(w, Label) and shown(w) and w.text:
                out.append(w.text)
        done(out)

    def cmd_targets(self, done: Done) -> None:
        ppm = self.app.theme.px_per_mm
        out = []
        for w in walk_visible(Window):
            if isinstance(w, Button) and shown(w) and not w.disabled:
                out.append({"tid": getattr(w, "tid", ""), "text": w.text, "w_px": w.width, "h_px": w.height,
                            "w_mm": w.width / ppm, "h_mm": w.height / ppm})
        done(out)

    def cmd_classes(self, done: Done) -> None:
        names: set[str] = set()

        def walk(w) -> None:
            names.add(type(w).__name__)
            for c in w.children:
                walk(c)

        walk(Window)
        for screen in self.app.root.sm.screens:
            walk(screen)
        done(sorted(names))

    def cmd_screenshot(self, done: Done, path: str) -> None:
        flips = {"n": 0}

        def on_flip(*_args) -> None:
            flips["n"] += 1
            if flips["n"] < 2:
                Clock.schedule_once(lambda _dt: Window.canvas.ask_update(), 0)
                return
            Window.unbind(on_flip=on_flip)
            save_frame(path)
            done(path)

        Window.bind(on_flip=on_flip)
        Window.canvas.ask_update()

    def cmd_device(self, done: Done, kind: str, action: str, args: dict | None = None) -> None:
        args = args or {}
        hw = self.app.hardware
        if kind == "camera" and action == "presence":
            self.app.ctl.presence()  # what the camera's presence event calls
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

    def cmd_font_check(self, done: Done) -> None:
        """Do Chinese characters render as themselves (not as the same empty box)?"""
        from kivy.core.text import Label as CoreLabel

        from .common.fonts import FONT_NAME

        def pixels(text: str) -> bytes:
            label = CoreLabel(text=text, font_name=FONT_NAME, font_size=48)
            label.refresh()
            return bytes(label.texture.pixels)

        a, b, box = pixels("不动产"), pixels("社保卡"), pixels("\U000e0100\U000e0101\U000e0102")
        done({"distinct": a != b, "not_tofu": a != box and b != box,
              "ink": sum(1 for i in range(3, len(a), 4) if a[i] > 128)})

    def cmd_set_clock(self, done: Done, iso: str) -> None:
        self.app.clock_fn.set(iso)
        self.app.ctl.tick()
        done({"ok": True})

    def cmd_call(self, done: Done, method: str, args: list | None = None) -> None:
        """Call a controller method by name (what a button's on_release calls)."""
        getattr(self.app.ctl, method)(*(args or []))
        done({"ok": True})

    def cmd_prof(self, done: Done, on: bool) -> None:
        import cProfile
        import io
        import pstats

        if on:
            self._prof = cProfile.Profile()
            self._prof.enable()
            done("on")
        else:
            self._prof.disable()
            out = io.StringIO()
            pstats.Stats(self._prof, stream=out).sort_stats("cumulative").print_stats(45)
            done(out.getvalue())

    def cmd_debug(self, done: Done, collect: bool = False) -> None:
        import gc

        n = gc.collect() if collect else None
        if collect:
            import ctypes

            ctypes.CDLL("libc.so.6").malloc_trim(0)
        import sys

        from kivy.graphics.texture import Texture

        textures = [o for o in gc.get_objects() if isinstance(o, Texture)]
        done({"collected": n, "py_blocks": sys.getallocatedblocks(), "textures": len(textures),
              "texture_mb": sum(t.width * t.height * 4 for t in textures) / 2**20,
              "heavy_modules": sorted(m for m in ("numpy", "cv2", "escpos", "PIL", "pypinyin", "cn2an", "serial", "evdev")
                                      if m in sys.modules), **_debug_counts()})

    def cmd_quit(self, done: Done) -> None:
        done({"ok": True})
        Clock.schedule_once(lambda _dt: self.app.stop(), 0.05)


def save_frame(path: str) -> None:
    """The frame just drawn, from the GL back buffer, as a PNG (Kivy's own screenshot names files itself)."""
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    width, height = Window.size
    data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGB", (width, height), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    image.save(path, optimize=True)
    time.sleep(0)


def _debug_counts() -> dict:
    import gc
    from collections import Counter

    tally = Counter(type(o).__name__ for o in gc.get_objects() if str(getattr(type(o), "__module__", "")).startswith(("kiosk_app", "kivy.uix")))
    return dict(tally.most_common(12))
