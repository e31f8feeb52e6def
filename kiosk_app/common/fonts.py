"""The hall's CJK font, registered once with Kivy and used by every widget of every hall screen.

Kivy's default font (Roboto) has no Chinese glyphs and draws boxes. `register_fonts()` registers
WenQuanYi Micro Hei (Debian `fonts-wqy-microhei`, Simplified Chinese first in its .ttc) under
`FONT_NAME`, and also under Kivy's default name, so a label that forgets `font_name` still shows
Chinese. `HALL_CJK_FONT` names another font file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

FONT_NAME = "HallCJK"

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # opens its Japanese face first: last resort
)


class FontMissing(RuntimeError):
    pass


def find_cjk_font(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    override = env.get("HALL_CJK_FONT")
    if override:
        if not Path(override).is_file():
            raise FontMissing(f"HALL_CJK_FONT={override} is not a file")
        return override
    for path in CANDIDATES:
        if Path(path).is_file():
            return path
    raise FontMissing("no Chinese font found: apt-get install fonts-wqy-microhei (or set HALL_CJK_FONT)")


_registered: str | None = None


def register_fonts() -> str:
    """Register the CJK font with Kivy (once per process) and return its file."""
    global _registered
    if _registered:
        return _registered
    from kivy.core.text import LabelBase

    path = find_cjk_font()
    LabelBase.register(name=FONT_NAME, fn_regular=path, fn_bold=path)
    LabelBase.register(name="Roboto", fn_regular=path, fn_bold=path)  # widgets without font_name
    _registered = path
    return path
