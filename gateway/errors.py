"""Every error the gateway answers: `{"error": {"code", "message"}}` (+ `field` for bad input), the message
in Chinese or English by the request's Accept-Language, never a stack trace (docs/gateway-api.md)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

# code -> (HTTP status, Chinese, English)
MESSAGES: dict[str, tuple[int, str, str]] = {
    "bad_json": (400, "请求内容不是有效的 JSON。", "The request body is not valid JSON."),
    "invalid": (422, "请求内容有误：{detail}", "The request is not valid: {detail}"),
    "unauthorized": (401, "缺少或无法识别的合作方密钥。", "No partner key, or an unknown one."),
    "forbidden": (403, "不允许此操作：{detail}", "Not allowed: {detail}"),
    "remote_ticket_off": (
        403,
        "该事项或本大厅暂不提供远程取号，请到大厅现场取号。",
        "This item or this hall does not give out places before arrival: please take a ticket at the hall.",
    ),
    "not_found": (404, "没有找到：{detail}", "Not found: {detail}"),
    "conflict": (409, "当前状态不允许此操作：{detail}", "Not possible now: {detail}"),
    "slot_full": (409, "该时段已约满，请选择其他时段。", "That slot is fully booked; please choose another."),
    "too_large": (413, "请求内容超过 16 KiB。", "The request body is over 16 KiB."),
    "limit": (429, "已达到取号限制：{detail}", "A limit was reached: {detail}"),
    "rate_limited": (429, "请求过于频繁，请稍后再试。", "Too many requests: please wait and try again."),
    "unavailable": (
        503,
        "大厅服务器暂时无法连接，请稍后再试。",
        "The hall server cannot be reached right now; please try again shortly.",
    ),
    "method_not_allowed": (405, "不支持此请求方法。", "This method is not allowed here."),
    "internal": (500, "网关内部错误。", "The gateway failed on this request."),
}


class ApiError(Exception):
    def __init__(
        self,
        code: str,
        detail: str = "",
        *,
        field: str | None = None,
        detail_zh: str | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(detail or code)
        self.code = code
        self.detail = detail
        self.detail_zh = detail_zh
        self.field = field
        self.retry_after = retry_after

    @property
    def status(self) -> int:
        return MESSAGES[self.code][0]


def wants_english(accept_language: str | None) -> bool:
    """Chinese unless the request prefers English (the first language named decides)."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if not tag or tag == "*":
            continue
        return tag.startswith("en")
    return False


def body(err: ApiError, english: bool) -> dict[str, Any]:
    _, zh, en = MESSAGES[err.code]
    detail = err.detail if english or err.detail_zh is None else err.detail_zh
    template = en if english else zh
    message = template.format(detail=detail or ("—" if "{detail}" in template else "")).strip()
    out: dict[str, Any] = {"code": err.code, "message": message}
    if err.field:
        out["field"] = err.field
    return {"error": out}


def response(err: ApiError, request: Request | None = None, accept_language: str | None = None) -> JSONResponse:
    lang = accept_language if request is None else request.headers.get("accept-language")
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else None
    return JSONResponse(body(err, wants_english(lang)), status_code=err.status, headers=headers)
