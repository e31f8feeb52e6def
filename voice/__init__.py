"""Voice calling: clear Mandarin (and optional English) announcements from the hall's call events,
played strictly one after another, fully offline (espeak-ng).

`python -m voice run --config SITE.yaml --node NODE_ID` runs a voice node; `python -m voice render`
writes one announcement WAV. See docs/voice.md.
"""
