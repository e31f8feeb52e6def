"""The call screen's one screen (hall.py + hall.kv)."""
