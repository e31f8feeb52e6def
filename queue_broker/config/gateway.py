"""The site file's `gateway:` section: the hall's HTTP door to phones and partner apps (docs/gateway.md).

The broker reads it too: the remote-ticket switches and limits and the "come now" rule are enforced by
the engine, the public URL goes into the `status_url` of every issued ticket (the printed QR code).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RemoteTickets(_Strict):
    """Same-day places taken before arriving (seed art. 19: never compulsory, walk-ins never refused)."""

    enabled: bool = True  # the hall's switch
    service_ids: list[Id] | Literal["*"] = "*"  # the item switch: which items allow them
    share: float = Field(default=0.3, ge=0.0, le=1.0)  # of a queue's expected tickets of the day
    active_per_holder: int = Field(default=1, ge=1, le=5)  # active tickets per holder and item


class Limits(_Strict):
    per_address_per_s: float = Field(default=20.0, gt=0)  # any route, one client address
    posts_per_token_per_min: int = Field(default=5, ge=1)  # notify, cancel, rating
    body_max_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    broker_timeout_s: float = Field(default=4.5, gt=0, le=30)  # 503 within 5 s, with the answer's own time


class NoticeTemplates(_Strict):
    """Texts of the notices; `{number}`, `{service}`, `{hall}`, `{window}`, `{minutes}`, `{url}`. Never a
    name or an ID number (the gateway does not have them)."""

    come_now: str = "【{hall}】{number}号（{service}）即将叫号，请于{minutes}分钟内回到大厅。进度：{url}"
    called: str = "【{hall}】请{number}号到{window}办理。"
    booked: str = "【{hall}】预约成功：{service}，{slot}，预约码{code}。不预约也可现场取号。"


class Notify(_Strict):
    backend: Literal["outbox", "aliyun-sms", "tencent-sms", "wechat-subscribe"] = "outbox"
    outbox_dir: str | None = None  # default $HALL_DATA_DIR/notify-outbox
    options: dict[str, str] = {}  # the backend's settings (sign name, template codes, app id); no secrets
    templates: NoticeTemplates = NoticeTemplates()
    # the "come now" rule (engine/come_now.py): notify when P(called within travel_min + margin_min) >= threshold.
    # 0.05: the notice goes while there is still a 95 % chance that the call comes after the citizen is back;
    # the contract's literal 0.9 sends it when the call is already likely to come first (docs/gateway.md)
    margin_min: float = Field(default=3.0, ge=0, le=60)
    threshold: float = Field(default=0.05, gt=0.0, lt=1.0)
    default_travel_min: int = Field(default=20, ge=0, le=180)  # a remote ticket with a phone, no travel time
    retry_max: int = Field(default=6, ge=0, le=20)  # attempts after the first, with doubling back-off
    retry_first_s: float = Field(default=2.0, gt=0)


class GatewayConfig(_Strict):
    public_url: str = ""  # what the printed QR code points at: {public_url}/t/{status_token}
    remote_tickets: RemoteTickets = RemoteTickets()
    limits: Limits = Limits()
    notify: Notify = Notify()

    @field_validator("public_url")
    @classmethod
    def _url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if v and not (v.startswith("https://") or v.startswith("http://")):
            raise ValueError("must start with https:// (or http:// on a test bench)")
        return v

    def allows_remote(self, service_id: str) -> bool:
        rt = self.remote_tickets
        return rt.enabled and (rt.service_ids == "*" or service_id in rt.service_ids)
