"""Remote control of a running hall app (the citizen kiosk, the call screen, the counter terminal,
the supervisor tablet) for tests, benchmarks and demos. Never needed in service, and off unless
asked for: production units never set these variables (provisioning does not).

Enabled only when `HALL_SCREEN_CONTROL` names a Unix socket path; `HALL_SCREEN_CONTROL_KEY` (hex)
is the shared secret of `multiprocessing.connection`. Each request is `(command, kwargs)` and gets
`{"result": ...}` or `{"error": "..."}`. Commands run on Kivy's UI thread. Touches are real touch
events (as Kivy's `UnitTestTouch`) through the window's input pipeline and keys go through the
window's `on_key_down`, so they reach whatever a finger or a keyboard would reach.

Every app answers these; an app adds its own with `RemoteControl.from_env(app, commands)` (the
kiosk's are in kiosk_app/kiosk/remote_commands.py):

    ping                     "pong"
    state                    app.remote_state(): the app's state object and metrics, as plain data
    tap        tid=|text=    touch the centre of that visible widget (down, next frame up); one out of
                             view in a scrolling list is scrolled into view first, as a person would
    texts                    every visible text on screen
    widgets                  every visible widget with a tid: text, rectangle, whether its text was cut
    targets                  every visible, enabled button: tid, text, size in px and mm
    type       tid=, text=   put text into a visible TextInput (what typing on its keyboard does)
    key        name=         press and release a key ("f1", "enter", "1", "escape", ...)
    resize     width=, height=   resize the window (landscape / portrait layouts)
    screenshot path=         the next rendered frame as PNG (after a few frames)
    call       method=, args=    app.remote_call(method, *args): what a device or a button would call
    stall      seconds=      block the UI thread that long (a hung Kivy loop: the watchdog's test)
    quit
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from multiprocessing.connection import Listener
from typing import Any, cast

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.core.window import Keyboard, Window
from kivy.input.motionevent import MotionEvent
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
# an app's own command: handler(remote, done, **kwargs), run on the UI thread; it calls done(result)
Command = Callable[..., None]
ENV_SOCKET = "HALL_SCREEN_CONTROL"
ENV_KEY = "HALL_SCREEN_CONTROL_KEY"


def after_frames(frames: int, then: Callable[[], None]) -> None:
    """`then()` once `frames` more frames are drawn: what a change looks like on the glass, settled."""
    flips = {"n": 0}

    def on_flip(*_args) -> None:
        flips["n"] += 1
        if flips["n"] < frames:
            Clock.schedule_once(lambda _dt: Window.canvas.ask_update(), 0)
            return
        Window.unbind(on_flip=on_flip)
        then()

    Window.bind(on_flip=on_flip)
    Window.canvas.ask_update()


def walk_visible(widget, opacity: float = 1.0):
    """Widgets a person can see: in the window's tree, not transparent (children of a hidden parent
    are hidden too)."""
    op = opacity * widget.opacity
    if op <= 0.01:
        return
    yield widget
    for child in reversed(widget.children):
        yield from walk_visible(child, op)


def _ancestors(widget):
    while widget.parent is not None and widget.parent is not widget:
        widget = widget.parent
        yield widget


def shown(widget) -> bool:
    """Its centre is in the window and inside every scrolling list it sits in (a row scrolled out of
    a list is hidden even where the list does not reach the window's edge)."""
    if widget.width <= 1 or widget.height <= 1:
        return False
    x, y = widget.to_window(*widget.center)
    if not (0 <= x <= Window.width and 0 <= y <= Window.height):
        return False
    for view in _ancestors(widget):
        if isinstance(view, ScrollView):
            left, bottom = view.to_window(view.x, view.y)
            if not (left <= x <= left + view.width and bottom <= y <= bottom + view.height):
                return False
    return True


def visible_texts() -> list[str]:
    out = []
    for w in walk_visible(Window):
        if isinstance(w, Label | TextInput) and shown(w) and w.text:
            if isinstance(w, TextInput) and w.password:
                continue
            out.append(w.text)
    return out


class RemoteControl:
    def __init__(self, app, address: str, key: bytes, commands: Mapping[str, Command] | None = None):
        self.app = app
        self.address = address
        self.key = key
        self._listener: Listener | None = None
        self._stopping = False
        self.commands: dict[str, Callable[..., None]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("cmd_")
        }
        for name, handler in (commands or {}).items():
            self.register(name, handler)

    @classmethod
    def from_env(cls, app, commands: Mapping[str, Command] | None = None) -> RemoteControl | None:
        """Listening at $HALL_SCREEN_CONTROL, or None (the normal case: no socket at all)."""
        address = os.environ.get(ENV_SOCKET)
        if not address:
            return None
        key = bytes.fromhex(os.environ.get(ENV_KEY, "")) or b"hall-screen"
        return cls(app, address, key, commands).start()

    def register(self, name: str, handler: Command) -> None:
        """An app's own command: `handler(remote, done, **kwargs)`."""
        self.commands[name] = lambda done, **kwargs: handler(self, done, **kwargs)

    def start(self) -> RemoteControl:
        if os.path.exists(self.address):
            os.unlink(self.address)
        self._listener = Listener(self.address, family="AF_UNIX", authkey=self.key)
        threading.Thread(target=self._serve, name="hall-remote", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping = True
        try:
            if self._listener is not None:
                self._listener.close()
        except OSError:
            pass

    def _serve(self) -> None:
        listener = cast(Listener, self._listener)  # start() made it before this thread
        while not self._stopping:
            try:
                conn = listener.accept()
            except (OSError, EOFError):
                return
            except Exception:
                log.exception("remote: accept failed")
                continue
            with conn:
                while not self._stopping:
                    try:
                        command, kwargs = conn.recv()
                    except (EOFError, OSError):
                        break
                    try:
                        conn.send(self._run(command, kwargs))
                    except (OSError, ValueError):
                        break

    def _run(self, command: str, kwargs: dict) -> dict:
        handler = self.commands.get(command)
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
                log.exception("remote command %s failed", command)
                box["error"] = f"{type(exc).__name__}: {exc}"
                finished.set()

        Clock.schedule_once(run, 0)
        if not finished.wait(30):
            return {"error": f"{command} did not finish in 30 s"}
        return box

    # --- commands ---------------------------------------------------------------------------------
    def cmd_ping(self, done: Done) -> None:
        done("pong")

    def cmd_state(self, done: Done) -> None:
        done(self.app.remote_state())

    def _find(self, tid: str | None, text: str | None, offscreen: bool = False) -> list:
        found = []
        for w in walk_visible(Window):
            if not offscreen and not shown(w):
                continue
            if tid is not None and getattr(w, "tid", None) == tid:
                found.append(w)
            elif tid is None and text is not None and isinstance(w, Label) and w.text == text:
                found.append(w)
        return found

    def cmd_tap(self, done: Done, tid: str | None = None, text: str | None = None, frames_left: int = -1) -> None:
        found = self._find(tid, text)
        if not found and frames_left > 0:  # scrolled: the list moves its rows on a coming frame
            Clock.schedule_once(lambda _dt: self.cmd_tap(done, tid, text, frames_left - 1), 0)
            return
        if not found:
            # as a person would: scroll the list it sits in until it is in view, then tap it
            hidden = self._find(tid, text, offscreen=True) if frames_left < 0 else []
            view = next((p for p in _ancestors(hidden[0]) if isinstance(p, ScrollView)), None) if hidden else None
            if view is None:
                done({"tapped": False, "why": f"no visible widget {tid or text!r}"})
                return
            view.scroll_to(hidden[0], animate=False)
            Clock.schedule_once(lambda _dt: self.cmd_tap(done, tid, text, 30), 0)
            return
        w = found[0]
        if w.disabled:
            done({"tapped": False, "why": f"{tid or text!r} is disabled"})
            return
        x, y = w.to_window(*w.center)
        touch = Touch(x, y)
        touch.touch_down()

        def up(_dt) -> None:
            touch.touch_up()
            Clock.schedule_once(lambda _dt: done({"tapped": True, "at": [x, y]}), 0)

        Clock.schedule_once(up, 0)

    def cmd_texts(self, done: Done) -> None:
        done(visible_texts())

    def cmd_targets(self, done: Done) -> None:
        ppm = self.app.theme.px_per_mm
        out = []
        for w in walk_visible(Window):
            if isinstance(w, Button) and shown(w) and not w.disabled:
                out.append(
                    {
                        "tid": getattr(w, "tid", ""),
                        "text": w.text,
                        "w_px": w.width,
                        "h_px": w.height,
                        "w_mm": w.width / ppm,
                        "h_mm": w.height / ppm,
                    }
                )
        done(out)

    def cmd_widgets(self, done: Done) -> None:
        """Every visible widget with a tid: its text, window rectangle, and whether its text was cut."""
        out = []
        for w in walk_visible(Window):
            tid = getattr(w, "tid", "")
            if not tid or not shown(w):
                continue
            x, y = w.to_window(w.x, w.y)
            label = getattr(w, "_label", None)
            out.append(
                {
                    "tid": tid,
                    "text": getattr(w, "text", ""),
                    "x": x,
                    "y": y,
                    "w": w.width,
                    "h": w.height,
                    "shortened": bool(label is not None and getattr(label, "is_shortened", False)),
                    "disabled": bool(w.disabled),
                }
            )
        done(out)

    def cmd_type(self, done: Done, tid: str, text: str) -> None:
        found = [w for w in self._find(tid, None) if isinstance(w, TextInput)]
        if not found:
            done({"typed": False, "why": f"no visible text input {tid!r}"})
            return
        w = found[0]
        w.focus = True
        w.text = ""
        w.insert_text(text)
        done({"typed": True})

    def cmd_key(self, done: Done, name: str) -> None:
        code = Keyboard.keycodes.get(name, ord(name[0]) if len(name) == 1 else None)
        if code is None:
            done({"pressed": False, "why": f"unknown key {name!r}"})
            return
        codepoint = name if len(name) == 1 else ""
        Window.dispatch("on_key_down", code, 0, codepoint, [])
        Window.dispatch("on_key_up", code, 0)
        Clock.schedule_once(lambda _dt: done({"pressed": True}), 0)

    def cmd_resize(self, done: Done, width: int, height: int) -> None:
        Window.size = (width, height)
        after_frames(3, lambda: done({"size": list(Window.size)}))

    def cmd_screenshot(self, done: Done, path: str) -> None:
        def save() -> None:
            save_frame(path)
            done(path)

        after_frames(3, save)

    def cmd_call(self, done: Done, method: str, args: list | None = None) -> None:
        done(self.app.remote_call(method, *(args or [])))

    def cmd_stall(self, done: Done, seconds: float) -> None:
        time.sleep(max(0.0, min(float(seconds), 25.0)))  # on the UI thread: nothing else runs meanwhile
        done({"stalled_s": seconds})

    def cmd_quit(self, done: Done) -> None:
        done({"ok": True})
        Clock.schedule_once(lambda _dt: self.app.stop(), 0.05)


class Touch(MotionEvent):
    """A finger at window pixel (x, y), through the window's input pipeline. What Kivy's own
    `kivy.tests.common.UnitTestTouch` does; that module imports pytest and unittest into the app
    (about 7 MB), which a benchmark of the app's memory should not count."""

    def __init__(self, x: float, y: float):
        super().__init__(
            "UnitTestTouch",
            99,
            {"x": x / (Window.width - 1.0), "y": y / (Window.height - 1.0)},
            is_touch=True,
            type_id="touch",
        )
        self.profile = ["pos"]

    def depack(self, args) -> None:
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)

    def touch_down(self) -> None:
        EventLoop.post_dispatch_input("begin", self)

    def touch_up(self) -> None:
        EventLoop.post_dispatch_input("end", self)


def save_frame(path: str) -> None:
    """The frame just drawn, read from the GL back buffer, as a PNG."""
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    width, height = Window.size
    data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGB", (width, height), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    image.save(path, optimize=True)
