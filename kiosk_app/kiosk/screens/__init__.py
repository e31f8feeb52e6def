"""The kiosk's screens: one module and one .kv file each (home.py + home.kv, ...)."""

SCREENS = (
    "home",
    "browse",
    "search",
    "item",
    "ticket",
    "idcard",
    "appointment",
    "lookup",
    "help",
    "screensaver",
    "blind",
    "selfservice",
)
# built at start and kept: the walk-in path (a tap on 取号 must find the ticket screen ready). The
# others are built when shown and dropped when the kiosk is back on its home screen (issue 7: memory).
KEPT_SCREENS = ("home", "item", "ticket")
