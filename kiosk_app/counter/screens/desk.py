"""The counter's working screen: the citizen at the counter, every action (buttons = keyboard
shortcuts = caller keypad), the queues this counter serves, today's figures, device health."""

from __future__ import annotations

from ...common.screen import FaceScreen, load_kv
from ..hold_text import needs_text

load_kv(__file__)

DEVICE_NAMES = {"keypad": "呼叫器", "rating_pad": "评价器", "printer": "打印机", "led": "窗口屏", "camera": "高拍仪"}
DEVICE_STATES = {"ready": "正常", "degraded": "注意", "fault": "故障", "unknown": "未知"}


class DeskScreen(FaceScreen):
    @staticmethod
    def needs_banner(ticket: dict) -> str:
        text = needs_text(ticket or {})
        return f"请注意：{text}" if text else ""

    @staticmethod
    def devices_text(devices: dict) -> str:
        parts = []
        for _id, d in sorted(devices.items()):
            name = DEVICE_NAMES.get(d["kind"], d["kind"])
            parts.append(f"{name} {DEVICE_STATES.get(d['state'], d['state'])}")
        return "　".join(parts) or "无外接设备"

    @staticmethod
    def queues_text(rows: list) -> str:
        return "\n".join(f"{r['name']}　等候 {r['waiting']} 人　{r['wait']}" for r in rows) or "—"

    @staticmethod
    def figures_text(f: dict) -> str:
        if not f:
            return ""
        return (
            f"办结 {f.get('served', 0)} 件（其中材料不全 {f.get('incomplete', 0)}）　"
            f"未到场 {f.get('no_show', 0)}　转出 {f.get('transferred', 0)}\n"
            f"平均等候 {f.get('mean_wait_text', '—')}　平均办理 {f.get('mean_service_text', '—')}\n"
            f"评价 {f.get('rated', 0)} 次　平均 {f.get('rating_text', '—')} 分　差评 {f.get('bad', 0)}"
        )


SCREEN = DeskScreen
