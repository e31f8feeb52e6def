"""The kiosk's spoken navigation for blind citizens (issue 23 item 1): what is read aloud on each screen and
what each key does. Pure: no Kivy, no sound, no MQTT, no clock. The kiosk's blind mode binds to it in
phase 2: it feeds keys (from the tactile keypad, `devices.tactile`) and the broker's answers, speaks
each `Step`'s lines (`voice.guide.render`), and carries out each `Step.action` (a ticket issue, a status
lookup, a help request marked 视障, leaving the mode).

Screens are menus (a title and choices, moved through with 2/8 or up/down, chosen with 5/#/confirm)
or number entries (digits, # to confirm, * to delete), on a stack: * or back returns to the one before.
In menus 1 repeats, 0 calls staff. Every key is answered with speech, a wrong one with a short hint, so a
blind citizen is never left in silence. Each new step interrupts what was being said.

    guide = BlindGuide(catalog, language="zh")           # catalog: the broker's state/catalog
    step = guide.start(by="jack")                         # speak step.lines
    step = guide.key("8"); step = guide.key("5") ...      # until step.action.kind == "issue"
    step = guide.ticket_issued(reply["ticket"])           # the number read character by character
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from ..normalise import Normaliser
from .texts import count, digits_text, ordinal, say, ticket_chars, wait_text

ActionKind = Literal["issue", "status", "help", "cancel_help", "exit"]
UP, DOWN, CHOOSE, BACK, REPEAT, HELP = (
    ("2", "up"),
    ("8", "down"),
    ("5", "#", "confirm"),
    ("*", "back"),
    ("1", "repeat"),
    ("0", "help"),
)


@dataclass(frozen=True)
class Line:
    """One thing said, then `pause_s` of silence. `language` picks the voice."""

    text: str
    language: str = "zh"
    pause_s: float = 0.25


@dataclass(frozen=True)
class Action:
    """What the kiosk must do: `issue` (cmd/ticket/issue with `service_id`), `status` (cmd/ticket/status of
    today's `number`), `help` / `cancel_help` (cmd/ticket/help, need visually_impaired), `exit`."""

    kind: ActionKind
    service_id: str | None = None
    number: str | None = None
    need: str = "visually_impaired"


@dataclass
class Step:
    lines: list[Line]
    screen: str
    action: Action | None = None
    interrupt: bool = True  # stop what is being said first

    @property
    def text(self) -> str:
        return "".join(line.text for line in self.lines)


@dataclass
class Choice:
    label: str
    kind: str  # what choosing it does: a screen to open, or an action
    value: str = ""


@dataclass
class Menu:
    name: str
    title: str
    choices: list[Choice]
    header: list[str] = field(default_factory=list)  # read before the choices (an item's details)
    index: int = 0


@dataclass
class Entry:
    name: str  # code | number
    prompt: str
    max_digits: int
    digits: str = ""


Screen = Menu | Entry


class BlindGuide:
    def __init__(
        self,
        catalog: dict[str, Any],
        language: str = "zh",
        elderly: bool = False,
        frequent_ids: Iterable[str] = (),
        normaliser: Normaliser | None = None,
    ):
        self.language = language
        self.elderly = elderly
        self.normaliser = normaliser or Normaliser()
        self.frequent_ids = list(frequent_ids)
        self.queues_state: dict[str, dict[str, Any]] = {}
        self.stack: list[Screen] = []
        self.spoken: list[str] = []  # every line said, in order (for logs of the mode and for tests)
        self.help_open = False
        self.pending: Action | None = None  # an action sent, its answer not yet fed back
        self.set_catalog(catalog)

    # ------------------------------------------------------------ data from the broker
    def set_catalog(self, catalog: dict[str, Any]) -> None:
        """state/catalog. Every service gets a spoken number, its place in the catalog (1, 2, ...)."""
        self.queues = {q["id"]: q for q in catalog.get("queues", [])}
        self.services = list(catalog.get("services", []))
        self.codes = {str(i + 1): s for i, s in enumerate(self.services)}
        self.code_of = {s["id"]: str(i + 1) for i, s in enumerate(self.services)}

    def set_queues(self, state: dict[str, Any]) -> None:
        """state/queues: who waits, and how long, for the item details."""
        self.queues_state = {q["id"]: q for q in state.get("queues", [])}

    @property
    def rate(self) -> int:
        """Words per minute for the voice: slower in elderly mode."""
        return 120 if self.elderly else 150

    # ------------------------------------------------------------ speech helpers
    def _t(self, key: str, **values: object) -> str:
        return say(self.language, key, **values)

    def _line(self, text: str, pause_s: float = 0.25) -> Line:
        self.spoken.append(text)
        return Line(text, self.language, pause_s)

    def _step(self, texts: list[str], action: Action | None = None) -> Step:
        if action is not None and action.kind in ("issue", "status", "help", "cancel_help"):
            self.pending = action
        return Step([self._line(t) for t in texts], self.screen, action)

    @property
    def screen(self) -> str:
        return self.stack[-1].name if self.stack else "off"

    # ------------------------------------------------------------ screens
    def _home(self) -> Menu:
        choices = [
            Choice(self._t("frequent"), "open", "frequent"),
            Choice(self._t("departments"), "open", "departments"),
            Choice(self._t("code"), "open", "code"),
            Choice(self._t("lookup"), "open", "lookup"),
            Choice(self._t("help"), "help"),
            Choice(self._t("exit"), "exit"),
        ]
        return Menu("home", self._t("home"), choices)

    def _service_choice(self, s: dict[str, Any]) -> Choice:
        name = self._name(s)
        return Choice(
            self._t("service_label", name=name, code=digits_text(self.language, self.code_of[s["id"]])),
            "service",
            s["id"],
        )

    def _name(self, item: dict[str, Any]) -> str:
        return (item.get("name_en") if self.language == "en" else None) or item["name"]

    def _frequent(self) -> Menu:
        wanted = [s for sid in self.frequent_ids for s in self.services if s["id"] == sid]
        if not wanted:  # one item per queue, in catalog order
            seen: set[str] = set()
            for s in self.services:
                if s["queue_id"] not in seen:
                    seen.add(s["queue_id"])
                    wanted.append(s)
        return Menu("frequent", self._t("frequent"), [self._service_choice(s) for s in wanted[:8]])

    def _departments(self) -> Menu:
        by_dept: dict[str, int] = {}
        for s in self.services:
            by_dept[s["department"]] = by_dept.get(s["department"], 0) + 1
        choices = [
            Choice(self._t("department_label", name=d, n=count(self.language, n)), "department", d)
            for d, n in by_dept.items()
        ]
        return Menu("departments", self._t("departments"), choices)

    def _department(self, name: str) -> Menu:
        return Menu("department", name, [self._service_choice(s) for s in self.services if s["department"] == name])

    def _service(self, service_id: str) -> Menu:
        s = next(x for x in self.services if x["id"] == service_id)
        q = self.queues_state.get(s["queue_id"], {})
        queue = self.queues.get(s["queue_id"], {})
        wait = wait_text(self.language, q.get("estimated_wait_range_s"), bool(q.get("counter_ids", [True])))
        detail = self._t(
            "service_detail",
            name=self._name(s),
            queue=self._name(queue) if queue else s["queue_id"],
            waiting=count(self.language, int(q.get("waiting", 0))),
            wait=wait,
            materials=count(self.language, len(s.get("materials", []))),
        )
        choices = [
            Choice(self._t("take"), "issue", s["id"]),
            Choice(self._t("materials"), "materials", s["id"]),
            Choice(self._t("back_item"), "back"),
        ]
        return Menu("service", self._name(s), choices, header=[detail])

    def _prefixes(self, digits: str) -> Menu:
        choices = [
            Choice(
                self._t(
                    "prefix_label",
                    letter=self.normaliser.ticket_zh(q["prefix"]) if self.language == "zh" else q["prefix"],
                    queue=self._name(q),
                ),
                "status",
                q["prefix"] + digits,
            )
            for q in self.queues.values()
        ]
        return Menu("prefix", self._t("prefix_title"), choices)

    def _open(self, screen: Screen, before: list[str] | None = None) -> Step:
        self.stack.append(screen)
        return self._step([*(before or []), *self._announce(screen)])

    def _announce(self, screen: Screen) -> list[str]:
        if isinstance(screen, Entry):
            return [screen.prompt]
        out = [*screen.header, self._t("menu_intro", title=screen.title, n=count(self.language, len(screen.choices)))]
        if screen.choices:
            out.append(
                self._t("item_at", i=ordinal(self.language, screen.index + 1), label=screen.choices[screen.index].label)
            )
        return out

    # ------------------------------------------------------------ life of the mode
    def start(self, by: str = "key") -> Step:
        """The mode starts (a long press, the headphone jack, a key of the tactile keypad)."""
        self.stack = []
        self.help_open = False
        self.pending = None
        before = [self._t("welcome_jack")] if by == "jack" else []
        before.append(self._t("welcome"))
        return self._open(self._home(), before)

    def set_language(self, language: str) -> Step:
        self.language = language
        return self.start()

    def idle(self) -> Step:
        return self._step([self._t("idle")])

    # ------------------------------------------------------------ keys
    def key(self, key: str) -> Step:
        if not self.stack:
            return self.start()
        top = self.stack[-1]
        if isinstance(top, Entry):
            return self._entry_key(top, key)
        return self._menu_key(top, key)

    def _menu_key(self, menu: Menu, key: str) -> Step:
        if key in UP:
            if menu.index == 0:
                return self._step([self._t("first")])
            menu.index -= 1
            return self._step(
                [self._t("item_at", i=ordinal(self.language, menu.index + 1), label=menu.choices[menu.index].label)]
            )
        if key in DOWN:
            if menu.index >= len(menu.choices) - 1:
                return self._step([self._t("last")])
            menu.index += 1
            return self._step(
                [self._t("item_at", i=ordinal(self.language, menu.index + 1), label=menu.choices[menu.index].label)]
            )
        if key in CHOOSE and menu.choices:
            return self._choose(menu.choices[menu.index])
        if key in BACK:
            return self._back()
        if key in REPEAT:
            return self._step(self._announce(menu))
        if key in HELP:
            return self._help()
        return self._step([self._t("hint_menu")])

    def _entry_key(self, entry: Entry, key: str) -> Step:
        if key.isdigit() and len(key) == 1:
            if len(entry.digits) >= entry.max_digits:
                return self._step([self._t("too_long", n=count(self.language, entry.max_digits))])
            entry.digits += key
            return self._step([digits_text(self.language, key)])
        if key in ("*", "back"):
            if not entry.digits:
                return self._back()
            entry.digits = entry.digits[:-1]
            shown = digits_text(self.language, entry.digits) if entry.digits else self._t("empty")
            return self._step([self._t("deleted", digits=shown)])
        if key in ("#", "confirm"):
            return self._submit(entry)
        if key == "help":
            return self._help()
        return self._step([self._t("hint_entry")])

    def _choose(self, choice: Choice) -> Step:
        if choice.kind == "open":
            if choice.value == "frequent":
                return self._open(self._frequent())
            if choice.value == "departments":
                return self._open(self._departments())
            if choice.value == "code":
                return self._open(Entry("code", self._t("enter_code"), max_digits=4))
            return self._open(Entry("number", self._t("enter_number"), max_digits=4))
        if choice.kind == "department":
            return self._open(self._department(choice.value))
        if choice.kind == "service":
            return self._open(self._service(choice.value))
        if choice.kind == "materials":
            s = next(x for x in self.services if x["id"] == choice.value)
            names = [m["name"] for m in s.get("materials", [])]
            text = self._t("materials_list", items="、".join(names) if self.language == "zh" else ", ".join(names))
            return self._step([text if names else self._t("materials_none")])
        if choice.kind == "issue":
            return self._step([self._t("issuing")], Action("issue", service_id=choice.value))
        if choice.kind == "status":
            return self._step([self._t("looking_up")], Action("status", number=choice.value))
        if choice.kind == "repeat_number":
            return self._step(self._number_lines(choice.value))
        if choice.kind == "help":
            return self._help()
        if choice.kind == "cancel_help":
            return self._step([], Action("cancel_help"))
        if choice.kind == "home":
            self.stack = self.stack[:1]
            cast(Menu, self.stack[0]).index = 0  # the root is a menu
            return self._step(self._announce(self.stack[0]))
        if choice.kind == "retry":
            return self._step([self._t("issuing")], Action("issue", service_id=choice.value))
        if choice.kind == "back":
            return self._back()
        self.stack = []
        return self._step([self._t("bye")], Action("exit"))  # exit

    def _submit(self, entry: Entry) -> Step:
        if not entry.digits:
            return self._step([self._t("empty"), entry.prompt])
        if entry.name == "code":
            s = self.codes.get(entry.digits.lstrip("0") or "0")
            if s is None:
                code = digits_text(self.language, entry.digits)
                entry.digits = ""
                return self._step([self._t("no_code", code=code)])
            self.stack.pop()
            return self._open(self._service(s["id"]))
        digits = entry.digits.zfill(3)
        self.stack.pop()
        if len(self.queues) == 1:
            prefix = next(iter(self.queues.values()))["prefix"]
            return self._step([self._t("looking_up")], Action("status", number=prefix + digits))
        return self._open(self._prefixes(digits))

    def _back(self) -> Step:
        if len(self.stack) <= 1:
            return self._step([self._t("hint_menu")])
        self.stack.pop()
        return self._step(self._announce(self.stack[-1]))

    def _help(self) -> Step:
        return self._step([], Action("help"))

    # ------------------------------------------------------------ answers fed back by the kiosk
    def _number_lines(self, number: str) -> list[str]:
        chars = ticket_chars(self.language, number, self.normaliser)
        sep = "，" if self.language == "zh" else ", "
        return [self._t("your_number"), sep.join(chars), self._t("number_again"), sep.join(chars)]

    def ticket_issued(self, ticket: dict[str, Any]) -> Step:
        """The broker's reply ticket: the number read character by character, twice; the people ahead."""
        self.pending = None
        q = self.queues_state.get(ticket.get("queue_id", ""), {})
        wait = wait_text(self.language, ticket.get("estimated_wait_range_s"), bool(q.get("counter_ids", [True])))
        lines = [
            self._t("issued"),
            *self._number_lines(ticket["number"]),
            self._t("ahead", n=count(self.language, int(ticket.get("waiting_ahead", 0))), wait=wait),
            self._t("seat"),
        ]
        menu = Menu(
            "ticket",
            self._t("ticket_menu"),
            [
                Choice(self._t("repeat_number"), "repeat_number", ticket["number"]),
                Choice(self._t("ask_guide"), "help"),
                Choice(self._t("to_home"), "home"),
            ],
        )
        self.stack = self.stack[:1] + [menu]
        return self._step([*lines, *self._announce(menu)])

    def issue_failed(self, reason: str, service_id: str) -> Step:
        self.pending = None
        menu = Menu(
            "failed",
            self._t("issue_failed", reason=reason),
            [
                Choice(self._t("retry"), "retry", service_id),
                Choice(self._t("help"), "help"),
                Choice(self._t("to_home"), "home"),
            ],
        )
        self.stack = self.stack[:1] + [menu]
        return self._step([menu.title, *self._announce(menu)[1:]])

    def status(self, number: str, reply: dict[str, Any]) -> Step:
        """The broker's answer to cmd/ticket/status for today's `number` (`{"ok": false, ...}` if none)."""
        self.pending = None
        spoken_number = (
            "".join(ticket_chars(self.language, number, self.normaliser)) if self.language == "zh" else number
        )
        t = reply.get("ticket") if reply.get("ok") else None
        if t is None:
            text = self._t("status_missing", number=spoken_number)
        else:
            counter = (
                self.normaliser.counter_zh(int(t["counter_number"]))
                if t.get("counter_number")
                else (t.get("counter_id") or "")
            )
            state = t.get("state")
            if state == "waiting":
                wait = wait_text(self.language, t.get("estimated_wait_range_s"))
                text = self._t(
                    "status_waiting",
                    number=spoken_number,
                    n=count(self.language, int(t.get("waiting_ahead", 0))),
                    wait=wait,
                )
            elif state == "called":
                text = self._t("status_called", number=spoken_number, counter=counter)
            elif state == "serving":
                text = self._t("status_serving", number=spoken_number, counter=counter)
            elif state == "done":
                text = self._t("status_done", number=spoken_number)
            else:
                text = self._t("status_other", number=spoken_number)
        self.stack = self.stack[:1]
        return self._step([text, *self._announce(self.stack[0])])

    def help_sent(self, ok: bool = True, reason: str = "") -> Step:
        self.pending = None
        if not ok:
            return self._step([self._t("help_failed", reason=reason)])
        self.help_open = True
        menu = Menu(
            "help",
            self._t("help_menu"),
            [Choice(self._t("cancel_help"), "cancel_help"), Choice(self._t("to_home"), "home")],
        )
        self.stack = self.stack[:1] + [menu]
        return self._step([self._t("help_sent"), *self._announce(menu)])

    def help_cancelled(self) -> Step:
        self.pending = None
        self.help_open = False
        self.stack = self.stack[:1]
        return self._step([self._t("help_cancelled"), *self._announce(self.stack[0])])
