"""An item's guide (办事指南, seed art. 11) from the published catalog, the people waiting and the
wait now, where to go, and the two actions: take a ticket, print the materials list.

Outside opening hours a staffed item says when the hall opens next and offers what can be done now
(print the materials list, the self-service items), from the broker's words on the hours. A self-service
item this kiosk prints (issue 24) offers its transaction instead of a ticket, with no queue or counter
line to contradict it. The guide is paged with taps, never scrolled."""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty

from ..i18n import material_text, time_limit_text
from .base import KioskScreen, load_kv

load_kv(__file__)

TABS = ("conditions", "materials", "time_fee", "process")


NBSP = "\u00a0"  # keeps a bullet or a number on the line of its text: Kivy wraps only at spaces


def guide_paragraphs(item, tab: str, lang: str) -> list[str]:
    out = []
    for p in _paragraphs(item, tab, lang):
        head, sep, rest = p.partition(" ")
        if sep and (head == "•" or head.rstrip(".").isdigit()):
            p = head + NBSP + rest
        out.append(p)
    return out


def _paragraphs(item, tab: str, lang: str) -> list[str]:
    g = item.guide
    if tab == "materials":
        lines = [f"{n}. {material_text(m, lang)}" for n, m in enumerate(item.materials, 1)]
        return lines or ["无需提交材料" if lang == "zh" else "No materials needed"]
    if g is None:
        return []
    if tab == "conditions":
        out = [f"• {c}" for c in g.conditions]
        if item.bundle_of:
            out.insert(0, "一次取号、一窗受理以下事项：" + "、".join(item.bundle_of))
        if g.online:
            out.append("也可网上申请；不预约、不网办也可以现场取号办理。")
        return out
    if tab == "time_fee":
        out = [f"承诺时限：{time_limit_text(g.time_limit_days, lang)}"]
        if g.legal_time_limit_days:
            out.append(f"法定时限：{g.legal_time_limit_days} 个工作日")
        out.append(f"收费标准：{g.fee}")
        if g.fee_basis:
            out.append(f"收费依据：{g.fee_basis}")
        out.append(f"办理结果：{g.result}")
        out.append(f"实施主体：{g.implementing_body}")
        out.append(f"咨询方式：{g.contact}")
        return out
    out = [f"{n}. {p}" for n, p in enumerate(g.process, 1)]
    out += [f"常见错误：{m}" for m in g.common_mistakes]
    if g.note:
        out.append(g.note)
    return out


class ItemScreen(KioskScreen):
    page = 0
    transaction = False  # the item is a self-service record this kiosk prints
    # 需要手语/文字沟通 travels with a ticket: offered only while this item's ticket can be taken
    sign_offered = BooleanProperty(True)

    def on_kv_post(self, _base_widget) -> None:
        s = self.state
        for prop in (
            "service_id",
            "catalog",
            "queues",
            "counters",
            "language",
            "elderly",
            "hall_open",
            "holder_name_masked",
            "online",
            "self_service_open",
        ):
            s.bind(**{prop: self.refresh})
        s.bind(guide_tab=self._tab_changed)
        self.refresh(force=True)

    def on_leave(self, *_args) -> None:
        self.ids.take.busy = False

    def _tab_changed(self, *_args) -> None:
        self.page = 0
        self.refresh(force=True)

    def item(self):
        return self.ctl.item(self.state.service_id) if self.ctl else None

    def per_page(self) -> int:
        return 4 if self.state.elderly else 7

    def turn(self, step: int) -> None:
        self.page += step
        self.refresh(force=True)

    def update(self) -> None:
        item = self.item()
        ids = self.ids
        s = self.state
        if item is None:
            return
        lang = s.language
        ids.name.text = item.title(lang)
        ids.department.text = item.department
        ids.queue_line.text = self.ctl.queue_line(item)
        ids.where_line.text = self.ctl.where_line(item)
        ids.holder.text = self.tr("holder_attached", name=s.holder_name_masked) if s.holder_name_masked else ""
        paragraphs = guide_paragraphs(item, s.guide_tab, lang)
        per = self.per_page()
        pages = max(1, -(-len(paragraphs) // per))
        self.page = max(0, min(self.page, pages - 1))
        ids.guide.text = "\n".join(paragraphs[self.page * per : (self.page + 1) * per])
        ids.guide_prev.disabled = self.page == 0
        ids.guide_next.disabled = self.page >= pages - 1
        ids.guide_nav.shown = pages > 1
        ids.guide_page.text = self.tr("page_of", n=self.page + 1, total=pages)
        self_service = s.catalog.is_self_service(item) if s.catalog else False
        self.transaction = self_service and self.ctl.selfservice.offers(item.id)
        self.sign_offered = not self.transaction and s.hall_open
        if self.transaction:  # done here, at any hour: no queue, no counter, nothing to contradict it
            self._show_transaction(s)
            return
        ids.take.tid = "item.take"
        closed = not s.hall_open
        ids.closed.shown = closed
        ids.closed_text.text = (
            (self.tr("closed_item", when=s.next_open_text) + self.tr("closed_can_do")) if closed else ""
        )
        ids.self_service.text = self.tr("self_service_item") if self_service else ""
        take = ids.take
        take.disabled = not (s.online and s.hall_open)
        if self_service and closed:  # done at another kiosk (one with an A4 printer), not at a counter now
            ids.queue_line.text = ""
            ids.closed.shown = False
            ids.self_service.text = self.tr("ss_elsewhere")
            take.text = self.tr("ss_elsewhere_take")
        elif not s.online:
            take.text = self.tr("stop_issuing")
        elif not s.hall_open:
            take.text = self.tr("closed_take")
        else:
            take.text = self.tr("take_ticket")
        # after hours: the self-service items that can be done now, as buttons
        box = ids.now_items
        box.clear_widgets()
        if closed and s.catalog:
            for other in s.catalog.self_service_items()[: 3 if s.elderly else 4]:
                if other.id == item.id:
                    continue
                b = Factory.KButton(
                    text=other.title(s.language), tid=f"item.self.{other.id}", role="plain", font_role="small"
                )
                b.bind(on_release=lambda _b, sid=other.id: self.ctl.open_item(sid))
                box.add_widget(b)
        ids.now_title.text = self.tr("self_service_list") if box.children else ""

    def _show_transaction(self, s) -> None:
        """A self-service item this kiosk prints (issue 24): its transaction, and nothing of the counters."""
        ids = self.ids
        ids.queue_line.text = ""
        ids.where_line.text = ""
        ids.closed.shown = False
        ids.closed_text.text = ids.now_title.text = ""
        ids.now_items.clear_widgets()
        ids.self_service.text = self.tr("ss_start_note") if s.self_service_open else self.tr("ss_closed")
        take = ids.take
        take.tid = "item.selfservice"
        take.text = self.tr("ss_start") if s.self_service_open else self.tr("ss_closed")
        take.disabled = not (s.online and s.self_service_open)

    def primary_action(self) -> None:
        """The big button: the self-service transaction, or a ticket."""
        if self.transaction:
            self.ctl.start_self_service(self.state.service_id)
        else:
            self.ctl.take_ticket(self.state.service_id)


SCREEN = ItemScreen
