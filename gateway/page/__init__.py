"""The citizen's page behind the ticket's QR code (`GET /t/{token}`): one HTML file with its own CSS and
script, nothing fetched from elsewhere (the hall may have no internet). Chinese by default, `?lang=en`.
The first state is rendered into the page; the script keeps it live by SSE, polls when SSE fails, and
says 暂时无法更新 with the time of the last state it had when the hall server cannot be reached."""

from __future__ import annotations

import html
import json
import secrets
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse

HERE = Path(__file__).resolve().parent
_TEMPLATE = (HERE / "citizen.html").read_text(encoding="utf-8")
_NOT_FOUND = (HERE / "not_found.html").read_text(encoding="utf-8")


def _headers(nonce: str) -> dict[str, str]:
    return {
        # only this page's own inline script and style (by nonce), and requests back to this gateway
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
            "connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        "Referrer-Policy": "no-referrer",  # the token is in the URL
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }


def citizen_page(
    token: str, view: dict[str, Any] | None, english: bool, reasons: list[dict[str, str]], hall_name: str
) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    boot = {"token": token, "view": view, "lang": "en" if english else "zh", "reasons": reasons, "hall": hall_name}
    # JSON inside <script>: "</" and U+2028/9 escaped so no data can end the script element
    data = (
        json.dumps(boot, ensure_ascii=False)
        .replace("</", "<\\/")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    page = (
        _TEMPLATE.replace("{{nonce}}", nonce)
        .replace("{{lang}}", "en" if english else "zh-CN")
        .replace("{{title}}", html.escape(hall_name))
        .replace("{{boot}}", data)
    )
    return HTMLResponse(page, headers=_headers(nonce))


def not_found_page(english: bool) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    text = (
        ("This ticket does not exist or has expired", "A ticket's page works on the day it was issued.")
        if english
        else ("该号码不存在或已过期", "取号页面仅在取号当天有效。")
    )
    page = (
        _NOT_FOUND.replace("{{nonce}}", nonce)
        .replace("{{lang}}", "en" if english else "zh-CN")
        .replace("{{title}}", text[0])
        .replace("{{line}}", text[1])
    )
    return HTMLResponse(page, status_code=404, headers=_headers(nonce))
