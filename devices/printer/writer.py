"""Lines of Chinese text, a QR code and a cut, as ESC/POS bytes, through python-escpos.

python-escpos does styles, the native QR code (GS ( k), raster images (GS v 0) and the cut (GS V).
Chinese text it cannot do reliably: 3.1 sends a string without a CJK ideograph (full-width punctuation
alone, "：，。！") through its code-page tables, which turn it into "?", and it never enters the
printer's Chinese mode. So each line with Chinese is written here as FS & (1C 26, enter Chinese mode),
the line in GB18030 (or GBK), FS . (1C 2E, leave Chinese mode), LF. A line with a character the
printer's font lacks is drawn with Pillow and a CJK font and sent as an image instead.
"""

from __future__ import annotations

import copy
import logging
from functools import lru_cache
from typing import cast

from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from PIL import Image, ImageDraw, ImageFont

from .config import PrinterProfile

log = logging.getLogger(__name__)

FS_CHINESE_ON = b"\x1c\x26"  # FS &
FS_CHINESE_OFF = b"\x1c\x2e"  # FS .
MISSING_GLYPH = "□"  # in GB2312 (A1F5): what a line shows if even the fallback font cannot be loaded


def clean(text: str) -> str:
    """Drop control characters: text comes from the catalog and the broker, and an ESC or GS in it
    would be executed by the printer as a command."""
    return "".join(c for c in text if c >= " " and c != "\x7f" and not 0x80 <= ord(c) < 0xA0)


def cell_width(c: str) -> int:
    """Columns a character takes on the printer: ASCII is half-width, every double-byte code full-width."""
    return 1 if c.isascii() else 2


def text_width(text: str) -> int:
    return sum(cell_width(c) for c in text)


def wrap(text: str, columns: int) -> list[str]:
    """Break `text` into lines of at most `columns` half-width columns (an empty text is one empty line)."""
    lines, current, width = [], "", 0
    for c in text:
        w = cell_width(c)
        if width + w > columns and current:
            lines.append(current)
            current, width = "", 0
        current += c
        width += w
    lines.append(current)
    return lines


@lru_cache(maxsize=8)
def _font(path: str, px: int) -> ImageFont.FreeTypeFont | None:
    try:
        return ImageFont.truetype(path, px)
    except OSError:
        log.warning("fallback font %s cannot be loaded; rare characters will print as %s", path, MISSING_GLYPH)
        return None


class EscposWriter:
    """Writes layout primitives to any python-escpos printer object (a Dummy when rendering to bytes)."""

    def __init__(self, printer: Escpos, profile: PrinterProfile):
        self.p = printer
        self.profile = profile
        # image() reads the paper width from the capability profile; the generic profile says "Unknown"
        # (and prints a warning on stdout). Give this instance its own copy with the real width.
        data = copy.deepcopy(printer.profile.profile_data)
        data.setdefault("media", {}).setdefault("width", {})["pixels"] = profile.dots
        printer.profile.profile_data = data
        self._style: tuple[str, bool] | None = None  # (align, bold) last sent; None = unknown

    # --- character coverage --------------------------------------------------------------------
    def covered(self, c: str) -> bool:
        """Can the printer's resident font print `c` in the configured encoding?"""
        if c.isascii():
            return True
        try:
            c.encode(self.profile.font_charset)
            c.encode(self.profile.encoding)
        except UnicodeEncodeError:
            return False
        return True

    def text_bytes(self, line: str) -> bytes | None:
        """The bytes for one line of text, or None when it must be printed as an image."""
        if line.isascii():
            return line.encode("ascii")
        if not all(self.covered(c) for c in line):
            return None
        return FS_CHINESE_ON + line.encode(self.profile.encoding) + FS_CHINESE_OFF

    # --- primitives ----------------------------------------------------------------------------
    def initialize(self) -> None:
        self.p.hw("INIT")  # ESC @: forget whatever the last job left set
        self._style = ("left", False)

    def _set_style(self, align: str, bold: bool) -> None:
        """ESC a / ESC E, sent only when they change (keeps the golden bytes readable)."""
        if self._style != (align, bold):
            old_align, old_bold = self._style or (None, None)
            self.p.set(align=align if align != old_align else None, bold=bold if bold != old_bold else None)
            self._style = (align, bold)

    def text(self, text: str, *, align: str = "left", bold: bool = False, size: int = 1) -> None:
        text = clean(text)
        self._set_style(align, bold)
        if size > 1:
            self.p.set(custom_size=True, width=size, height=size)  # GS ! : Chinese and ASCII alike
        for line in wrap(text, max(1, self.profile.columns // size)):
            data = self.text_bytes(line)
            if data is None:
                self._image_line(line, align=align, size=size)
            else:
                self.p._raw(data + b"\n")
        if size > 1:
            self.p.set(custom_size=True, width=1, height=1)

    def rule(self, char: str = "-") -> None:
        self._set_style("left", False)
        self.p._raw(char.encode("ascii") * self.profile.columns + b"\n")

    def feed(self, lines: int = 1) -> None:
        self.p._raw(b"\n" * lines)

    def qr(self, data: str) -> None:
        self._set_style("center", False)  # ESC a centres the native QR symbol on the printers we know
        self.p.qr(clean(data), native=True, size=self.profile.qr_module_size, ec=QR_ECLEVEL_M)
        self.p._raw(b"\n")

    def cut(self) -> None:
        self.p.cut(mode="PART" if self.profile.cut == "partial" else "FULL")

    # --- the fallback: a line as a raster image -----------------------------------------------
    def _image_line(self, line: str, *, align: str, size: int) -> None:
        font = _font(self.profile.fallback_font, self.profile.fallback_font_px * size)
        if font is None:
            fixed = "".join(c if self.covered(c) else MISSING_GLYPH for c in line)
            self.p._raw(cast(bytes, self.text_bytes(fixed)) + b"\n")  # every character of `fixed` is covered
            return
        self.p.image(render_line(line, font, self.profile.dots, align), impl="bitImageRaster")


def render_line(line: str, font: ImageFont.FreeTypeFont, width: int, align: str = "left") -> Image.Image:
    """One line of text drawn black on white, as wide as the paper, 1 bit per pixel."""
    left, top, right, bottom = font.getbbox(line)
    text_w = min(width, right - left)
    height = max(1, bottom - top) + 4
    image = Image.new("L", (width, int(height)), 255)  # Pillow types the box as floats
    x = {"center": (width - text_w) // 2, "right": width - text_w}.get(align, 0)
    ImageDraw.Draw(image).text((x - left, 2 - top), line, font=font, fill=0)
    return image.point(lambda v: 0 if v < 128 else 255).convert("1")
