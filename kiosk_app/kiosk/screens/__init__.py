"""One module and one .kv file per screen; each module exports its Screen class as `SCREEN`."""
