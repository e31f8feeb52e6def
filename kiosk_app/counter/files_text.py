"""The counter's words for materials on file (电子材料, issue 23 item 5): the board's own check of a page
(how sharp, how much writing, its edges), a page's row in the ticket's list. Pure: no Kivy, no I/O
beyond decoding the page in memory."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

SOURCES = {"camera": "高拍仪", "scan": "扫描", "photo": "照片"}


def board_check(data: bytes, rules, source: str) -> dict:
    """The page measured on the board, for the screen (the hall server checks it again and decides):
    {"sharp", "sharpness", "ink", "width", "height", "edges"}; {} when it cannot be decoded."""
    from queue_broker.materials.checks import MaterialRefused, decode, measure

    try:
        image = decode(data, rules.max_pixels)
    except MaterialRefused:
        return {}
    m = measure(image)
    return {
        "sharp": m.sharpness >= rules.min_sharpness,
        "sharpness": round(m.sharpness),
        "ink": m.ink,
        "width": m.width,
        "height": m.height,
        # the camera found the page's four corners and straightened it; a scan is the page itself
        "edges": "四角已找到并拉正" if source == "camera" else "扫描件（整页）",
    }


def check_text(check: dict) -> str:
    if not check:
        return "无法读取这一页的图像"
    sharp = "清晰" if check["sharp"] else "模糊"
    return (
        f"清晰度 {check['sharpness']:,}（{sharp}）　页面边缘：{check['edges']}　"
        f"有字部分 {check['ink']:.1%}　{check['width']}×{check['height']} 像素"
    )


def file_row(m: dict, tz: ZoneInfo) -> dict:
    at = m.get("attached_at")
    when = datetime.fromisoformat(at).astimezone(tz).strftime("%H:%M") if at else ""
    kept = m.get("expires_at", "")[:10]
    size = f"{m.get('width', 0)}×{m.get('height', 0)}，{(m.get('bytes') or 0) / 1e3:.0f} kB"
    return {
        "id": m["id"],
        "title": m.get("title") or "未命名",
        "text": f"{m.get('title') or '未命名'}　{SOURCES.get(m.get('source', ''), '')} {when}　{size}　保存至 {kept}",
    }
