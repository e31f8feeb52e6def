"""The gateway's ASGI app (FastAPI on uvicorn, events through sse-starlette): the routes of
docs/gateway-api.md. Every answer about a ticket or an appointment comes from the broker (gateway/hall.py);
the gateway keeps only partner keys (hashed) and, until a ticket ends, a notice address."""

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sse_starlette.sse import EventSourceResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from queue_broker.config.models import SiteConfig

from . import errors
from .errors import ApiError
from .hall import BrokerDown, HallDoor, Refused
from .keys import PartnerKeys
from .limits import AddressLimiter, TokenPosts, retry_after
from .models import (
    AppointmentBody,
    AppointmentCreated,
    AppointmentView,
    Cancelled,
    ErrorBody,
    NotifyAccepted,
    NotifyBody,
    RatingAccepted,
    RatingBody,
    RemoteTicketBody,
    RemoteTicketCreated,
    Slot,
    TicketView,
)
from .notify.backends import OPENID_RE, PHONE_RE
from .notify.desk import NoticeDesk
from .page import citizen_page, not_found_page
from .views import HallInfo, minutes_range, ticket_view
from .watch import Watchers

log = logging.getLogger("gateway")

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody} for s in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}


@dataclass
class Gateway:
    """What the routes need: the site, the link to the broker, the live pages, the notices, the keys."""

    config: SiteConfig
    door: HallDoor
    keys: PartnerKeys
    notices: NoticeDesk
    node_id: str
    public_url: str
    watchers: Watchers | None = None
    clock: Callable[[], datetime] | None = None  # tests hand in the broker's injected clock
    hall: HallInfo = field(init=False)
    tz: ZoneInfo = field(init=False)
    addresses: AddressLimiter = field(init=False)
    posts: TokenPosts = field(init=False)

    def __post_init__(self) -> None:
        self.hall = HallInfo(self.config)
        self.tz = ZoneInfo(self.config.site.timezone)
        lim = self.config.gateway.limits
        self.addresses = AddressLimiter(lim.per_address_per_s, burst=max(lim.per_address_per_s, 1.0))
        self.posts = TokenPosts(lim.posts_per_token_per_min)

    def now(self) -> datetime:
        return (self.clock() if self.clock else datetime.now(self.tz)).astimezone(self.tz)


# ------------------------------------------------------------------------------ errors
def _refused(exc: Refused, **codes: str) -> ApiError:
    """The broker's refusal as an HTTP error; `codes` maps a protocol code to a contract code."""
    code = codes.get(exc.code)
    if code is None:
        code = {
            "not_found": "not_found",
            "conflict": "conflict",
            "closed": "conflict",
            "forbidden": "forbidden",
            "full": "conflict",
            "invalid_request": "invalid",
            "unavailable": "unavailable",
        }.get(exc.code, "unavailable")
    return ApiError(code, exc.message, retry_after=600 if code == "limit" else None)


def _down(exc: BrokerDown) -> ApiError:
    return ApiError("unavailable", str(exc), retry_after=5)


def _check_token(token: str) -> None:
    if not TOKEN_RE.match(token):
        raise ApiError("not_found", "no ticket of today has that status token", detail_zh="该号码不存在或已过期")


def _describe(exc: RequestValidationError) -> ApiError:
    first = exc.errors()[0] if exc.errors() else {}
    kind = first.get("type", "")
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    if kind in ("json_invalid", "json_type") or (not loc and kind in ("model_attributes_type", "dict_type")):
        return ApiError("bad_json", "the body must be a JSON object")
    where = ".".join(loc) or "body"
    msg = first.get("msg", "invalid")  # pydantic's sentence never repeats the value (no ID number here)
    if kind == "missing":
        return ApiError("invalid", f"field '{where}' is missing", field=where, detail_zh=f"缺少字段 {where}")
    return ApiError("invalid", f"field '{where}': {msg}", field=where, detail_zh=f"字段 {where} 有误")


