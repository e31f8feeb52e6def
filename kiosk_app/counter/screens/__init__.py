"""The counter terminal's screens: one module and one .kv file each (login.py + login.kv, ...)."""

SCREENS = (
    "login",
    "desk",
    "transfer",
    "materials",
    "rating",
    "handover",
    "cases",
    "complaint",
    "application",
    "pickup",
    "priority",
    "held",
    "files",
)
