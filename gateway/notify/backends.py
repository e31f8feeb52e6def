"""Where notices go: `outbox` (a JSON file per notice: the sample hall and the tests), Aliyun SMS and
Tencent Cloud SMS through their maintained SDKs (the optional extra `sms`), WeChat subscribe messages
(HTTPS, with httpx). Chosen by `gateway.notify.backend` in the site file; secrets only from the
environment, never from the YAML.

A backend's `send` is blocking and raises `SendError` on failure; the sender (sender.py) calls it off the
event loop, retries with back-off, and never lets it hold anything else up.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")  # a mainland mobile number
OPENID_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class SendError(Exception):
    pass


@dataclass(frozen=True)
class Notice:
    kind: str  # come_now | called | booked
    channel: str  # sms | wechat
    address: str
    text: str  # the site's template, filled in (for outbox and logs of the backend's own)
    params: dict[str, str]  # number, service, hall, window, minutes, url, slot, code: for provider templates
    ref: str  # the ticket id or appointment code (no personal data)


class Backend(Protocol):
    name: str

    def send(self, notice: Notice) -> None: ...


def mask_address(address: str) -> str:
    """'13812345678' -> '138****5678'; an openid keeps 4 characters at each end."""
    if PHONE_RE.match(address):
        return address[:3] + "****" + address[-4:]
    if len(address) <= 8:
        return "*" * len(address)
    return address[:4] + "*" * (len(address) - 8) + address[-4:]


class OutboxBackend:
    """One JSON file per notice in `folder`: what would have been sent, with the address masked (the
    outbox stands in for the provider; it is not where a phone number should live on)."""

    name = "outbox"

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._n = 0
        self._lock = threading.Lock()

    def send(self, notice: Notice) -> None:
        with self._lock:
            self._n += 1
            n = self._n
        record = {
            "at": datetime.now(UTC).isoformat(),
            "kind": notice.kind,
            "channel": notice.channel,
            "to": mask_address(notice.address),
            "ref": notice.ref,
            "text": notice.text,
        }
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        safe_ref = re.sub(r"[^A-Za-z0-9_-]", "_", notice.ref)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".notice-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.replace(tmp, self.folder / f"{stamp}-{n:04d}-{safe_ref}-{notice.kind}.json")


def _need(env: Mapping[str, str], *names: str) -> list[str]:
    missing = [n for n in names if not env.get(n)]
    if missing:
        raise SendError(f"set {', '.join(missing)} in the gateway's environment")
    return [env[n] for n in names]


@contextmanager
def _sms_extra(backend: str) -> Iterator[None]:
    """Around the imports of a provider's SDK: if they fail, say which extra brings them."""
    try:
        yield
    except ImportError:
        raise SendError(f"{backend} needs the optional extra: pip install 'hall-appliance[sms]'") from None


class _ProviderBackend:
    """A provider's service: its `options` from the site file, among them a template per kind of notice."""

    name: str

    def __init__(self, options: Mapping[str, str]):
        self.options = dict(options)

    def _template(self, notice: Notice) -> str:
        template = self.options.get(f"template_{notice.kind}")
        if not template:
            raise SendError(f"{self.name}: no template_{notice.kind} in gateway.notify.options")
        return template


class AliyunSmsBackend(_ProviderBackend):
    """Aliyun SMS (dysmsapi 2017-05-25). Options: sign_name, template_come_now, template_called,
    template_booked, endpoint (default dysmsapi.aliyuncs.com). Keys: HALL_SMS_ACCESS_KEY_ID/_SECRET."""

    name = "aliyun-sms"

    def __init__(self, options: Mapping[str, str], env: Mapping[str, str] = os.environ):
        with _sms_extra(self.name):
            from alibabacloud_dysmsapi20170525.client import Client  # type: ignore[import-not-found]  # the optional extra `sms`
            from alibabacloud_tea_openapi import models as open_api_models  # type: ignore[import-not-found]  # the optional extra `sms`
        key_id, secret = _need(env, "HALL_SMS_ACCESS_KEY_ID", "HALL_SMS_ACCESS_KEY_SECRET")
        super().__init__(options)
        config = open_api_models.Config(access_key_id=key_id, access_key_secret=secret)
        config.endpoint = self.options.get("endpoint", "dysmsapi.aliyuncs.com")
        if self.options.get("protocol"):
            config.protocol = self.options["protocol"]
        self.client = Client(config)

    def send(self, notice: Notice) -> None:
        from alibabacloud_dysmsapi20170525 import models as sms_models  # type: ignore[import-not-found]  # the optional extra `sms`

        template = self._template(notice)
        req = sms_models.SendSmsRequest(
            phone_numbers=notice.address,
            sign_name=self.options.get("sign_name", ""),
            template_code=template,
            template_param=json.dumps(notice.params, ensure_ascii=False),
        )
        try:
            resp = self.client.send_sms(req)
        except Exception as exc:  # the SDK raises its own types for network and API errors
            raise SendError(f"aliyun-sms: {type(exc).__name__}") from None
        code = getattr(resp.body, "code", None)
        if code != "OK":
            raise SendError(f"aliyun-sms answered {code}: {getattr(resp.body, 'message', '')}")


