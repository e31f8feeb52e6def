"""The counter terminal's screens: one module and one .kv file each."""
