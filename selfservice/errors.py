"""Typed errors of a department adapter. Each has a `code` (what the audit record and tests compare) and
`citizen_message`, the plain sentence the kiosk shows. Neither ever contains the citizen's data."""

from __future__ import annotations


class AdapterError(Exception):
    code = "adapter_error"
    citizen_message = "暂时无法查询，请稍后再试或到窗口办理。"

    def __init__(self, reason: str = ""):
        # `reason` is for staff and logs: the department, the status, what went wrong; no personal data
        super().__init__(reason or self.code)
        self.reason = reason or self.code


class NotFound(AdapterError):
    """The department has no record of this citizen for this item."""

    code = "not_found"
    citizen_message = "没有查询到您的记录。如有疑问，请到窗口咨询。"


class NotAllowed(AdapterError):
    """The department knows the citizen but will not give this record at a kiosk."""

    code = "not_allowed"
    citizen_message = "此记录不能在自助终端打印，请到窗口办理。"


class AdapterTimeout(AdapterError):
    """No answer in time (after the retries the adapter allows)."""

    code = "timeout"
    citizen_message = "部门系统响应超时，请稍后再试。"


class ServiceDown(AdapterError):
    """The department's service cannot be used now: refused, failing, or its circuit breaker is open."""

    code = "service_down"
    citizen_message = "部门系统暂时无法连接，请稍后再试或到窗口办理。"


class BadAnswer(ServiceDown):
    """The service answered something that is not a valid record (garbage, another citizen's record)."""

    code = "bad_answer"
    citizen_message = "部门系统返回的数据有误，暂时无法打印，请到窗口办理。"
