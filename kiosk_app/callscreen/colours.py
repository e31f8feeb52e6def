"""The call screen's palette: light text on a dark ground, read from across the hall."""

from ..common.theme import rgba

COLOURS = {
    "bg": rgba("#061A2E"),
    "header_bg": rgba("#0B4F9C"),
    "panel": rgba("#0C2744"),
    "fg": rgba("#FFFFFF"),
    "muted": rgba("#A9BCD3"),
    "number": rgba("#FFC61A"),
    "window": rgba("#5BE38F"),
    "flash_bg": rgba("#B3261E"),  # the background blinks; the number keeps its colour (no re-render)
    # a number called again: other colours than a first call's (the yellow number stays readable on
    # both), kept while it is the latest call; marked in the recent calls too
    "again_bg": rgba("#4A148C"),
    "again_flash_bg": rgba("#D81B60"),
    "again_fg": rgba("#FFFFFF"),
    "again_mark": rgba("#FF80AB"),
    "alert_bg": rgba("#D32F2F"),
    "alert_fg": rgba("#FFFFFF"),
    "change": rgba("#FFE08A"),
    "marquee_bg": rgba("#102F52"),
    "marquee_fg": rgba("#FFFFFF"),
    "row_alt": rgba("#0F3157"),
    "busy": rgba("#FF8A65"),
}
