"""The supervisor tablet's screens: one module and one .kv file each."""