# ------------------------------------------------------------------------------ ASGI guards
class Guard:
    """Before any route: the per-address rate limit and the body size limit, answered cheaply (a flood
    of 1,000 requests a second costs the gateway little and the broker nothing)."""

    def __init__(self, app: ASGIApp, gw: Gateway):
        self.app = app
        self.gw = gw
        self.max_body = gw.config.gateway.limits.body_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        lang = headers.get("accept-language")
        client = scope.get("client") or ("?", 0)
        wait = self.gw.addresses.take(str(client[0]))
        if wait > 0:
            await errors.response(ApiError("rate_limited", retry_after=retry_after(wait)), accept_language=lang)(
                scope, receive, send
            )
            return
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await errors.response(ApiError("too_large"), accept_language=lang)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await errors.response(ApiError("too_large"), accept_language=lang)(scope, receive, send)


class _TooLarge(StarletteHTTPException):
    """Raised from the body stream: FastAPI passes HTTP exceptions of its body reading on (413)."""

    def __init__(self) -> None:
        super().__init__(413)


# ------------------------------------------------------------------------------ the app
def create_app(gw: Gateway, *, start_hall: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        gw.watchers = Watchers(gw.door, gw.now)
        gw.watchers.on_ticket_event.append(gw.notices.on_event)
        gw.watchers.start()
        gw.notices.start()
        if start_hall:
            gw.door.start(loop)
            await loop.run_in_executor(None, gw.door.link.wait_connected, 10.0)
        yield
        await gw.notices.stop()
        await gw.watchers.stop()
        if start_hall:
            await loop.run_in_executor(None, gw.door.stop)

    app = FastAPI(
        title="Hall gateway API",
        version="1.0",
        description="The hall's door to citizens' phones and partner apps (docs/gateway-api.md).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN: the hall may have no internet
        redoc_url=None,
        lifespan=lifespan,
    )
    bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer KEY (python -m gateway key add NAME)")

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return errors.response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return errors.response(_describe(exc), request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "invalid")
        return errors.response(ApiError(code, "no such route" if code == "not_found" else ""), request)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed: %s", request.method, _masked_path(request.url.path), type(exc).__name__)
        return errors.response(ApiError("internal"), request)

    async def partner(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
        if creds is None or creds.scheme.lower() != "bearer":
            raise ApiError("unauthorized")
        name = gw.keys.partner_of(creds.credentials)
        if name is None:
            raise ApiError("unauthorized")
        return name

    async def ask(topic: str, payload: dict[str, Any], **codes: str) -> dict[str, Any]:
        try:
            return await gw.door.ask(topic, payload)
        except BrokerDown as exc:
            raise _down(exc) from None
        except Refused as exc:
            raise _refused(exc, **codes) from None

    async def raw_view(token: str) -> dict[str, Any]:
        _check_token(token)
        reply = await ask(gw.door.topics.ticket_cmd("view"), {"status_tokens": [token]})
        raw = (reply.get("tickets") or {}).get(token)
        if not isinstance(raw, dict):
            raise ApiError("not_found", "no ticket of today has that status token", detail_zh="该号码不存在或已过期")
        return raw

    def guard_post(token: str) -> None:
        """A citizen's POST on their ticket: a token of the right shape, within the rate limit of posts."""
        _check_token(token)
        wait = gw.posts.take(token)
        if wait > 0:
            raise ApiError("rate_limited", retry_after=retry_after(wait))

    # every route of the API answers its errors as ERRORS says (docs/gateway-api.md)
    public = APIRouter(tags=["public"], responses=ERRORS)
    partners = APIRouter(tags=["partner"], responses=ERRORS)

    # -------------------------------------------------------------- public
    @public.get("/api/v1/hall")
    async def hall() -> dict[str, Any]:
        """What any person in the hall can see on the call screen."""
        try:
            return gw.hall.view(gw.door.state("queues"), gw.door.state("catalog"), gw.now())
        except BrokerDown as exc:
            raise _down(exc) from None

    @public.get("/api/v1/tickets/{token}", response_model=TicketView)
    async def ticket(token: str) -> dict[str, Any]:
        return ticket_view(await raw_view(token), gw.now())

    @public.get("/api/v1/tickets/{token}/events", responses={200: {"content": {"text/event-stream": {}}}})
    async def ticket_events(token: str, request: Request) -> EventSourceResponse:
        """`event: ticket` with the ticket view on connect and each time it changes; a comment every 15 s.
        Additive: `event: hall` `{"reachable": bool}` when the hall server goes away or comes back."""
        raw = await raw_view(token)
        view = ticket_view(raw, gw.now())
        assert gw.watchers is not None
        q = gw.watchers.open(token, raw, view)

        async def stream() -> AsyncIterator[dict[str, Any]]:
            try:
                yield {"event": "ticket", "data": json.dumps(view, ensure_ascii=False)}
                while True:
                    msg = await q.get()
                    if msg["event"] == "gone":
                        return
                    yield {"event": msg["event"], "data": json.dumps(msg["data"], ensure_ascii=False)}
            finally:
                gw.watchers.close(token, q)  # type: ignore[union-attr]

        return EventSourceResponse(stream(), ping=15, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @public.post("/api/v1/tickets/{token}/notify", status_code=202, response_model=NotifyAccepted)
    async def notify(token: str, body: NotifyBody) -> dict[str, Any]:
        guard_post(token)
        address: str | None = body.address.strip()
        if body.channel == "sms" and not PHONE_RE.match(address or ""):
            raise ApiError(
                "invalid",
                "field 'address': a mainland mobile number (11 digits)",
                field="address",
                detail_zh="请填写11位手机号码",
            )
        if body.channel == "wechat" and not OPENID_RE.match(address or ""):
            raise ApiError("invalid", "field 'address': a WeChat openid", field="address", detail_zh="微信 openid 有误")
        if body.channel == "web":
            address = None
        raw = await raw_view(token)
        if raw.get("state") != "waiting":
            raise ApiError("conflict", f"{raw['number']} is no longer waiting", detail_zh="该号已不在等候中")
        try:
            await gw.notices.request(token, raw["id"], body.channel, address, body.travel_min)
        except BrokerDown as exc:
            raise _down(exc) from None
        except Refused as exc:
            raise _refused(exc) from None
        return {"notify_id": gw.notices.notify_id(token)}

    @public.post("/api/v1/tickets/{token}/cancel", response_model=TicketView)
    async def cancel(token: str) -> dict[str, Any]:
        guard_post(token)
        reply = await ask(gw.door.topics.ticket_cmd("cancel"), {"status_token": token, "request_id": f"cancel:{token}"})
        raw = reply["ticket"]
        gw.notices.erase(raw["id"])
        return ticket_view(raw, gw.now())

    @public.post("/api/v1/tickets/{token}/rating", status_code=201, response_model=RatingAccepted)
    async def rating(token: str, body: RatingBody) -> dict[str, Any]:
        guard_post(token)
        reasons = []
        for i, code in enumerate(body.reasons):
            text = gw.hall.reason_text(code)
            if text is None:
                raise ApiError(
                    "invalid", f"field 'reasons.{i}': not a reason code of GET /api/v1/hall", field=f"reasons.{i}"
                )
            reasons.append(text)
        payload: dict[str, Any] = {"status_token": token, "level": body.level, "reasons": reasons, "channel": "qr_code"}
        if body.comment:
            payload["comment"] = body.comment
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
        payload["request_id"] = f"rate:{token}:{digest}"  # a retry of the same rating is the same request
        await ask(gw.door.topics.ticket_cmd("rate"), payload)
        return {"status": "rated", "level": body.level}

    @app.get("/t/{token}", response_class=HTMLResponse, include_in_schema=False)
    async def page(token: str, request: Request, lang: Annotated[str | None, Query()] = None) -> Response:
        english = lang == "en" if lang else False
        if not TOKEN_RE.match(token):
            return not_found_page(english)
        view = None
        try:
            raw = await gw.door.ask(gw.door.topics.ticket_cmd("view"), {"status_tokens": [token]})
            r = (raw.get("tickets") or {}).get(token)
            if r is None:
                return not_found_page(english)
            view = ticket_view(r, gw.now())
        except (BrokerDown, Refused):
            view = None  # the page says so and keeps trying
        return citizen_page(token, view, english, gw.hall.reasons, gw.config.site.short_name or gw.config.site.name)

    # -------------------------------------------------------------- partners
    @partners.get("/api/v1/slots", response_model=list[Slot])
    async def slots(
        who: Annotated[str, Depends(partner)],
        service_id: Annotated[str, Query(pattern=r"^[A-Za-z0-9_.-]{1,64}$")],
        date: Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")],
    ) -> list[dict[str, Any]]:
        try:
            datetime.strptime(date, "%Y-%m-%d")
        except ValueError:
            raise ApiError("invalid", "field 'date': not a date", field="date") from None
        reply = await ask(gw.door.topics.appointment_cmd("slots"), {"service_id": service_id, "date": date})
        return list(reply.get("slots") or [])

    @partners.post("/api/v1/appointments", status_code=201, response_model=AppointmentCreated)
    async def book(body: AppointmentBody, who: Annotated[str, Depends(partner)]) -> dict[str, Any]:
        _known_service(gw, body.service_id)
        payload = {
            "request_id": _scoped("book", who, body.request_id),
            "service_id": body.service_id,
            "slot_start": body.slot_start.isoformat(),
            "holder": {"id_number": body.holder.id_number.upper(), "name": body.holder.name},
            "partner": who,
        }
        try:
            reply = await gw.door.ask(gw.door.topics.appointment_cmd("book"), payload)
        except BrokerDown as exc:
            raise _down(exc) from None
        except Refused as exc:
            raise _booking_refusal(exc) from None
        appt = reply["appointment"]
        grace = gw.config.appointments
        start = datetime.fromisoformat(appt["slot_start"])
        out = {
            "appointment_id": appt["code"],
            "code": appt["code"],
            "slot_start": appt["slot_start"],
            "slot_end": appt["slot_end"],
            "check_in": {
                "from": (start - timedelta(minutes=grace.grace_before_min)).isoformat(),
                "until": (start + timedelta(minutes=grace.grace_after_min)).isoformat(),
            },
        }
        if body.phone:
            gw.notices.keep_appointment(appt["code"], who, body.phone, appt)
        return out

    @partners.get(
        "/api/v1/appointments/{appointment_id}", response_model=AppointmentView, response_model_exclude_none=True
    )
    async def appointment(appointment_id: str, who: Annotated[str, Depends(partner)]) -> dict[str, Any]:
        if not re.match(r"^[A-Za-z0-9]{1,32}$", appointment_id):
            raise ApiError("not_found", "no appointment has that id", detail_zh="该预约不存在")
        reply = await ask(gw.door.topics.appointment_cmd("status"), {"code": appointment_id, "partner": who})
        a = reply["appointment"]
        out: dict[str, Any] = {
            "appointment_id": a["code"],
            "service_id": a["service_id"],
            "slot_start": a["slot_start"],
            "slot_end": a["slot_end"],
            "status": a["status"],
        }
        if a.get("ticket"):
            out["ticket"] = {"number": a["ticket"]["number"], "status_token": a["ticket"]["status_token"]}
        return out

    @partners.delete("/api/v1/appointments/{appointment_id}", response_model=Cancelled)
    async def cancel_appointment(appointment_id: str, who: Annotated[str, Depends(partner)]) -> dict[str, Any]:
        if not re.match(r"^[A-Za-z0-9]{1,32}$", appointment_id):
            raise ApiError("not_found", "no appointment has that id", detail_zh="该预约不存在")
        await ask(
            gw.door.topics.appointment_cmd("cancel"),
            {"code": appointment_id, "partner": who, "request_id": _scoped("cancel", who, appointment_id)},
        )
        gw.notices.store.erase_appointment(appointment_id)
        return {"status": "cancelled"}

    @partners.post("/api/v1/remote-tickets", status_code=201, response_model=RemoteTicketCreated)
    async def remote_ticket(
        body: RemoteTicketBody, request: Request, who: Annotated[str, Depends(partner)]
    ) -> dict[str, Any]:
        _known_service(gw, body.service_id)
        if not gw.config.gateway.allows_remote(body.service_id):
            raise ApiError("remote_ticket_off")
        payload: dict[str, Any] = {
            "request_id": _scoped("remote", who, body.request_id),
            "kiosk_id": gw.node_id,
            "service_id": body.service_id,
            "channel": "walk_in",
            "remote": True,
            "partner": who,
        }
        if body.holder is not None:
            payload["holder"] = {"id_number": body.holder.id_number.upper(), "name": body.holder.name}
        try:
            reply = await gw.door.ask(gw.door.topics.ticket_issue(), payload)
        except BrokerDown as exc:
            raise _down(exc) from None
        except Refused as exc:
            if exc.code == "invalid_request" and "ID number" in exc.message:
                raise ApiError("invalid", exc.message, field="holder.id_number", detail_zh="身份证号码有误") from None
            raise _refused(exc, forbidden="remote_ticket_off", full="limit") from None
        t = reply["ticket"]
        token = t["status_token"]
        url = t.get("status_url") or f"{gw.public_url or str(request.base_url).rstrip('/')}/t/{token}"
        if body.phone:
            try:
                await gw.notices.request(token, t["id"], "sms", body.phone, gw.config.gateway.notify.default_travel_min)
            except (BrokerDown, Refused) as exc:  # the ticket stands; only the notice could not be set
                log.warning("remote ticket %s: notice not set (%s)", t["number"], type(exc).__name__)
        return {
            "number": t["number"],
            "status_token": token,
            "status_url": url,
            "estimate": minutes_range(t.get("estimated_wait_range_s")),
        }

    app.include_router(public)
    app.include_router(partners)
    app.add_middleware(Guard, gw=gw)
    app.state.gateway = gw
    return app


def _scoped(kind: str, partner: str, request_id: str) -> str:
    """The broker's request id for a partner's: scoped by partner and kind, bounded in length."""
    digest = hashlib.sha256(f"{kind}\0{partner}\0{request_id}".encode()).hexdigest()[:40]
    return f"gw-{kind}-{digest}"


def _known_service(gw: Gateway, service_id: str) -> None:
    if not any(s.id == service_id for s in gw.config.services) and not any(
        b.id == service_id for b in gw.config.bundles
    ):
        raise ApiError(
            "invalid",
            f"field 'service_id': no service item {service_id!r} in this hall",
            field="service_id",
            detail_zh="没有该事项",
        )


def _booking_refusal(exc: Refused) -> ApiError:
    if exc.code == "full":
        return ApiError("slot_full", exc.message)
    if exc.code == "invalid_request" and "ID number" in exc.message:
        return ApiError("invalid", exc.message, field="holder.id_number", detail_zh="身份证号码有误")
    if exc.code == "invalid_request" and "slot" in exc.message:
        return ApiError("invalid", exc.message, field="slot_start", detail_zh="预约时段有误")
    if exc.code in ("conflict", "closed") and ("slot" in exc.message or "open" in exc.message or "book" in exc.message):
        return ApiError("conflict", exc.message, detail_zh="该时段不可预约")
    return _refused(exc)


def _masked_path(path: str) -> str:
    return re.sub(r"/(t|tickets)/([A-Za-z0-9_-]{4})[A-Za-z0-9_-]*", r"/\1/\2…", path)
