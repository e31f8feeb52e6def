"""The supervisor tablet's screens: one module and one .kv file each (login.py + login.kv, ...)."""

SCREENS = (
    "login",
    "hall",
    "counter",
    "notice",
    "chart",
    "county",
    "priority",
    "answer",
    "cases",
    "complaint",
    "applications",
    "platform",
    "lookup",
    "plan",
)
