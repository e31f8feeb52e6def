"""Which Linux key is which key of a tactile 12-key keypad (无障碍键盘) for blind citizens at the kiosk.

The 12-key keypads sold for 政务 kiosks are USB HID keyboards with the telephone layout: 1 2 3 / 4 5 6 /
7 8 9 / * 0 #, a raised dot on 5 (the layout of ATM audio keypads and of EN 301 549's 12-key
requirement). Makers differ in the codes they send: the numeric-keypad keys (KEY_KP0…, KEY_KPASTERISK),
the main row (KEY_0…, with Shift for * and #), or the phone keys Linux names KEY_NUMERIC_0…,
KEY_NUMERIC_STAR, KEY_NUMERIC_POUND. The default map takes all three, so a keypad of any of these makers
works unconfigured; `options.keys` replaces it for anything else (`evtest` shows what a keypad sends).
No specific product was available to check against (no hardware on the build machines).

Some keypads add navigation keys (arrows, OK, back, help, repeat); they map to the key names below too.
What a key *does* on a screen (2 and 8 move, 5 and # confirm, * goes back, or digits are typed) is the
spoken-navigation model's business (voice/guide), not the device's.
"""

from __future__ import annotations

DIGITS = tuple("0123456789")
KEYS = (
    *DIGITS,
    "*",
    "#",
    "up",
    "down",
    "left",
    "right",
    "confirm",
    "back",
    "help",
    "repeat",
    "volume_up",
    "volume_down",
)

DEFAULT_TACTILE_KEYS: dict[str, str] = {
    **{f"KEY_KP{d}": d for d in DIGITS},
    **{f"KEY_{d}": d for d in DIGITS},
    **{f"KEY_NUMERIC_{d}": d for d in DIGITS},
    "KEY_KPASTERISK": "*",
    "KEY_NUMERIC_STAR": "*",
    "KEY_NUMERIC_POUND": "#",
    "KEY_KPSLASH": "#",  # 12-key pads built on a numeric keypad chip often put # on its slash key
    "KEY_UP": "up",
    "KEY_DOWN": "down",
    "KEY_LEFT": "left",
    "KEY_RIGHT": "right",
    "KEY_ENTER": "confirm",
    "KEY_KPENTER": "confirm",
    "KEY_OK": "confirm",
    "KEY_ESC": "back",
    "KEY_BACKSPACE": "back",
    "KEY_BACK": "back",
    "KEY_HELP": "help",
    "KEY_VOLUMEUP": "volume_up",
    "KEY_VOLUMEDOWN": "volume_down",
}

# On the main row, Shift+8 is * and Shift+3 is # (what a keypad that "types" the characters sends)
SHIFTED = {"8": "*", "3": "#"}
