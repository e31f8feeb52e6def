"""The engine's states and counters in the Chinese that staff read in a refusal (issue 17 item 8). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TICKET_STATE_NAMES = {
    "waiting": "等候中",
    "called": "已呼叫",
    "serving": "办理中",
    "held": "挂起中",
    "done": "已办结",
    "no_show": "过号",
    "transferred": "已转出",
    "cancelled": "已作废",
    "handed_over": "已转交他厅",
    "hold_expired": "挂起超时",
}
COUNTER_STATUS_NAMES = {"closed": "未登录", "open": "已开窗", "paused": "已暂停"}
# a reserve clerk's ask (engine/planning.py): idle → asked → open → closing → idle
RESERVE_STATE_NAMES = {"idle": "空闲", "asked": "已被请求开窗", "open": "已开窗办理", "closing": "正在关窗"}


def ticket_state_name(state: str) -> str:
    return TICKET_STATE_NAMES.get(state, state)


def counter_name(counter_cfg: Mapping[str, Any], counter_id: str | None) -> str:
    """A counter as staff know it: its configured name (e.g. 3号窗口); an id the hall does not have, as given."""
    cfg = counter_cfg.get(counter_id) if counter_id else None
    return cfg.name if cfg is not None else f"窗口 {counter_id}"


def queue_name(queues: Mapping[str, Any], queue_id: str) -> str:
    return queues[queue_id].name if queue_id in queues else queue_id


def reserve_name(reserve_cfg: Mapping[str, Any], reserve_id: str) -> str:
    """A reserve clerk by name (site `reserves`), else by id."""
    cfg = reserve_cfg.get(reserve_id)
    return (cfg.name if cfg is not None else "") or reserve_id
