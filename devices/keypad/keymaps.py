"""Which key does what on the counter's caller keypad and on the citizen's rating pad.

A hall's `options.keys` maps Linux key names to actions and replaces the default map whole (a
keypad's layout is one thing; half of a default map under a custom one would surprise).
"""

from __future__ import annotations

# What a counter keypad may ask for: the protocol's counter actions that an officer triggers with
# one key, plus `pause-resume`, for keypads with a single pause key: the counter terminal knows
# whether the counter is paused and sends `pause` or `resume` accordingly.
COUNTER_KEY_ACTIONS = (
    "call-next",
    "recall",
    "pause",
    "resume",
    "pause-resume",
    "transfer",
    "start",
    "no-show",
    "finish",
)
# 5 is 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意 (protocol `cmd/rating/submit` level).
RATING_ACTIONS = tuple(f"rate:{level}" for level in (5, 4, 3, 2, 1))

ACTIONS_BY_KIND: dict[str, tuple[str, ...]] = {"keypad": COUNTER_KEY_ACTIONS, "rating_pad": RATING_ACTIONS}

# Caller keypads (呼叫器) sold for halls send F-keys; a plain USB numeric keypad works too once
# the hall writes its own map.
DEFAULT_COUNTER_KEYS: dict[str, str] = {
    "KEY_F1": "call-next",
    "KEY_F2": "recall",
    "KEY_F3": "pause-resume",
    "KEY_F4": "transfer",
    "KEY_F5": "start",
    "KEY_F6": "no-show",
    "KEY_F7": "finish",
}

# Five-key rating pads send 1…5 from the main row or the numeric keypad: the digit is the level.
DEFAULT_RATING_KEYS: dict[str, str] = {
    **{f"KEY_{level}": f"rate:{level}" for level in range(1, 6)},
    **{f"KEY_KP{level}": f"rate:{level}" for level in range(1, 6)},
}

DEFAULT_KEYS_BY_KIND: dict[str, dict[str, str]] = {"keypad": DEFAULT_COUNTER_KEYS, "rating_pad": DEFAULT_RATING_KEYS}


def unknown_actions(kind: str, keys: dict[str, str]) -> list[tuple[str, str]]:
    """(key, reason) for each key of a hall's map whose action a device of `kind` does not have."""
    allowed = ACTIONS_BY_KIND[kind]
    return [
        (key, f"key {key} has unknown action {action!r}; use one of {', '.join(allowed)}")
        for key, action in keys.items()
        if action not in allowed
    ]


def rating_level(action: str) -> int | None:
    """`"rate:4"` → 4, for the terminal building `cmd/rating/submit`; None for other actions."""
    if action.startswith("rate:") and action[5:].isdigit():
        return int(action[5:])
    return None