class TencentSmsBackend(_ProviderBackend):
    """Tencent Cloud SMS (2021-01-11). Options: sdk_app_id, sign_name, template_come_now,
    template_called, template_booked, region (ap-guangzhou), endpoint. Keys: HALL_SMS_SECRET_ID/_KEY."""

    name = "tencent-sms"
    PARAM_ORDER = {
        "come_now": ("number", "service", "minutes"),
        "called": ("number", "window"),
        "booked": ("service", "slot", "code"),
    }

    def __init__(self, options: Mapping[str, str], env: Mapping[str, str] = os.environ):
        with _sms_extra(self.name):
            from tencentcloud.common import credential  # type: ignore[import-not-found]  # the optional extra `sms`
            from tencentcloud.common.profile.client_profile import ClientProfile  # type: ignore[import-not-found]  # the optional extra `sms`
            from tencentcloud.common.profile.http_profile import HttpProfile  # type: ignore[import-not-found]  # the optional extra `sms`
            from tencentcloud.sms.v20210111 import sms_client  # type: ignore[import-not-found]  # the optional extra `sms`
        sid, skey = _need(env, "HALL_SMS_SECRET_ID", "HALL_SMS_SECRET_KEY")
        super().__init__(options)
        http = HttpProfile()
        http.endpoint = self.options.get("endpoint", "sms.tencentcloudapi.com")
        if self.options.get("protocol"):
            http.protocol = self.options["protocol"]
        self.client = sms_client.SmsClient(
            credential.Credential(sid, skey),
            self.options.get("region", "ap-guangzhou"),
            ClientProfile(httpProfile=http),
        )

    def send(self, notice: Notice) -> None:
        from tencentcloud.sms.v20210111 import models  # type: ignore[import-not-found,unused-ignore]

        template = self._template(notice)
        req = models.SendSmsRequest()
        req.PhoneNumberSet = ["+86" + notice.address]
        req.SmsSdkAppId = self.options.get("sdk_app_id", "")
        req.SignName = self.options.get("sign_name", "")
        req.TemplateId = template
        req.TemplateParamSet = [notice.params.get(k, "") for k in self.PARAM_ORDER.get(notice.kind, ())]
        try:
            resp = self.client.SendSms(req)
        except Exception as exc:  # TencentCloudSDKException and network errors
            raise SendError(f"tencent-sms: {type(exc).__name__}") from None
        statuses = getattr(resp, "SendStatusSet", None) or []
        if not statuses or getattr(statuses[0], "Code", "") != "Ok":
            code = getattr(statuses[0], "Code", "no status") if statuses else "no status"
            raise SendError(f"tencent-sms answered {code}")


class WechatSubscribeBackend(_ProviderBackend):
    """WeChat mini-program subscribe messages. Options: app_id, template_come_now, template_called,
    template_booked, page, api_base (https://api.weixin.qq.com). Secret: HALL_WECHAT_APP_SECRET."""

    name = "wechat-subscribe"

    def __init__(self, options: Mapping[str, str], env: Mapping[str, str] = os.environ):
        import httpx

        (self.secret,) = _need(env, "HALL_WECHAT_APP_SECRET")
        super().__init__(options)
        self.base = self.options.get("api_base", "https://api.weixin.qq.com").rstrip("/")
        self.http = httpx.Client(timeout=10.0)
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def _access_token(self) -> str:
        with self._lock:
            if self._token and self._token[1] > time.monotonic():
                return self._token[0]
            r = self.http.get(
                f"{self.base}/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.options.get("app_id", ""),
                    "secret": self.secret,
                },
            )
            data: dict[str, Any] = r.json()
            if "access_token" not in data:
                raise SendError(f"wechat token: errcode {data.get('errcode')}")
            self._token = (data["access_token"], time.monotonic() + int(data.get("expires_in", 7200)) - 300)
            return self._token[0]

    def send(self, notice: Notice) -> None:
        template = self._template(notice)
        body = {
            "touser": notice.address,
            "template_id": template,
            "page": self.options.get("page", ""),
            "data": {k: {"value": v[:20]} for k, v in notice.params.items()},
        }
        try:
            r = self.http.post(
                f"{self.base}/cgi-bin/message/subscribe/send", params={"access_token": self._access_token()}, json=body
            )
            data = r.json()
        except SendError:
            raise
        except Exception as exc:
            raise SendError(f"wechat-subscribe: {type(exc).__name__}") from None
        if data.get("errcode", 0) != 0:
            raise SendError(f"wechat-subscribe answered errcode {data.get('errcode')}")


def make_backend(
    name: str, options: Mapping[str, str], outbox_dir: str, env: Mapping[str, str] = os.environ
) -> Backend:
    if name == "outbox":
        return OutboxBackend(outbox_dir)
    if name == "aliyun-sms":
        return AliyunSmsBackend(options, env)
    if name == "tencent-sms":
        return TencentSmsBackend(options, env)
    if name == "wechat-subscribe":
        return WechatSubscribeBackend(options, env)
    raise SendError(f"unknown notice backend {name!r}")
