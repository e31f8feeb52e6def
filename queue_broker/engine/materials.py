"""Materials on file (电子材料, seed art. 29; issue 23 item 5). A mixin of HallEngine.

The engine keeps only references: which material (an opaque id naming an encrypted file in the hall
server's `DATA_DIR/materials/`), whose (a ticket or a case), its title and figures, who attached it,
and until when it is kept (`materials.retention_days` after it was attached, fixed in the event so a
replay never depends on a setting changed later). The pages themselves never enter the engine, the
event log or MQTT; the materials door (queue_broker/materials/) checks, encrypts, stores, serves and
deletes them.

Who may attach or read: a counter, for a ticket called, served or held there today, or a case of that
counter; a kiosk, for a ticket it issued that is still waiting today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from . import events as ev
from .commands import AttachMaterial, EraseMaterials, ListMaterials, RemoveMaterial
from .dispatch import applies, handles
from .events import Event
from .records import WAITING
from .rejected import Rejected, Result
from .state import EngineState, OwnState
from .words import counter_name


@dataclass
class MaterialRec:
    id: str
    owner: tuple[str, str]  # ("ticket", id) | ("case", id)
    title: str
    source: str
    meta: dict[str, Any]
    attached_at: datetime
    expires_at: datetime
    by: str = ""
    counter_id: str | None = None
    kiosk_id: str | None = None


class MaterialsMixin(EngineState):
    """Uses HallEngine's state (config, tickets, cases, local_day, _emit, ...)."""

    # Materials on file now (erased ones leave this table: their files are deleted).
    materials = OwnState(dict[str, MaterialRec])
    materials_by_owner = OwnState(dict[tuple[str, str], list[str]])

    def material_owner(
        self,
        ticket_id: str | None,
        case_id: str | None,
        counter_id: str | None,
        kiosk_id: str | None,
        now: datetime,
    ) -> tuple[str, str]:
        """("ticket", id) or ("case", id) when this counter or kiosk may attach to and read it; else Rejected."""
        if bool(ticket_id) == bool(case_id):
            raise Rejected("invalid_request", "请指明材料属于哪个号（ticket_id）或哪个案件（case_id），只填其一")
        if case_id:
            case = getattr(self, "cases", {}).get(case_id)
            if case is None:
                raise Rejected("not_found", "没有这个案件")
            if counter_id is None or case.counter_id != counter_id:
                raise Rejected("forbidden", f"案件 {case_id} 不是本窗口的案件")
            return ("case", case_id)
        t = self._ticket(ticket_id or "")
        if t.day != self.local_day(now):
            raise Rejected("conflict", f"{t.number} 是 {t.day} 的号：材料只能在取号当天添加")
        if counter_id is not None:
            if counter_id not in (t.counter_id, getattr(t, "hold_counter_id", None)):
                raise Rejected("forbidden", f"{t.number} 没有在{counter_name(self.counter_cfg, counter_id)}叫号")
        elif kiosk_id is not None:
            if t.kiosk_id != kiosk_id or t.state != WAITING:
                raise Rejected("forbidden", "自助机只能给本机取出、仍在等候的号添加材料")
        else:
            raise Rejected("forbidden", "材料只能在窗口或自助机添加")
        return ("ticket", t.id)

    def material_view(self, m: MaterialRec) -> dict[str, Any]:
        kind, owner = m.owner
        return {
            "id": m.id,
            f"{kind}_id": owner,
            "title": m.title,
            "source": m.source,
            "attached_at": m.attached_at.isoformat(),
            "expires_at": m.expires_at.isoformat(),
            **{k: m.meta[k] for k in ("width", "height", "bytes", "format", "sha256") if k in m.meta},
        }

    def materials_due(self, now: datetime) -> list[str]:
        return [m.id for m in self.materials.values() if m.expires_at <= now]

    # ------------------------------------------------------------ commands
    @handles(AttachMaterial)
    def _do_AttachMaterial(self, cmd: AttachMaterial, now: datetime) -> Result:
        if cmd.material_id in self.materials:  # the same page twice (a retry after a lost reply)
            return Result([], {"material": self.material_view(self.materials[cmd.material_id])})
        owner = self.material_owner(cmd.ticket_id, cmd.case_id, cmd.counter_id, cmd.kiosk_id, now)
        rules = self.config.materials
        if len(self.materials_by_owner.get(owner, [])) >= rules.max_per_owner:
            raise Rejected(
                "full", f"这个{'案件' if owner[0] == 'case' else '号'}已存有 {rules.max_per_owner} 页材料，已达上限"
            )
        out: list[Event] = []
        self._emit(
            out,
            ev.MATERIAL_ATTACHED,
            now,
            id=cmd.material_id,
            owner_kind=owner[0],
            owner_id=owner[1],
            title=cmd.title,
            source=cmd.source,
            meta=dict(cmd.meta),
            expires_at=(now + timedelta(days=rules.retention_days)).isoformat(),
            by=cmd.by,
            counter_id=cmd.counter_id,
            kiosk_id=cmd.kiosk_id,
        )
        return Result(out, {"material": self.material_view(self.materials[cmd.material_id])})

    @handles(ListMaterials)
    def _do_ListMaterials(self, cmd: ListMaterials, now: datetime) -> Result:
        owner = self.material_owner(cmd.ticket_id, cmd.case_id, cmd.counter_id, cmd.kiosk_id, now)
        items = [self.material_view(self.materials[mid]) for mid in self.materials_by_owner.get(owner, [])]
        return Result([], {f"{owner[0]}_id": owner[1], "materials": items})

    @handles(RemoveMaterial)
    def _do_RemoveMaterial(self, cmd: RemoveMaterial, now: datetime) -> Result:
        m = self.materials.get(cmd.material_id)
        if m is None:
            raise Rejected("not_found", "没有这份材料（已删除或从未添加）")
        if cmd.counter_id is not None and m.counter_id != cmd.counter_id:
            raise Rejected("forbidden", "窗口只能删除本窗口添加的材料")
        out: list[Event] = []
        self._emit(out, ev.MATERIAL_ERASED, now, id=m.id, reason="removed", note=cmd.reason, by=cmd.by)
        return Result(out, {"material_id": m.id, "erased": True})

    @handles(EraseMaterials)
    def _do_EraseMaterials(self, cmd: EraseMaterials, now: datetime) -> Result:
        out: list[Event] = []
        for mid in cmd.material_ids:
            if mid in self.materials:
                self._emit(out, ev.MATERIAL_ERASED, now, id=mid, reason=cmd.reason, note="", by="")
        return Result(out, {"erased": len(out)})

    # ------------------------------------------------------------ events
    @applies("material_attached")
    def _on_material_attached(self, at: datetime, d: dict[str, Any]) -> None:
        owner = (d["owner_kind"], d["owner_id"])
        self.materials[d["id"]] = MaterialRec(
            id=d["id"],
            owner=owner,
            title=d.get("title", ""),
            source=d.get("source", ""),
            meta=dict(d.get("meta", {})),
            attached_at=at,
            expires_at=datetime.fromisoformat(d["expires_at"]),
            by=d.get("by", ""),
            counter_id=d.get("counter_id"),
            kiosk_id=d.get("kiosk_id"),
        )
        self.materials_by_owner.setdefault(owner, []).append(d["id"])

    @applies("material_erased")
    def _on_material_erased(self, at: datetime, d: dict[str, Any]) -> None:
        m = self.materials.pop(d["id"], None)
        if m is not None:
            ids = self.materials_by_owner.get(m.owner, [])
            if m.id in ids:
                ids.remove(m.id)
            if not ids:
                self.materials_by_owner.pop(m.owner, None)
