"""The call screen's one screen (hall.py + hall.kv): the whole window, without a ScreenManager."""

SCREENS = ("hall",)
