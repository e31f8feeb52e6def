"""The US keyboard layout a barcode scanner types in: Linux key code → (plain, with Shift).

Scanners are set to the US layout at the factory and the hall keeps them so; a scanner that types
in another layout (AZERTY, or Alt+numpad for non-ASCII) must be reconfigured with its setup codes.
"""

from __future__ import annotations

from evdev import ecodes as e

MAIN_KEYS: dict[int, tuple[str, str]] = {
    e.KEY_MINUS: ("-", "_"),
    e.KEY_EQUAL: ("=", "+"),
    e.KEY_LEFTBRACE: ("[", "{"),
    e.KEY_RIGHTBRACE: ("]", "}"),
    e.KEY_BACKSLASH: ("\\", "|"),
    e.KEY_SEMICOLON: (";", ":"),
    e.KEY_APOSTROPHE: ("'", '"'),
    e.KEY_GRAVE: ("`", "~"),
    e.KEY_COMMA: (",", "<"),
    e.KEY_DOT: (".", ">"),
    e.KEY_SLASH: ("/", "?"),
    e.KEY_SPACE: (" ", " "),
}
for _digit, _shifted in zip("1234567890", "!@#$%^&*()", strict=True):  # the digit row
    MAIN_KEYS[e.ecodes[f"KEY_{_digit}"]] = (_digit, _shifted)
for _letter in "abcdefghijklmnopqrstuvwxyz":
    MAIN_KEYS[e.ecodes[f"KEY_{_letter.upper()}"]] = (_letter, _letter.upper())

# Scanners in "keypad emulation" mode send digits from the numeric keypad; Shift does not change them
# (NumLock is the scanner's business).
KEYPAD_KEYS: dict[int, tuple[str, str]] = {
    e.KEY_KPDOT: (".", "."),
    e.KEY_KPMINUS: ("-", "-"),
    e.KEY_KPPLUS: ("+", "+"),
    e.KEY_KPASTERISK: ("*", "*"),
    e.KEY_KPSLASH: ("/", "/"),
}
for _digit in "0123456789":
    KEYPAD_KEYS[e.ecodes[f"KEY_KP{_digit}"]] = (_digit, _digit)
CHAR_KEYS: dict[int, tuple[str, str]] = {**MAIN_KEYS, **KEYPAD_KEYS}

SHIFT_KEYS = frozenset({e.KEY_LEFTSHIFT, e.KEY_RIGHTSHIFT})
ENTER_KEYS = frozenset({e.KEY_ENTER, e.KEY_KPENTER})

# The other way, for the simulator: a character → (key, needs Shift), from the main keys only, as a
# scanner in its default mode types. Every printable ASCII character has exactly one.
CHAR_TO_KEY: dict[str, tuple[int, bool]] = {}
for _code, (_plain, _shifted) in MAIN_KEYS.items():
    CHAR_TO_KEY.setdefault(_plain, (_code, False))
    CHAR_TO_KEY.setdefault(_shifted, (_code, True))
